use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::registry::call_unwrapped;

/// A NEURON function or method as Patch hands it out: Patch objects passed to it are
/// unwrapped, and NEURON objects it returns come back as Patch objects.
#[pyclass(module = "patch.objects", name = "HocCallable")]
pub struct HocCallable {
    function: Option<Py<PyAny>>,
}

impl HocCallable {
    pub fn new(function: Bound<'_, PyAny>) -> HocCallable {
        HocCallable {
            function: Some(function.unbind()),
        }
    }

    fn function<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.function
            .as_ref()
            .map(|function| function.bind(py).clone())
            .ok_or_else(|| pyo3::exceptions::PyReferenceError::new_err("the function was cleared"))
    }
}

#[pymethods]
impl HocCallable {
    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call_unwrapped(&self.function(args.py())?, args, kwargs)
    }

    /// The NEURON function itself.
    fn __neuron__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.function(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("<patch wrapper of {}>", self.function(py)?.repr()?))
    }

    fn __getattr__<'py>(&self, py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
        self.function(py)?.getattr(name)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.function)
    }

    fn __clear__(&mut self) {
        self.function = None;
    }
}
