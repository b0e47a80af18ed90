//! Attaching to the NEURON that `import neuron` loaded, so Patch and `neuron.h` share one
//! model; under an MPI launcher, after MPI was prepared for it.

use std::path::PathBuf;

use nrn::Neuron;
use pyo3::prelude::*;

use crate::neuron::errors::PatchResult;
use crate::neuron::launch::prepare;

/// Joins the NEURON that `import neuron` loads, so Patch and `neuron.h` share one model.
pub fn attach(py: Python<'_>) -> PatchResult<&'static Neuron> {
    // SAFETY: the GIL is held (`py`), and Patch calls NEURON only with it held, so calls
    // through the instance are serialised whichever Python thread makes them.
    if let Some(neuron) = unsafe { Neuron::get_serialized() } {
        return Ok(neuron);
    }
    prepare(py)?;
    let neuron_module = py.import("neuron")?;
    let package: PathBuf = neuron_module.getattr("__file__")?.extract()?;
    let library_dir = package
        .parent()
        .map(|dir| dir.join(".data").join("lib"))
        .unwrap_or_default();
    let version = py.version_info();
    let python_library = library_dir.join(format!(
        "libnrnpython{}.{}.so",
        version.major, version.minor
    ));
    Ok(Neuron::attach(
        &library_dir.join("libnrniv.so"),
        Some(&python_library),
    )?)
}
