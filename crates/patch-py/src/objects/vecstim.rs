//! The VecStim class: an artificial cell that fires at the times in a Vector.

use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use super::point_process::PointProcess;
use super::registry::wrap;
use crate::neuron::capture::neuron_call;
use crate::neuron::mechanisms::ensure_patch_mechanisms;
use crate::neuron::types::neuron_types;
use crate::objects::protocol::unwrap;

/// An artificial cell that fires at the times in a Vector (`pattern`, in ms).
#[pyclass(module = "patch.objects", extends = PointProcess, subclass)]
pub struct VecStim {
    vector: Option<Py<PyAny>>,
}

/// A new VecStim, firing at `pattern` if given.
pub fn new_vecstim<'py>(
    py: Python<'py>,
    pattern: Option<&Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyAny>> {
    ensure_patch_mechanisms(py)?;
    let h = neuron_types(py)?.h.bind(py);
    let stimulus = wrap(neuron_call(py, || h.call_method0("VecStim"))?)?;
    if let Some(pattern) = pattern {
        stimulus.setattr("pattern", pattern)?;
    }
    Ok(stimulus)
}

#[pymethods]
impl VecStim {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<VecStim>> {
        Ok(PointProcess::initializer(neuron)?.add_subclass(VecStim { vector: None }))
    }

    /// The spike times, as a list (ms).
    #[getter]
    fn pattern(&self, py: Python<'_>) -> PyResult<Vec<f64>> {
        match &self.vector {
            Some(vector) => unwrap(vector.bind(py))?
                .call_method0("to_python")?
                .extract(),
            None => Ok(Vec::new()),
        }
    }

    /// Fire at these times (ms) from the next initialisation on.
    #[setter]
    fn set_pattern(slf: &Bound<'_, Self>, pattern: &Bound<'_, PyAny>) -> PyResult<()> {
        let times: Vec<f64> = pattern.extract().map_err(|_| {
            pyo3::exceptions::PyTypeError::new_err("a pattern is a sequence of spike times (ms)")
        })?;
        let vector = neuron_types(slf.py())?
            .h
            .bind(slf.py())
            .call_method1("Vector", (times,))?;
        VecStim::set_vector(slf, &vector)
    }

    /// The Vector of spike times the cell plays.
    #[getter]
    fn vector<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.vector.as_ref().map(|vector| vector.bind(py).clone())
    }

    #[setter]
    fn set_vector(slf: &Bound<'_, Self>, vector: &Bound<'_, PyAny>) -> PyResult<()> {
        let py = slf.py();
        let vector = wrap(vector.clone())?;
        let neuron = unwrap(slf.as_any())?;
        let times = unwrap(&vector)?;
        let values: Vec<f64> = times
            .call_method0("to_python")
            .and_then(|values| values.extract())
            .map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err("a VecStim plays a Vector of spike times")
            })?;
        check_spike_times(&values)?;
        neuron_call(py, || neuron.call_method1("play", (times,)))?;
        slf.borrow_mut().vector = Some(vector.unbind());
        Ok(())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.vector)
    }

    fn __clear__(&mut self) {
        self.vector = None;
    }
}

/// Spike times a VecStim can play: finite, from 0 ms, in ascending order (a time it
/// cannot deliver would be skipped silently).
fn check_spike_times(times: &[f64]) -> PyResult<()> {
    let problem = if let Some(bad) = times.iter().find(|time| !time.is_finite() || **time < 0.0) {
        format!("spike times are finite numbers of ms from 0, got {bad}")
    } else if let Some(&[earlier, later]) = times.windows(2).find(|pair| pair[1] < pair[0]) {
        format!(
            "spike times must be in ascending order, got {later} after {earlier}: sort them first"
        )
    } else {
        return Ok(());
    };
    Err(pyo3::exceptions::PyValueError::new_err(problem))
}
