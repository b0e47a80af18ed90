use std::path::PathBuf;

use nrn::Neuron;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::errors::PatchResult;

/// Joins the NEURON that `import neuron` loads, so Patch and `neuron.h` share one model.
pub fn attach(py: Python<'_>) -> PatchResult<&'static Neuron> {
    // SAFETY: the GIL is held (`py`), and Patch calls NEURON only with it held, so calls
    // through the instance are serialised whichever Python thread makes them.
    if let Some(neuron) = unsafe { Neuron::get_serialized() } {
        return Ok(neuron);
    }
    crate::parallel::prepare(py)?;
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
/// and the mechanism cache.
#[pyfunction]
pub fn diagnostics(py: Python<'_>) -> PatchResult<Bound<'_, PyDict>> {
    let report = neuron_features(py)?;
    report.set_item("patch", env!("CARGO_PKG_VERSION"))?;
    report.set_item("neuron", py.import("neuron")?.getattr("__version__")?)?;
    report.set_item(
        "python",
        py.import("sys")?.getattr("version")?.str()?.to_string(),
    )?;
    report.set_item("mpi_launcher_ranks", crate::parallel::launcher_size())?;
    let ranks = match crate::parallel::existing_context(py) {
        Some(context) => Some(context.call_method0("nhost")?.extract::<usize>()?),
        None => None,
    };
    report.set_item("mpi_ranks", ranks)?;
    report.set_item("mechanism_cache", nrn::mechanisms::default_cache_root())?;
    report.set_item("mechanism_libraries", crate::mechanisms::loaded_libraries())?;
    Ok(report)
}
