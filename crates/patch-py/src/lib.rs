//! `patch._patch`: the Python face of Patch. NEURON is global, single-threaded state, so
//! the module keeps the GIL (`gil_used = true`) and never releases it around NEURON calls.

mod attach;
mod capture;
mod errors;
mod interpreter;
mod suggest;

use pyo3::prelude::*;

#[pymodule(gil_used = true)]
fn _patch(module: &Bound<'_, PyModule>) -> PyResult<()> {
    attach::attach(module.py())?;
    module.add("__version__", env!("CARGO_PKG_VERSION"))?;
    module.add_class::<interpreter::PythonHocInterpreter>()?;
    module.add_function(wrap_pyfunction!(attach::neuron_features, module)?)?;
    Ok(())
}
