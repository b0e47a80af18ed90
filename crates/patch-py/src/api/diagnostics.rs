//! What Patch reports about itself (`python -m patch info`): the NEURON it is attached
//! to, the fast paths found there, MPI and the mechanism cache.

use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::api::engines::{coreneuron_status, usable_cores};
use crate::neuron::attach::attach;
use crate::neuron::errors::PatchResult;
use crate::neuron::launch::launcher_size;
use crate::neuron::mechanisms::loaded_libraries;
use crate::parallel::context::existing_context;

/// The NEURON Patch is attached to, and which optional fast paths it found there.
#[pyfunction]
pub fn neuron_features(py: Python<'_>) -> PatchResult<Bound<'_, PyDict>> {
    let neuron = attach(py)?;
    let conversions = neuron.conversions();
    let features = PyDict::new(py);
    features.set_item("library", neuron.path())?;
    features.set_item("neuron_release", neuron.version())?;
    features.set_item("restores_state_on_error", neuron.restores_state_on_error())?;
    features.set_item("object_to_python", conversions.object_to_python.is_some())?;
    features.set_item("python_to_object", conversions.python_to_object.is_some())?;
    features.set_item("section_to_python", conversions.section_to_python.is_some())?;
    Ok(features)
}

/// What `python -m patch info` reports: versions, the NEURON in use, the fast paths, MPI,
/// the mechanism cache and the engines.
#[pyfunction]
pub fn diagnostics(py: Python<'_>) -> PatchResult<Bound<'_, PyDict>> {
    let report = neuron_features(py)?;
    report.set_item("patch", env!("CARGO_PKG_VERSION"))?;
    report.set_item("neuron", py.import("neuron")?.getattr("__version__")?)?;
    report.set_item(
        "python",
        py.import("sys")?.getattr("version")?.str()?.to_string(),
    )?;
    report.set_item("mpi_launcher_ranks", launcher_size())?;
    let ranks = match existing_context(py) {
        Some(context) => Some(context.call_method0("nhost")?.extract::<usize>()?),
        None => None,
    };
    report.set_item("mpi_ranks", ranks)?;
    report.set_item("mechanism_cache", nrn::mechanisms::default_cache_root())?;
    report.set_item("mechanism_libraries", loaded_libraries())?;
    report.set_item("usable_cores", usable_cores(py)?)?;
    report.set_item("coreneuron", coreneuron_status(py)?)?;
    Ok(report)
}
