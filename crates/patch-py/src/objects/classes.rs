//! Which Patch class wraps which NEURON object.

use std::collections::HashSet;

use rustc_hash::FxHashMap;
use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::PyType;

use super::base::PythonHocObject;
use super::netcon::NetCon;
use super::point_process::{IClamp, NetStim, PointProcess, SEClamp};
use super::section::Section;
use super::section_ref::SectionRef;
use super::vecstim::VecStim;
use super::vector::Vector;
use crate::neuron::types::{neuron_kind, neuron_types, NeuronKind};

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
    let known = locked(&CLASSES)
        .get_or_insert_with(FxHashMap::default)
        .get(name)
        .map(|class| class.bind(py).clone());
    if let Some(class) = known {
        return Ok(class);
    }
    // Decided without the lock: asking NEURON may run Python code that wraps objects.
    let class = match name {
        "Vector" => py.get_type::<Vector>(),
        "NetCon" => py.get_type::<NetCon>(),
        "NetStim" => py.get_type::<NetStim>(),
        "VecStim" => py.get_type::<VecStim>(),
        "SectionRef" => py.get_type::<SectionRef>(),
        "IClamp" => py.get_type::<IClamp>(),
        "SEClamp" => py.get_type::<SEClamp>(),
        _ if is_point_process_name(py, name)? => py.get_type::<PointProcess>(),
        _ => py.get_type::<PythonHocObject>(),
    };
    locked(&CLASSES)
        .get_or_insert_with(FxHashMap::default)
        .insert(name.to_string(), class.clone().unbind());
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

/// Point process and artificial cell names NEURON knows (with whether each is an
/// artificial cell), and names of NEURON's known not to be one.
#[derive(Default)]
struct PointProcessNames {
    known: FxHashMap<String, bool>,
    not: HashSet<String>,
}

static POINT_PROCESSES: Mutex<Option<PointProcessNames>> = Mutex::new(None);

/// Whether `name` is a point process or artificial cell. NEURON is asked again for each
/// new name, so mechanisms loaded later are found.
pub fn is_point_process_name(py: Python<'_>, name: &str) -> PyResult<bool> {
    Ok(point_process_kind(py, name)?.is_some())
}

/// Whether `name` is a point process that sits in a section (not an artificial cell):
/// nrn-patch's meaning of `is_point_process`.
pub fn is_located_point_process_name(py: Python<'_>, name: &str) -> PyResult<bool> {
    Ok(point_process_kind(py, name)? == Some(false))
}

/// `Some(artificial)` for point processes and artificial cells, `None` for other names.
fn point_process_kind(py: Python<'_>, name: &str) -> PyResult<Option<bool>> {
    {
        let mut cache = locked(&POINT_PROCESSES);
        let names = cache.get_or_insert_with(Default::default);
        if let Some(artificial) = names.known.get(name) {
            return Ok(Some(*artificial));
        }
        if names.not.contains(name) {
            return Ok(None);
        }
    }
    // NEURON is asked without the lock held (it may call back into Patch).
    let table = point_process_table(py)?;
    let kind = table.get(name).copied();
    // NEURON's names (`v`, `L`) are settled; an unknown name may be loaded later.
    let settled = kind.is_none() && neuron_types(py)?.h.bind(py).hasattr(name).unwrap_or(true);
    let mut cache = locked(&POINT_PROCESSES);
    let names = cache.get_or_insert_with(Default::default);
    names.known = table;
    if settled {
        names.not.insert(name.to_string());
    }
    Ok(kind)
}

/// Every point process and artificial cell NEURON knows now, and whether it is an
/// artificial cell.
fn point_process_table(py: Python<'_>) -> PyResult<FxHashMap<String, bool>> {
    let h = neuron_types(py)?.h.bind(py);
    let mechanisms = h.call_method1("MechanismType", (1,))?;
    let name = h.call_method1("ref", ("",))?;
    let count: f64 = mechanisms.call_method0("count")?.extract()?;
    let mut table = FxHashMap::default();
    for index in 0..count as usize {
        mechanisms.call_method1("select", (index,))?;
        mechanisms.call_method1("selected", (&name,))?;
        let artificial: f64 = mechanisms
            .call_method1("is_artificial", (index,))?
            .extract()?;
        table.insert(name.get_item(0)?.extract()?, artificial != 0.0);
    }
    Ok(table)
}

/// A cache's contents; a panic elsewhere leaves them usable.
fn locked<T>(cache: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
