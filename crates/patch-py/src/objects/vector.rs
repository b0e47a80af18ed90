//! The Vector class: NEURON's Vector that records anything Patch can point at.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::base::PythonHocObject;
use crate::neuron::capture::neuron_call_as;
use crate::neuron::errors::record_error;
use crate::neuron::exceptions::HocRecordError;
use crate::neuron::run_state::recording_made;
use crate::objects::protocol::{record_pointer, unwrap, unwrap_args, unwrap_kwargs};

/// A NEURON Vector that records whatever Patch can point at.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct Vector {}

#[pymethods]
impl Vector {
    /// `<patch Vector of 3: [1, 2, 3]>`: the length and the values (the first few and
    /// the last of a long one).
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        super::display::vector_repr(&unwrap(slf.as_any())?)
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        super::display::vector_html(&unwrap(slf.as_any())?)
    }

    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Vector>> {
        Ok(
            PyClassInitializer::from(PythonHocObject::new(unwrap(&neuron)?))
                .add_subclass(Vector {}),
        )
    }

    /// Records `target` (a section, segment, point process or `_ref_` pointer) and returns
    /// the Vector; the Vector keeps the target alive. NEURON's further arguments (a time
    /// step or Vector of times, `sec=`) pass through.
    #[pyo3(signature = (target, *args, **kwargs))]
    fn record<'py>(
        slf: &Bound<'py, Self>,
        target: &Bound<'py, PyAny>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, Self>> {
        let py = slf.py();
        let pointer = record_pointer(target)?;
        let mut call_args = vec![pointer];
        call_args.extend(unwrap_args(args)?.iter());
        let neuron = slf.borrow().as_super().neuron_object(py)?;
        let kwargs = unwrap_kwargs(kwargs)?;
        let call_args = PyTuple::new(py, call_args)?;
        neuron_call_as::<HocRecordError, _>(py, || {
            neuron.call_method(pyo3::intern!(py, "record"), call_args, kwargs.as_ref())
        })
        .map_err(|error| record_error(py, target, error))?;
        recording_made();
        slf.borrow_mut().as_super().keep(target);
        Ok(slf.clone())
    }
}
