//! Which Patch class wraps which NEURON object.

use std::collections::HashSet;

use rustc_hash::FxHashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyType;

use super::base::PythonHocObject;
use super::netcon::NetCon;
use super::neuron_types::{neuron_kind, neuron_types, NeuronKind};
use super::point_process::{IClamp, PointProcess, SEClamp};
use super::section::Section;
use super::section_ref::SectionRef;
use super::vecstim::VecStim;
use super::vector::Vector;

/// Wrapper classes by NEURON class name, decided once per name.
static CLASSES: Mutex<Option<FxHashMap<String, Py<PyType>>>> = Mutex::new(None);

pub fn wrapper_class<'py>(object: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyType>> {
    let py = object.py();
    if neuron_kind(object)? == NeuronKind::Section {
        return Ok(py.get_type::<Section>());
    }
    class_for(py, &class_name(object)?)
}

/// The Patch class that wraps instances of the NEURON class `name`.
pub fn class_for<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    let mut classes = CLASSES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let classes = classes.get_or_insert_with(FxHashMap::default);
    if let Some(class) = classes.get(name) {
        return Ok(class.bind(py).clone());
    }
    let class = match name {
        "Vector" => py.get_type::<Vector>(),
        "NetCon" => py.get_type::<NetCon>(),
        "VecStim" => py.get_type::<VecStim>(),
        "SectionRef" => py.get_type::<SectionRef>(),
        "IClamp" => py.get_type::<IClamp>(),
        "SEClamp" => py.get_type::<SEClamp>(),
        _ if is_point_process_name(py, name)? => py.get_type::<PointProcess>(),
        _ => py.get_type::<PythonHocObject>(),
    };
    classes.insert(name.to_string(), class.clone().unbind());
    Ok(class)
}

/// The HOC class of an instance: `Vector` for `Vector[3]`.
pub fn class_name(object: &Bound<'_, PyAny>) -> PyResult<String> {
    let type_name = object.get_type().name()?.to_string();
    if type_name != "HocObject" {
        return Ok(type_name);
    }
    let name: String = object
        .call_method0(pyo3::intern!(object.py(), "hname"))?
        .extract()?;
    Ok(name.split('[').next().unwrap_or_default().to_string())
}

/// Names known to be point processes, and names of NEURON's known not to be.
static POINT_PROCESSES: Mutex<Option<(HashSet<String>, HashSet<String>)>> = Mutex::new(None);

/// Whether `name` is a point process or artificial cell. NEURON is asked again for each
/// new name, so mechanisms loaded later are found.
pub fn is_point_process_name(py: Python<'_>, name: &str) -> PyResult<bool> {
    let mut cache = POINT_PROCESSES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let (known, not) = cache.get_or_insert_with(Default::default);
    if known.contains(name) {
        return Ok(true);
    }
    if not.contains(name) {
        return Ok(false);
    }
    *known = point_process_names(py)?;
    if known.contains(name) {
        return Ok(true);
    }
    if neuron_types(py)?.h.bind(py).hasattr(name)? {
        not.insert(name.to_string());
    }
    Ok(false)
}

/// Every point process and artificial cell NEURON knows now.
fn point_process_names(py: Python<'_>) -> PyResult<HashSet<String>> {
    let h = neuron_types(py)?.h.bind(py);
    let mechanisms = h.call_method1("MechanismType", (1,))?;
    let name = h.call_method1("ref", ("",))?;
    let count: f64 = mechanisms.call_method0("count")?.extract()?;
    let mut names = HashSet::new();
    for index in 0..count as usize {
        mechanisms.call_method1("select", (index,))?;
        mechanisms.call_method1("selected", (&name,))?;
        names.insert(name.get_item(0)?.extract()?);
    }
    Ok(names)
}
