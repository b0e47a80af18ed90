//! One live wrapper per NEURON object: wrapping the same NEURON object twice gives the
//! same Python object, as long as the user holds it.

use std::sync::{LazyLock, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple};
use rustc_hash::FxHashMap;

use super::base::PythonHocObject;
use super::classes::{class_for, wrapper_class};
use super::netcon::NetCon;
use super::point_process::{NetStim, PointProcess};
use super::segment::Segment;
use crate::neuron::capture::neuron_call;
use crate::neuron::types::has_type;
use crate::neuron::types::{neuron_kind, NeuronKind};

/// Live wrappers by the hash of their NEURON object (NEURON hashes objects and sections by
/// address), as the addresses of the wrappers. Entries hold no reference: a wrapper takes
/// its entry out when it is cleared or freed.
fn registry() -> std::sync::MutexGuard<'static, FxHashMap<isize, usize>> {
    static REGISTRY: LazyLock<Mutex<FxHashMap<isize, usize>>> = LazyLock::new(Default::default);
    REGISTRY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Called by a wrapper that is being cleared or freed.
pub fn forget(key: isize) {
    registry().remove(&key);
}

/// The Patch wrapper of `object`: the existing one if the user holds one, else a new
/// one. Values that are not NEURON objects come back unchanged.
pub fn wrap<'py>(object: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if object.is_instance_of::<PythonHocObject>() {
        return Ok(object);
    }
    match neuron_kind(&object)? {
        NeuronKind::Section | NeuronKind::Instance => wrap_registered(object),
        NeuronKind::Segment => Segment::wrap(object),
        NeuronKind::Callable | NeuronKind::Pointer | NeuronKind::Other => Ok(object),
    }
}

/// The Patch wrapper of the NEURON object of `handle`, of class `class_name`: the live
/// one, or a new one.
pub fn wrap_handle<'py>(
    py: Python<'py>,
    handle: &nrn::ObjectHandle,
    class_name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    // A HOC object's hash, the registry key, is its address.
    match lookup(py, handle.as_ptr() as isize)? {
        Some(existing) => Ok(existing),
        None => wrap_new_handle(py, handle.clone(), class_name),
    }
}

fn wrap_registered<'py>(object: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    let key = object.hash()?;
    if let Some(existing) = lookup(py, key)? {
        return Ok(existing);
    }
    let class = wrapper_class(&object)?;
    let wrapper = class.call1((object,))?;
    remember(py, key, &wrapper)?;
    Ok(wrapper)
}

/// Wraps an instance of the NEURON class `class_name` that Patch just made, without
/// asking NEURON what it is.
pub fn wrap_new<'py>(object: Bound<'py, PyAny>, class_name: &str) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    let key = object.hash()?;
    let wrapper = class_for(py, class_name)?.call1((object,))?;
    remember(py, key, &wrapper)?;
    Ok(wrapper)
}

/// The live Patch wrapper of the NEURON object `object`, if there is one (none is made).
pub fn existing<'py>(object: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    match neuron_kind(object)? {
        NeuronKind::Section | NeuronKind::Instance => lookup(object.py(), object.hash()?),
        _ => Ok(None),
    }
}

fn lookup(py: Python<'_>, key: isize) -> PyResult<Option<Bound<'_, PyAny>>> {
    let Some(address) = registry().get(&key).copied() else {
        return Ok(None);
    };
    let pointer = address as *mut pyo3::ffi::PyObject;
    // An entry outlives its wrapper only while the wrapper is being freed.
    // SAFETY: registered addresses are of live wrappers: an entry is removed in the wrapper's
    // dealloc, so a registered object has not been freed (its count may be 0 while it is being
    // freed).
    if unsafe { pyo3::ffi::Py_REFCNT(pointer) } <= 0 {
        return Ok(None);
    }
    // SAFETY: the object is live (above) and the GIL is held (`py`); a new reference is taken.
    let wrapper = unsafe { Bound::from_borrowed_ptr(py, pointer) };
    // The wrapper may have been cleared since it registered.
    let same = match wrapper.cast::<PythonHocObject>() {
        Ok(cast) => cast.borrow().wraps(py, key)?,
        Err(_) => false,
    };
    Ok(same.then_some(wrapper))
}

/// Wraps a NEURON object of class `class_name` that Patch just made, keeping NEURON's
/// Object rather than making a Python object for it where the wrapper is Patch's own.
fn wrap_new_handle<'py>(
    py: Python<'py>,
    handle: nrn::ObjectHandle,
    class_name: &str,
) -> PyResult<Bound<'py, PyAny>> {
    // A HOC object's hash, the registry key, is its address.
    let key = handle.as_ptr() as isize;
    let class = class_for(py, class_name)?;
    let wrapper = if class.is(py.get_type::<PointProcess>()) {
        Bound::new(py, PointProcess::of_handle(handle))?.into_any()
    } else if class.is(py.get_type::<NetStim>()) {
        Bound::new(py, NetStim::of_handle(handle))?.into_any()
    } else if class.is(py.get_type::<NetCon>()) {
        Bound::new(py, NetCon::of_handle(handle))?.into_any()
    } else {
        class.call1((crate::neuron::handles::python_object(py, &handle)?,))?
    };
    remember(py, key, &wrapper)?;
    Ok(wrapper)
}

/// Registers a wrapper made by Patch, so the same NEURON object gives it back.
pub fn remember(py: Python<'_>, key: isize, wrapper: &Bound<'_, PyAny>) -> PyResult<()> {
    let _ = py;
    if let Ok(cast) = wrapper.cast::<PythonHocObject>() {
        cast.borrow_mut().set_registry_key(key);
        registry().insert(key, wrapper.as_ptr() as usize);
    }
    Ok(())
}

/// `obj.__neuron__()` for anything that has it (Patch wrappers and user classes alike).
pub fn unwrap<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    if let Ok(wrapper) = object.cast::<PythonHocObject>() {
        return wrapper.borrow().neuron_object(py);
    }
    // Numbers, strings and None are the usual arguments: nothing to ask them.
    if object.is_none()
        || object.is_instance_of::<pyo3::types::PyFloat>()
        || object.is_instance_of::<pyo3::types::PyInt>()
        || object.is_instance_of::<pyo3::types::PyString>()
    {
        return Ok(object.clone());
    }
    // NEURON's own objects are what they are (and asking them costs a symbol search).
    let types = crate::neuron::types::neuron_types(py)?;
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
        .map_err(|error| crate::neuron::errors::typed_neuron_error(py, error, callable))?;
    wrap_result(result)
}

/// Like [`wrap`], and lists (`wholetree()`, `children()`) item by item.
pub fn wrap_result(result: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
    match result.cast::<PyList>() {
        Ok(list) => {
            let wrapped = list.iter().map(wrap).collect::<PyResult<Vec<_>>>()?;
            Ok(PyList::new(result.py(), wrapped)?.into_any())
        }
        Err(_) => wrap(result),
    }
}
