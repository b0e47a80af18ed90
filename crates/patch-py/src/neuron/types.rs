//! NEURON's Python types, looked up once.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

pub struct NeuronTypes {
    pub hoc_object: Py<PyType>,
    /// The metaclass of NEURON's per-class types (`hoc.Vector`, ...).
    pub hoc_class: Py<PyType>,
    pub section: Py<PyType>,
    pub segment: Py<PyType>,
    pub h: Py<PyAny>,
}

pub fn neuron_types(py: Python<'_>) -> PyResult<&NeuronTypes> {
    static TYPES: PyOnceLock<NeuronTypes> = PyOnceLock::new();
    TYPES.get_or_try_init(py, || {
        let nrn = py.import("nrn")?;
        let hoc = py.import("hoc")?;
        Ok(NeuronTypes {
            hoc_object: hoc.getattr("HocObject")?.cast_into::<PyType>()?.unbind(),
            hoc_class: hoc.getattr("HocClass")?.cast_into::<PyType>()?.unbind(),
            section: nrn.getattr("Section")?.cast_into::<PyType>()?.unbind(),
            segment: nrn.getattr("Segment")?.cast_into::<PyType>()?.unbind(),
            h: py.import("neuron")?.getattr("h")?.unbind(),
        })
    })
}

/// What kind of NEURON value a Python object is.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum NeuronKind {
    Section,
    Segment,
    /// An instance of a HOC class: Vector, IClamp, NetCon, ...
    Instance,
    /// A HOC function, method or class: calling it runs NEURON.
    Callable,
    /// A pointer (`_ref_v`) or any other HOC value that is not an object.
    Pointer,
    /// Not a NEURON object at all.
    Other,
}

pub fn neuron_kind(object: &Bound<'_, PyAny>) -> PyResult<NeuronKind> {
    let types = neuron_types(object.py())?;
    let py = object.py();
    if has_type(object, types.section.bind(py)) {
        return Ok(NeuronKind::Section);
    }
    if has_type(object, types.segment.bind(py)) {
        return Ok(NeuronKind::Segment);
    }
    if has_type(object, types.hoc_class.bind(py)) {
        return Ok(NeuronKind::Callable);
    }
    if !has_type(object, types.hoc_object.bind(py)) {
        return Ok(NeuronKind::Other);
    }
    // NEURON's per-class types (hoc.Vector, hoc.NetCon, ...) are only used for instances;
    // plain HocObjects can be anything.
    if !object.get_type().is(types.hoc_object.bind(py)) {
        return Ok(NeuronKind::Instance);
    }
    // HocObject covers instances, functions, classes and pointers alike; NEURON names
    // functions and classes `name()` and instances `Class[index]`.
    let name = object.repr()?;
    let name = name.to_cow()?;
    Ok(if name.ends_with("()") {
        NeuronKind::Callable
    } else if is_instance_name(&name) {
        NeuronKind::Instance
    } else {
        NeuronKind::Pointer
    })
}

/// `Vector[12]`, but not `SectionRef[0].child[?]` (an array of a HOC object).
fn is_instance_name(name: &str) -> bool {
    let Some((class, index)) = name.strip_suffix(']').and_then(|name| name.split_once('[')) else {
        return false;
    };
    !class.is_empty()
        && class.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
        && !index.is_empty()
        && index.chars().all(|c| c.is_ascii_digit())
}

/// `h.<name>`, looked up once: HOC classes and functions do not change.
pub fn hoc_attribute<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyAny>> {
    static CACHE: PyOnceLock<Py<pyo3::types::PyDict>> = PyOnceLock::new();
    let cache = CACHE
        .get_or_init(py, || pyo3::types::PyDict::new(py).unbind())
        .bind(py);
    if let Some(found) = cache.get_item(name)? {
        return Ok(found);
    }
    let found = neuron_types(py)?.h.bind(py).getattr(name)?;
    cache.set_item(name, &found)?;
    Ok(found)
}

/// Whether `object`'s type is `class` or a subclass. Unlike `isinstance`, never asks the
/// object for `__class__`: for NEURON objects that is a search of NEURON's symbol tables.
pub fn has_type(object: &Bound<'_, PyAny>, class: &Bound<'_, PyType>) -> bool {
    object.get_type().is_subclass(class).unwrap_or(false)
}
