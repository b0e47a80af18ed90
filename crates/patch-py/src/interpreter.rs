use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyList, PyString};
use pyo3::{PyTraverseError, PyVisit};

use crate::attach::attach;
use crate::capture::capture_output;
use crate::errors::{PatchErr, PatchResult};
use crate::suggest::closest;

/// Patch's HOC interpreter `p`: everything `neuron.h` has, with stdrun loaded, Patch's
/// defaults, loud errors for typos, and (as later layers add them) wrapped objects.
#[pyclass(module = "patch.interpreter", subclass)]
pub struct PythonHocInterpreter {
    h: Option<Py<PyAny>>,
}

/// Patch's default temperature, as in nrn-patch (NEURON's own is 6.3 degC).
const DEFAULT_CELSIUS: f64 = 32.0;

#[pymethods]
impl PythonHocInterpreter {
    #[new]
    fn new(py: Python<'_>) -> PatchResult<PythonHocInterpreter> {
        let neuron = attach(py)?;
        let h = py.import("neuron")?.getattr("h")?.unbind();
        let (loaded, output) = capture_output(py, || neuron.load_file("stdrun.hoc"))?;
        loaded.map_err(|error| PatchErr::with_output(error, output))?;
        neuron.set_global("celsius", DEFAULT_CELSIUS)?;
        Ok(PythonHocInterpreter { h: Some(h) })
    }

    /// Runs HOC code; a HOC error raises `HocError` with NEURON's message, where
    /// `neuron.h(code)` would print it and return 0.
    fn __call__(&self, py: Python<'_>, code: &str) -> PatchResult<bool> {
        let neuron = attach(py)?;
        let (ran, output) = capture_output(py, || neuron.hoc(code))?;
        ran.map_err(|error| PatchErr::with_output(error, output))?;
        Ok(true)
    }

    /// Anything Patch does not define comes from `neuron.h`.
    fn __getattr__<'py>(
        &self,
        py: Python<'py>,
        name: &Bound<'py, PyString>,
    ) -> PatchResult<Bound<'py, PyAny>> {
        let h = self.h(py)?;
        h.getattr(name).map_err(|_| self.unknown(py, name).into())
    }

    /// Sets a NEURON variable. Names NEURON does not have are refused rather than stored,
    /// so a typo such as `p.celcius = 37` cannot go unnoticed.
    fn __setattr__(
        &self,
        py: Python<'_>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PatchResult<()> {
        let h = self.h(py)?;
        if h.hasattr(name)? {
            Ok(h.setattr(name, value)?)
        } else {
            Err(self.unknown(py, name).into())
        }
    }

    fn __delattr__(&self, name: &Bound<'_, PyString>) -> PyResult<()> {
        Err(PyAttributeError::new_err(format!(
            "NEURON's '{name}' cannot be deleted"
        )))
    }

    fn __dir__<'py>(slf: &Bound<'py, Self>) -> PatchResult<Bound<'py, PyList>> {
        let py = slf.py();
        let names = slf.borrow().h(py)?.dir()?;
        for own in slf.get_type().dir()? {
            if !names.contains(&own)? {
                names.append(own)?;
            }
        }
        names.sort()?;
        Ok(names)
    }

    fn __repr__(&self) -> &'static str {
        "<patch interpreter p: NEURON's h with Patch's sugar>"
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.h)
    }

    fn __clear__(&mut self) {
        self.h = None;
    }
}

impl PythonHocInterpreter {
    fn h<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.h
            .as_ref()
            .map(|h| h.bind(py).clone())
            .ok_or_else(|| PyAttributeError::new_err("the interpreter was cleared"))
    }

    fn unknown(&self, py: Python<'_>, name: &Bound<'_, PyString>) -> PyErr {
        let names: Vec<String> = self
            .h(py)
            .and_then(|h| h.dir())
            .and_then(|names| names.extract())
            .unwrap_or_default();
        let typo = name.to_string();
        let suggestions = closest(&typo, names.iter().map(String::as_str));
        let hint = match suggestions.as_slice() {
            [] => String::new(),
            names => format!(" Did you mean: {}?", names.join(", ")),
        };
        PyAttributeError::new_err(format!("NEURON has no '{typo}'.{hint}"))
    }
}
