//! One live wrapper per NEURON object: wrapping the same NEURON object twice gives the
//! same Python object, as long as the user holds it.

use std::collections::HashMap;
use std::sync::{LazyLock, Mutex};

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyWeakrefReference};

use super::base::PythonHocObject;
use super::classes::{class_for, wrapper_class};
use super::neuron_types::has_type;
use super::neuron_types::{neuron_kind, NeuronKind};
use super::segment::Segment;
use crate::capture::neuron_call;

/// Live wrappers by the hash of their NEURON object (NEURON hashes objects and sections by
/// address). Entries are weak: the registry never keeps anything alive.
struct Registry {
    wrappers: HashMap<isize, Py<PyWeakrefReference>>,
    purge_at: usize,
}

fn registry() -> &'static Mutex<Registry> {
    static REGISTRY: LazyLock<Mutex<Registry>> = LazyLock::new(|| {
        Mutex::new(Registry {
            wrappers: HashMap::new(),
            purge_at: 1024,
        })
    });
    &REGISTRY
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

/// The live wrapper of `object`, if there is one.
pub fn lookup_existing<'py>(object: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    lookup(object.py(), object.hash()?, object)
}

fn wrap_registered<'py>(object: Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    let key = object.hash()?;
    if let Some(existing) = lookup(py, key, &object)? {
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

fn lookup<'py>(
    py: Python<'py>,
    key: isize,
    object: &Bound<'py, PyAny>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let weak = {
        let registry = registry()
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match registry.wrappers.get(&key) {
            Some(weak) => weak.clone_ref(py),
            None => return Ok(None),
        }
    };
    let Some(wrapper) = weak.bind(py).upgrade() else {
        return Ok(None);
    };
    // Equal hashes are equal addresses; compare anyway, a freed address can be reused.
    let same = wrapper
        .cast::<PythonHocObject>()
        .ok()
        .and_then(|wrapper| wrapper.borrow().neuron_object(py).ok())
        .map(|wrapped| wrapped.eq(object))
        .transpose()?
        .unwrap_or(false);
    Ok(same.then_some(wrapper))
}

/// Registers a wrapper made by a factory of Patch's (not through [`wrap`]).
pub fn remember(py: Python<'_>, key: isize, wrapper: &Bound<'_, PyAny>) -> PyResult<()> {
    let weak = PyWeakrefReference::new(wrapper)?.unbind();
    let mut registry = registry()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    registry.wrappers.insert(key, weak);
    if registry.wrappers.len() >= registry.purge_at {
        registry
            .wrappers
            .retain(|_, weak| weak.bind(py).upgrade().is_some());
        registry.purge_at = (registry.wrappers.len() * 2).max(1024);
    }
    Ok(())
}

/// `obj.__neuron__()` for anything that has it (Patch wrappers and user classes alike).
pub fn unwrap<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    let py = object.py();
    if let Ok(wrapper) = object.cast::<PythonHocObject>() {
        return wrapper.borrow().neuron_object(py);
    }
    // NEURON's own objects are what they are (and asking them costs a symbol search).
    let types = super::neuron_types::neuron_types(py)?;
    if has_type(&object, types.hoc_object.bind(py))
        || has_type(&object, types.section.bind(py))
        || has_type(&object, types.segment.bind(py))
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
        .map(|arg| unwrap(&arg))
        .collect::<PyResult<Vec<_>>>()?;
    PyTuple::new(args.py(), unwrapped)
}

pub fn unwrap_kwargs<'py>(
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Option<Bound<'py, PyDict>>> {
    let Some(kwargs) = kwargs else {
        return Ok(None);
    };
    let unwrapped = PyDict::new(kwargs.py());
    for (key, value) in kwargs {
        unwrapped.set_item(key, unwrap(&value)?)?;
    }
    Ok(Some(unwrapped))
}

/// Calls a NEURON callable with Patch objects unwrapped and wraps what it returns.
pub fn call_unwrapped<'py>(
    callable: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let (args, kwargs) = (unwrap_args(args)?, unwrap_kwargs(kwargs)?);
    let result = neuron_call(callable.py(), || callable.call(args, kwargs.as_ref()))?;
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
