//! The transform protocol: what Patch objects (and the user's own, through `__neuron__`,
//! `__record__`, `__netcon__` and `__arc__`) are to NEURON, the NEURON object or section
//! behind a Patch object or a raw NEURON one, and which kind of NEURON value something is.

use nrn::{ObjectHandle, SectionHandle};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyFloat, PyInt, PyList, PyString, PyTuple};

use crate::neuron::capture::neuron_call;
use crate::neuron::errors::{typed_neuron_error, PatchResult};
use crate::neuron::handles;
use crate::neuron::types::{has_type, neuron_kind, neuron_types, NeuronKind};
use crate::objects::base::PythonHocObject;
use crate::objects::classes::{class_name, is_point_process_name};
use crate::objects::pointer::Pointer;
use crate::objects::registry::{wrap, wrap_result};

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

/// `obj.__neuron__()` for anything that has it (Patch wrappers and user classes alike).
pub fn unwrap<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    if let Ok(wrapper) = object.cast::<PythonHocObject>() {
        return wrapper.borrow().neuron_object(py);
    }
    // Numbers, strings and None are the usual arguments: nothing to ask them.
    if object.is_none()
        || object.is_instance_of::<PyFloat>()
        || object.is_instance_of::<PyInt>()
        || object.is_instance_of::<PyString>()
    {
        return Ok(object.clone());
    }
    // NEURON's own objects are what they are (and asking them costs a symbol search).
    let types = neuron_types(py)?;
    if has_type(object, types.hoc_object.bind(py))
        || has_type(object, types.section.bind(py))
        || has_type(object, types.segment.bind(py))
    {
        return Ok(object.clone());
    }
    match object.getattr_opt(pyo3::intern!(py, "__neuron__"))? {
        Some(method) => method.call0(),
        None => Ok(object.clone()),
    }
}

pub fn unwrap_args<'py>(args: &Bound<'py, PyTuple>) -> PyResult<Bound<'py, PyTuple>> {
    let unwrapped = args
        .iter()
        .map(|arg| unwrap_argument(&arg))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(args.py(), unwrapped)
}

/// An argument for NEURON: unwrapped, and a list or tuple with Patch objects in it
/// (`SectionList([section])`) as one of NEURON objects. Lists of numbers are passed on
/// as they are, without a copy.
fn unwrap_argument<'py>(arg: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let items = if let Ok(list) = arg.cast::<PyList>() {
        list.as_sequence().clone()
    } else if let Ok(tuple) = arg.cast::<PyTuple>() {
        tuple.as_sequence().clone()
    } else {
        return unwrap(arg);
    };
    let holds_wrapper = items
        .try_iter()?
        .any(|item| item.is_ok_and(|item| item.is_instance_of::<PythonHocObject>()));
    if !holds_wrapper {
        return Ok(arg.clone());
    }
    let unwrapped = items
        .try_iter()?
        .map(|item| unwrap(&item?))
        .collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(arg.py(), unwrapped)?.into_any())
}

pub fn unwrap_kwargs<'py>(
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(kwargs) = kwargs else {
        return Ok(None);
    };
    let unwrapped = PyDict::new(kwargs.py());
    for (key, value) in kwargs {
        unwrapped.set_item(key, unwrap_argument(&value)?)?;
    }
    Ok(Some(unwrapped))
}

/// Calls a NEURON callable with Patch objects unwrapped and wraps what it returns; NEURON's
/// exceptions for objects that lost their section come back typed.
pub fn call_unwrapped<'py>(
    callable: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = callable.py();
    let (args, kwargs) = (unwrap_args(args)?, unwrap_kwargs(kwargs)?);
    let result = neuron_call(py, || callable.call(args, kwargs.as_ref()))
        .map_err(|error| typed_neuron_error(py, error, callable))?;
    wrap_result(result)
}

/// What recording `target` means: its `__record__` pointer (a section or segment records
/// `v`, a point process its current), else the target itself.
pub fn record_pointer<'py>(target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    neuron_pointer(target).map_err(|error| typed_neuron_error(target.py(), error, target))
}

fn neuron_pointer<'py>(target: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    // Pointers, the usual target, point already (no `__record__` looked for in vain).
    if target.is_instance_of::<Pointer>() || neuron_kind(target)? == NeuronKind::Pointer {
        return unwrap(target);
    }
    match target.getattr_opt(pyo3::intern!(target.py(), "__record__"))? {
        Some(record) => record.call0(),
        None => {
            let target = unwrap(target)?;
            let py = target.py();
            let types = neuron_types(py)?;
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

/// Whether `object` is (or wraps) a point process or artificial cell.
pub fn is_point_process_object(object: &Bound<'_, PyAny>) -> PyResult<bool> {
    let neuron = unwrap(object)?;
    Ok(neuron_kind(&neuron)? == NeuronKind::Instance
        && is_point_process_name(object.py(), &class_name(&neuron)?)?)
}

/// What a NetCon needs for `object`: `object.__netcon__()` (a section or segment gives its
/// membrane potential pointer), else the NEURON object behind it.
pub fn netcon_pointer<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let object = wrap(object.clone())?;
    match object.getattr_opt(pyo3::intern!(object.py(), "__netcon__"))? {
        Some(netcon) => netcon.call0(),
        None => unwrap(&object),
    }
}

/// The NEURON segment at `object.__arc__(*args, **kwargs)` if `object` has an arc (a
/// section gives its middle), else the NEURON object behind it.
pub fn arc_segment<'py>(
    object: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let object = wrap(object.clone())?;
    match object.getattr_opt(pyo3::intern!(object.py(), "__arc__"))? {
        Some(arc) => unwrap(&object.call1((arc.call(args, kwargs)?,))?),
        None => unwrap(&object),
    }
}
