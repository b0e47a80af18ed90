//! `patch._patch`: the Python face of Patch. NEURON is global, single-threaded state, so
//! the module keeps the GIL (`gil_used = true`) and never releases it around NEURON calls.
//!
//! Layers, each using only those above it here (ARCHITECTURE.md says what each owns;
//! `tests/test_layers.py` checks the arrows):
//!
//! 1. `neuron`: NEURON as the wrappers see it: attaching, errors and exceptions,
//!    NEURON's types and handles of raw NEURON objects, mechanisms, run state.
//! 2. `objects`: the wrapper classes, their registry and the transform protocol.
//! 3. `parallel`: the ParallelContext, GID wiring, collectives, ending a parallel run.
//! 4. `api`: the interpreter `p`, run control, the `patch.core` functions.
//! 5. this file: module initialisation only.

mod api;
mod neuron;
mod objects;
mod parallel;

use pyo3::prelude::*;

/// Patch serialises every call into NEURON (one global, single-threaded state) with the
/// GIL. Free-threaded Python turns the GIL back on for this module unless it is forced
/// off (`PYTHON_GIL=0`); then Patch's calls could race, so it does not load.
fn refuse_without_gil(py: Python<'_>) -> PyResult<()> {
    let Some(gil_enabled) = py.import("sys")?.getattr_opt("_is_gil_enabled")? else {
        return Ok(());
    };
    if gil_enabled.call0()?.is_truthy()? {
        return Ok(());
    }
    Err(pyo3::exceptions::PyImportError::new_err(
        "Patch needs the GIL (NEURON is single-threaded) but it is forced off: unset \
         PYTHON_GIL=0 (or run python with -X gil=1)",
    ))
}

#[pymodule(gil_used = true)]
fn _patch(module: &Bound<'_, PyModule>) -> PyResult<()> {
    refuse_without_gil(module.py())?;
    neuron::attach::attach(module.py())?;
    parallel::exit::check_ranks(module.py())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<api::interpreter::PythonHocInterpreter>()?;
    module.add_function(wrap_pyfunction!(api::diagnostics::neuron_features, module)?)?;
    module.add_function(wrap_pyfunction!(api::diagnostics::diagnostics, module)?)?;

    module.add_class::<objects::base::PythonHocObject>()?;
    module.add_class::<objects::callable::HocCallable>()?;
    module.add_class::<objects::section::Section>()?;
    module.add_class::<objects::segment::Segment>()?;
    module.add_class::<objects::segment::Mechanism>()?;
    module.add_class::<objects::section_ref::SectionRef>()?;
    module.add_class::<objects::section_stack::PushedSection>()?;
    module.add_class::<objects::point_process::PointProcess>()?;
    module.add_class::<objects::point_process::PointProcessFactory>()?;
    module.add_class::<objects::point_process::NetStim>()?;
    module.add_class::<objects::pointer::Pointer>()?;
    module.add_class::<objects::point_process::IClamp>()?;
    module.add_class::<objects::point_process::SEClamp>()?;
    module.add_class::<objects::vector::Vector>()?;
    module.add_class::<objects::netcon::NetCon>()?;
    module.add_class::<objects::vecstim::VecStim>()?;
    module.add_class::<objects::collection::Collection>()?;
    module.add_class::<objects::collection::CollectionIterator>()?;
    module.add_class::<objects::morphology::Morphology>()?;
    module.add_class::<objects::cell::Cell>()?;
    module.add_class::<objects::cell::Cells>()?;
    module.add_class::<parallel::context::ParallelContext>()?;
    module.add_function(wrap_pyfunction!(objects::base::_rewrap, module)?)?;

    module.add_function(wrap_pyfunction!(api::core::transform, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::transform_netcon, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::transform_record, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::transform_arc, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::is_section, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::is_segment, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::is_nrn_scalar, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::is_point_process, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::is_density_mechanism, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::assert_connectable, module)?)?;
    module.add_function(wrap_pyfunction!(api::core::connection, module)?)?;
    Ok(())
}
