//! One live wrapper per NEURON object: wrapping the same NEURON object twice gives the
//! same Python object, as long as the user holds it.

use std::sync::{LazyLock, Mutex};

use pyo3::prelude::*;
use pyo3::types::PyList;
use rustc_hash::FxHashMap;

use super::base::PythonHocObject;
use super::classes::{class_for, wrapper_class};
use super::netcon::NetCon;
use super::point_process::{NetStim, PointProcess};
use super::segment::Segment;
use crate::neuron::handles::python_object;
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
pub fn wrap(object: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
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

fn wrap_registered(object: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
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
        class.call1((python_object(py, &handle)?,))?
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
