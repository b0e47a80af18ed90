//! The Vector class: NEURON's Vector that records anything Patch can point at.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use super::base::PythonHocObject;
use super::registry::{unwrap, unwrap_args, unwrap_kwargs};
use crate::neuron::errors::record_error;
use crate::neuron::exceptions::HocRecordError;
use crate::neuron::types::has_type;

/// A NEURON Vector that records whatever Patch can point at.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct Vector {}

/// What recording `target` means: its `__record__` pointer (a section or segment records
/// `v`, a point process its current), else the target itself.
pub fn record_pointer<'py>(target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    neuron_pointer(target)
        .map_err(|error| crate::neuron::errors::typed_neuron_error(target.py(), error, target))
}

fn neuron_pointer<'py>(target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // Pointers, the usual target, point already (no `__record__` looked for in vain).
    if target.is_instance_of::<super::pointer::Pointer>()
        || crate::neuron::types::neuron_kind(target)? == crate::neuron::types::NeuronKind::Pointer
    {
        return unwrap(target);
    }
    match target.getattr_opt(pyo3::intern!(target.py(), "__record__"))? {
        Some(record) => record.call0(),
        None => {
            let target = unwrap(target)?;
            let py = target.py();
            let types = crate::neuron::types::neuron_types(py)?;
            if has_type(&target, types.section.bind(py)) {
                return target.call1((0.5,))?.getattr("_ref_v");
            }
            if has_type(&target, types.segment.bind(py)) {
                return target.getattr("_ref_v");
            }
            Ok(target)
        }
    }
}

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
        crate::neuron::capture::neuron_call_as::<HocRecordError, _>(py, || {
            neuron.call_method(pyo3::intern!(py, "record"), call_args, kwargs.as_ref())
        })
        .map_err(|error| record_error(py, target, error))?;
        crate::neuron::run_state::recording_made();
        slf.borrow_mut().as_super().keep(target);
        Ok(slf.clone())
    }
}
