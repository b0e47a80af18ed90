//! Starting under an MPI launcher: how many ranks it started, and making NEURON find and
//! initialise MPI when it is imported (before any ParallelContext exists). A serial run
//! never touches MPI.

use std::path::PathBuf;

use pyo3::prelude::*;

use crate::neuron::exceptions::ParallelError;

/// The number of ranks the MPI launcher started, if any (MPICH/Hydra, Open MPI, PMIx).
pub fn launcher_size() -> Option<usize> {
    ["PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
}

/// Before NEURON is imported under a launcher: make NEURON find the MPI library that came
/// with Patch's `mpi` extra, the `mpich` wheel (loaded globally, which NEURON prefers to
/// any other) and initialise MPI at import.
pub fn prepare(py: Python<'_>) -> PyResult<()> {
    if launcher_size().unwrap_or(1) <= 1
        || py.import("sys")?.getattr("modules")?.contains("neuron")?
    {
        return Ok(());
    }
    let environ = py.import("os")?.getattr("environ")?;
    let prefix: PathBuf = py.import("sys")?.getattr("prefix")?.extract()?;
    let wheel_library = prefix.join("lib").join("libmpi.so.12");
    let library = match std::env::var_os("MPI_LIB_NRN_PATH") {
        Some(path) => PathBuf::from(path),
        None if wheel_library.is_file() => wheel_library,
        None => PathBuf::new(),
    };
    if library.is_file() {
        nrn::load_globally(&library).map_err(|error| ParallelError::new_err(error.to_string()))?;
        environ.set_item("MPI_LIB_NRN_PATH", library.to_string_lossy().as_ref())?;
    }
    if !environ.contains("NEURON_INIT_MPI")? {
        environ.set_item("NEURON_INIT_MPI", "1")?;
    }
    Ok(())
}
