//! HocCallable: NEURON functions and methods as Patch hands them out.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::neuron::guards::{self, Guard};
use crate::objects::protocol::call_unwrapped;

// A NEURON function or method as Patch hands it out: Patch objects passed to it are
// unwrapped, and NEURON objects it returns come back as Patch objects. (No doc comment:
// the class's docstring would hide NEURON's, which `__doc__` below hands out.)
#[pyclass(module = "patch.objects", name = "HocCallable")]
pub struct HocCallable {
    function: Option<Py<PyAny>>,
    /// What Patch checks or does before NEURON runs it.
    guard: Guard,
}

impl HocCallable {
    pub fn new(function: Bound<'_, PyAny>, guard: Guard) -> HocCallable {
        HocCallable {
            function: Some(function.unbind()),
            guard,
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
        guards::before(args.py(), self.guard, args, kwargs)?;
        call_unwrapped(&self.function(args.py())?, args, kwargs)
    }

    /// The NEURON function itself.
    fn __neuron__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.function(py)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!("<patch wrapper of {}>", self.function(py)?.repr()?))
    }

    /// NEURON's documentation of the function, class or method.
    #[getter]
    fn __doc__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.function(py)?.getattr(pyo3::intern!(py, "__doc__"))
    }

    /// Equal when they wrap equal NEURON callables (`section.cell == section.cell`, as
    /// NEURON's bound methods are).
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> PyResult<bool> {
        let py = other.py();
        match other.cast::<HocCallable>() {
            Ok(other) => self.function(py)?.eq(other.borrow().function(py)?),
            Err(_) => self.function(py)?.eq(other),
        }
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        self.function(py)?.hash()
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
