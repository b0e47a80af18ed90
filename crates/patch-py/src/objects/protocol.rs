//! What Patch objects are to NEURON: the NEURON object or section behind a Patch object
//! or a raw NEURON one, and which kind of NEURON value something is.

use nrn::{ObjectHandle, SectionHandle};
use pyo3::prelude::*;

use crate::neuron::errors::PatchResult;
use crate::neuron::handles;
use crate::neuron::types::{has_type, neuron_types};
use crate::objects::base::PythonHocObject;
use crate::objects::pointer::Pointer;
use crate::objects::registry::unwrap;

/// The NEURON object behind a Patch object or a HocObject instance.
pub fn object_handle(object: &Bound<'_, PyAny>) -> PatchResult<ObjectHandle> {
    if let Ok(wrapper) = object.cast::<PythonHocObject>() {
        if let Some(handle) = wrapper.borrow().neuron_handle() {
            return Ok(handle);
        }
    }
    handles::object_handle(&unwrap(object)?)
}

/// The NEURON section behind a Patch section or an `nrn.Section`.
pub fn section_handle(section: &Bound<'_, PyAny>) -> PatchResult<SectionHandle> {
    handles::section_handle(&unwrap(section)?)
}

/// Whether `object` is a pointer to a NEURON number, such as `seg._ref_v`.
pub fn is_nrn_scalar(object: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = object.py();
    // Patch's objects: only its pointers are (asked without unwrapping, which would make
    // NEURON's Python object of a point process held without one).
    if object.is_instance_of::<PythonHocObject>() {
        return Ok(object.is_instance_of::<Pointer>());
    }
    if !has_type(object, neuron_types(py)?.hoc_object.bind(py)) {
        return Ok(false);
    }
    let text = object.str()?.to_string();
    Ok(text.starts_with("data_handle<") || text.contains("pointer to hoc scalar"))
}
