//! The base class of every wrapper (PythonHocObject): attribute forwarding to NEURON,
//! user attributes with typo checks, arithmetic and comparison, the references it holds.

use rustc_hash::FxHashMap;

use pyo3::basic::CompareOp;
use pyo3::exceptions::PyAttributeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use super::callable::HocCallable;
use super::neuron_ref::NeuronRef;
use super::references::References;
use super::registry::{wrap, wrap_result};
use crate::neuron::attach::attach;
use crate::neuron::errors::typed_neuron_error;
use crate::neuron::errors::with_stray_error;
use crate::neuron::errors::PatchResult;
use crate::neuron::guards::of_method;
use crate::neuron::guards::Guard;
use crate::neuron::hints::mechanism_variable_names;
use crate::neuron::hints::membrane_names;
use crate::neuron::hints::not_inserted;
use crate::neuron::run_state::object_with_events_freed;
use crate::neuron::types::{neuron_kind, NeuronKind};
use crate::objects::protocol::{call_unwrapped, unwrap};
use nrn::suggest::closest;

/// The base of every Patch object: it holds a genuine NEURON object, forwards everything
/// to it, and holds strong references to whatever the object depends on.
// No `dict`: CPython may collect garbage while allocating an instance dict, before PyO3 has
// initialised the object (a crash in tp_traverse). User attributes go in a dict made when
// the first one is set; Python subclasses use the `__dict__` of their own.
#[pyclass(module = "patch.objects", subclass, weakref)]
pub struct PythonHocObject {
    neuron: NeuronRef,
    /// Strong references: objects this one depends on, each once.
    references: References,
    /// The user's own attributes (`section.labels = [...]`), once there are any.
    attributes: Option<Py<PyDict>>,
    /// This wrapper's entry in the registry of live wrappers (0: none; entries are
    /// addresses).
    registry_key: isize,
}

impl Drop for PythonHocObject {
    fn drop(&mut self) {
        self.release();
    }
}

impl PythonHocObject {
    pub fn new(neuron: Bound<'_, PyAny>) -> PythonHocObject {
        PythonHocObject::holding(NeuronRef::python(neuron.unbind(), false))
    }

    /// A wrapper of an object that can have events in NEURON's queue: freeing it makes
    /// continuing the run unsafe until the next initialisation.
    pub fn with_events(neuron: Bound<'_, PyAny>) -> PythonHocObject {
        PythonHocObject::holding(NeuronRef::python(neuron.unbind(), true))
    }

    /// A wrapper of a NEURON object Patch just made, which can have events in NEURON's
    /// queue; its Python object is made when it is first needed.
    pub fn of_handle(handle: nrn::ObjectHandle) -> PythonHocObject {
        PythonHocObject::holding(NeuronRef::neuron(handle, true))
    }

    /// A wrapper whose NEURON Python object is made from `recipe` when first needed.
    pub fn of_recipe(recipe: super::neuron_ref::Recipe) -> PythonHocObject {
        PythonHocObject::holding(NeuronRef::recipe(recipe))
    }

    /// `action` on the recipe, while NEURON's Python object is not made yet.
    pub fn with_recipe<T>(
        &self,
        action: impl FnOnce(&super::neuron_ref::Recipe) -> T,
    ) -> Option<T> {
        self.neuron.with_recipe(action)
    }

    fn holding(neuron: NeuronRef) -> PythonHocObject {
        PythonHocObject {
            neuron,
            references: References::default(),
            attributes: None,
            registry_key: 0,
        }
    }

    /// Lets go of the NEURON object and of the registry entry.
    pub fn release(&mut self) {
        if self.registry_key != 0 {
            super::registry::forget(std::mem::take(&mut self.registry_key));
        }
        if self.neuron.release() {
            object_with_events_freed();
        }
    }

    pub fn neuron_object<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.neuron.get(py)
    }

    /// A handle on the NEURON object, if it has no Python object yet (then there is no
    /// need to make one to get at it).
    pub fn neuron_handle(&self) -> Option<nrn::ObjectHandle> {
        self.neuron.handle()
    }

    /// NEURON's number `name`, read through the Rust core while this object has no
    /// Python object (reading through NEURON's Python would make one, 96 bytes). A point
    /// process without a section refuses here: NEURON's Python would print its report too.
    fn number_without_python(&self, name: &str) -> PatchResult<Option<f64>> {
        // SAFETY: a `&self` of a pyclass is only had with the GIL held.
        let Some(neuron) = (unsafe { nrn::Neuron::get_serialized() }) else {
            return Ok(None);
        };
        let read = self
            .neuron
            .with_neuron(|handle| neuron.plain_number(handle, name));
        Ok(read.transpose()?.flatten())
    }

    /// Sets NEURON's number `name` through the Rust core while this object has no Python
    /// object; whether it did (if not, NEURON's Python sets it, or says what is wrong).
    fn set_number_without_python(&self, name: &str, value: &Bound<'_, PyAny>) -> PatchResult<bool> {
        let is_number = value.is_exact_instance_of::<pyo3::types::PyFloat>()
            || value.is_exact_instance_of::<pyo3::types::PyInt>();
        let number = value.extract::<f64>().ok().filter(|_| is_number);
        let Some(number) = number else {
            // NEURON's Python says what is wrong with the value, unless the process lost
            // its section (then it would print besides).
            self.number_without_python(name)?;
            return Ok(false);
        };
        // SAFETY: as in number_without_python.
        let Some(neuron) = (unsafe { nrn::Neuron::get_serialized() }) else {
            return Ok(false);
        };
        let set = self
            .neuron
            .with_neuron(|handle| neuron.set_plain_number(handle, name, number));
        Ok(set.transpose()?.unwrap_or(false))
    }

    /// The NEURON class of the object (`ExpSyn`), without making a Python object for it.
    pub fn neuron_class_name(&self, py: Python<'_>) -> PyResult<String> {
        match self.neuron.with_neuron(nrn::ObjectHandle::class_name) {
            Some(name) => Ok(name),
            None => super::classes::class_name(&self.neuron.get(py)?),
        }
    }

    /// Whether this wraps the NEURON object whose hash (its address) is `key`.
    pub fn wraps(&self, py: Python<'_>, key: isize) -> PyResult<bool> {
        match self.neuron.neuron_address() {
            Some(address) => Ok(address as isize == key),
            None if self.neuron.is_cleared() => Ok(false),
            None => Ok(self.neuron.get(py)?.hash()? == key),
        }
    }

    pub fn set_registry_key(&mut self, key: isize) {
        self.registry_key = key;
    }

    /// Keeps `object` alive as long as this one lives.
    pub fn keep(&mut self, object: &Bound<'_, PyAny>) {
        self.references.insert(object);
    }

    /// Keeps `object`, which was just made, alive as long as this one lives.
    pub fn keep_new(&mut self, object: &Bound<'_, PyAny>) {
        self.references.insert_new(object);
    }

    /// The first object this one holds (what a pointer points into).
    pub fn first_reference<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.references
            .iter()
            .next()
            .map(|object| object.bind(py).clone())
    }

    /// Lets go of every strong reference this object holds.
    pub fn forget_references(&mut self) {
        self.references.clear();
    }

    /// The user's attribute `name`, if one was set.
    pub fn user_attribute<'py>(
        &self,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Option<Bound<'py, PyAny>>> {
        match &self.attributes {
            Some(attributes) => attributes.bind(name.py()).get_item(name),
            None => Ok(None),
        }
    }

    /// The dict of the user's attributes, made on first use.
    pub fn user_attributes<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.attributes
            .get_or_insert_with(|| PyDict::new(py).unbind())
            .bind(py)
            .clone()
    }
}

/// `result` of an operation on `neuron`, with NEURON's exceptions for objects that lost
/// their section typed.
fn typed<T>(result: PyResult<T>, neuron: &Bound<'_, PyAny>) -> PyResult<T> {
    result.map_err(|error| typed_neuron_error(neuron.py(), error, neuron))
}

/// A NEURON attribute as Patch hands it out; functions and methods run their `guard`
/// (asked only for them) first.
pub fn patch_attribute(
    value: Bound<'_, PyAny>,
    guard: impl FnOnce() -> PyResult<Guard>,
) -> PyResult<Bound<'_, PyAny>> {
    let py = value.py();
    let callable = |value| -> PyResult<Bound<'_, PyAny>> {
        Ok(Bound::new(py, HocCallable::new(value, guard()?))?.into_any())
    };
    match neuron_kind(&value)? {
        NeuronKind::Callable => callable(value),
        NeuronKind::Other
            if value.is_callable() && !value.is_instance_of::<pyo3::types::PyType>() =>
        {
            callable(value)
        }
        NeuronKind::Other => Ok(value),
        _ => wrap(value),
    }
}

type Descriptors = FxHashMap<String, Py<PyAny>>;

/// What Patch needs to know of a class's own attributes.
#[derive(Default)]
struct ClassAttributes {
    /// Its settable attributes (properties such as `IClamp.amplitude`).
    settable: Descriptors,
    /// The names of all of them (methods, properties, `object`'s).
    names: rustc_hash::FxHashSet<String>,
}

/// Per class (kept alive here).
type Classes = FxHashMap<usize, (Py<pyo3::types::PyType>, ClassAttributes)>;
static CLASSES: std::sync::Mutex<Option<Classes>> = std::sync::Mutex::new(None);

fn classes() -> std::sync::MutexGuard<'static, Option<Classes>> {
    CLASSES
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `read` of the attributes `class` defines itself, found once per class. They are looked
/// up without the lock held: a class's attributes may run Python code.
fn with_class_attributes<T>(
    class: &Bound<'_, pyo3::types::PyType>,
    read: impl Fn(&ClassAttributes) -> T,
) -> PyResult<T> {
    let key = class.as_ptr() as usize;
    let known = |classes: &Option<Classes>| Some(read(&classes.as_ref()?.get(&key)?.1));
    if let Some(found) = known(&classes()) {
        return Ok(found);
    }
    let mut attributes = ClassAttributes::default();
    for attribute in class.dir()? {
        let attribute_name: String = attribute.extract()?;
        if !attribute_name.starts_with("__") {
            let found = class.getattr(attribute_name.as_str())?;
            if found.hasattr(pyo3::intern!(class.py(), "__set__"))? {
                attributes
                    .settable
                    .insert(attribute_name.clone(), found.unbind());
            }
        }
        attributes.names.insert(attribute_name);
    }
    let mut classes = classes();
    let (_, attributes) = classes
        .get_or_insert_with(FxHashMap::default)
        .entry(key)
        .or_insert((class.clone().unbind(), attributes));
    Ok(read(attributes))
}

fn with_descriptors<T>(
    class: &Bound<'_, pyo3::types::PyType>,
    read: impl Fn(&Descriptors) -> T,
) -> PyResult<T> {
    with_class_attributes(class, |attributes| read(&attributes.settable))
}

/// Python's own attribute lookup (class attributes, then a failure that PyO3 hands to
/// `__getattr__`).
pub fn generic_attribute<'py>(
    object: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Bound<'py, PyAny>> {
    // SAFETY: both pointers are live objects held by the caller; the GIL is held.
    let found = unsafe { pyo3::ffi::PyObject_GenericGetAttr(object.as_ptr(), name.as_ptr()) };
    // SAFETY: PyObject_GenericGetAttr returns a new reference or NULL with an exception set.
    unsafe { Bound::from_owned_ptr_or_err(object.py(), found) }
}

/// `object.name` as Python finds it when `name` is an attribute of the object's own Patch
/// class (a method, a property); None for any other name, which only `__getattr__` can
/// answer (no AttributeError made and thrown away on the way: a Patch class cannot change,
/// and its instances have no `__dict__` of their own).
pub fn class_attribute<'py>(
    object: &Bound<'py, PyAny>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let text = name.to_str()?;
    if with_class_attributes(&object.get_type(), |attributes| {
        attributes.names.contains(text)
    })? {
        Ok(Some(generic_attribute(object, name)?))
    } else {
        Ok(None)
    }
}

/// The settable attribute `name` a class defines itself.
fn data_descriptor<'py>(
    class: &Bound<'py, pyo3::types::PyType>,
    name: &Bound<'py, PyString>,
) -> PyResult<Option<Bound<'py, PyAny>>> {
    let name = name.to_str()?;
    with_descriptors(class, |descriptors| {
        descriptors
            .get(name)
            .map(|found| found.bind(class.py()).clone())
    })
}

/// The names of the settable attributes `class` defines itself.
fn settable_attributes(class: &Bound<'_, pyo3::types::PyType>) -> PyResult<Vec<String>> {
    with_descriptors(class, |descriptors| descriptors.keys().cloned().collect())
}

/// NEURON accepts a zero or negative length, diameter or axial resistance and fails at the
/// next run (or divides by zero); refuse them when they are set.
fn check_geometry(
    neuron: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let name = name.to_str()?;
    let rule = match name {
        "L" | "diam" | "Ra" => "a positive number",
        "cm" => "a number of at least 0",
        "nseg" => "a whole number from 1 to 32767",
        _ => return Ok(()),
    };
    let kind = neuron_kind(neuron)?;
    if !matches!(kind, NeuronKind::Section | NeuronKind::Segment) {
        return Ok(());
    }
    let Ok(number) = value.extract::<f64>() else {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{name} must be {rule}, got {}",
            value.repr()?
        )));
    };
    let fine = match name {
        "cm" => number.is_finite() && number >= 0.0,
        "nseg" => number.fract() == 0.0 && (1.0..=32767.0).contains(&number),
        _ => number.is_finite() && number > 0.0,
    };
    if fine {
        Ok(())
    } else {
        Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{name} must be {rule}, got {number}"
        )))
    }
}

/// Sets NEURON's attribute `name` of `neuron`; false when NEURON has no such attribute.
pub fn set_on_neuron(
    neuron: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<bool> {
    let py = neuron.py();
    check_geometry(neuron, name, value)?;
    match with_stray_error(py, neuron.setattr(name, unwrap(value)?)) {
        Ok(()) => Ok(true),
        // NEURON answers unknown names with AttributeError or LookupError.
        Err(error)
            if error.is_instance_of::<pyo3::exceptions::PyAttributeError>(py)
                || error.is_instance_of::<pyo3::exceptions::PyLookupError>(py) =>
        {
            Ok(false)
        }
        Err(error) => Err(typed_neuron_error(py, error, neuron)),
    }
}

fn is_patch_class(class: &Bound<'_, pyo3::types::PyType>) -> PyResult<bool> {
    let module = class.getattr(pyo3::intern!(class.py(), "__module__"))?;
    Ok(module
        .extract::<String>()
        .is_ok_and(|module| module.starts_with("patch.")))
}

#[pymethods]
impl PythonHocObject {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PythonHocObject> {
        Ok(PythonHocObject::new(unwrap(&neuron)?))
    }

    /// The genuine NEURON object.
    fn __neuron__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.neuron_object(py)
    }

    /// Keeps a strong reference to `object` (once, however often it is added).
    fn __ref__(&mut self, object: &Bound<'_, PyAny>) {
        self.keep(object);
    }

    /// Drops the reference to `object`; returns whether there was one.
    pub fn __deref__(&mut self, object: &Bound<'_, PyAny>) -> bool {
        self.references.remove(object)
    }

    /// The NetCon to each object this one is connected to, by that object.
    #[getter]
    fn _connections<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyDict>> {
        let py = slf.py();
        let held = slf
            .borrow()
            .references
            .iter()
            .map(|object| object.bind(py).clone())
            .collect();
        super::netcon::wiring::connections_of(slf.as_any(), held)
    }

    /// NEURON's attribute `name`, as Patch hands it out: a `_ref_` pointer keeps this
    /// object (and so its section) alive as long as it is used, such as by a recording.
    pub fn __getattr__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let text = name.to_str()?;
        // Python's protocols probe dunder names (`__arc__`, `__array_interface__`): asked
        // of NEURON only, and a miss costs no search for suggestions.
        let dunder = text.starts_with("__") && text.ends_with("__");
        let this = slf.borrow();
        if let Some(value) = this.user_attribute(name)? {
            return Ok(value);
        }
        if !dunder {
            if let Some(number) = this.number_without_python(text)? {
                return Ok(number.into_pyobject(py)?.into_any());
            }
        }
        let neuron = this.neuron_object(py)?;
        drop(this);
        let found = typed(neuron.getattr_opt(name), &neuron)?;
        if dunder && found.is_none() {
            return Err(PyAttributeError::new_err(name.clone().unbind()));
        }
        match found {
            Some(value) if name.to_str()?.starts_with("_ref_") => {
                super::pointer::Pointer::into_owner(slf.as_any(), value)
            }
            // Numbers are handed out as they are.
            Some(value)
                if value.is_exact_instance_of::<pyo3::types::PyFloat>()
                    || value.is_instance_of::<pyo3::types::PyInt>() =>
            {
                Ok(value)
            }
            Some(value) => patch_attribute(value, || {
                let class = neuron.get_type().name()?;
                Ok(of_method(class.to_str()?, name.to_str()?))
            }),
            None => {
                let core = attach(py)?;
                match not_inserted(core, &neuron, text)? {
                    Some(error) => Err(error),
                    None => Err(unknown_attribute(&neuron.str()?.to_string(), &neuron, name)),
                }
            }
        }
    }

    /// NEURON's attributes are set on NEURON's object. Other names become the user's own
    /// attributes (BSB and glia keep theirs on sections and point processes), except names
    /// that look like a typo of one of NEURON's (`clamp.ampl`), which are refused.
    pub fn __setattr__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        let py = slf.py();
        let class = slf.get_type();
        if let Some(descriptor) = data_descriptor(&class, name)? {
            descriptor.call_method1(pyo3::intern!(py, "__set__"), (slf, value))?;
            return Ok(());
        }
        if let Some(attributes) = &slf.borrow().attributes {
            let attributes = attributes.bind(py);
            if attributes.contains(name)? {
                return attributes.set_item(name, value);
            }
        }
        if slf
            .borrow()
            .set_number_without_python(name.to_str()?, value)?
        {
            return Ok(());
        }
        let neuron = slf.borrow().neuron_object(py)?;
        if set_on_neuron(&neuron, name, value)? {
            return Ok(());
        }
        if let Some(error) = not_inserted(attach(py)?, &neuron, name.to_str()?)? {
            return Err(error);
        }
        if !is_patch_class(&class)? {
            // A Python subclass: its own attributes go where Python keeps them.
            if let Some(instance_dict) = slf.getattr_opt(pyo3::intern!(py, "__dict__"))? {
                return instance_dict.set_item(name, value);
            }
        }
        if let Some(typo) = typo_of_attribute(&neuron, &class, name)? {
            return Err(typo);
        }
        slf.borrow_mut().user_attributes(py).set_item(name, value)
    }

    pub fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        let py = slf.py();
        if let Some(attributes) = &slf.borrow().attributes {
            let attributes = attributes.bind(py);
            if attributes.contains(name)? {
                return attributes.del_item(name);
            }
        }
        if let Some(instance_dict) = slf.getattr_opt(pyo3::intern!(py, "__dict__"))? {
            if instance_dict.contains(name)? {
                return instance_dict.del_item(name);
            }
        }
        Err(PyAttributeError::new_err(format!(
            "'{name}' is not an attribute of yours: it is NEURON's and cannot be deleted"
        )))
    }

    /// The interpreter `p` (nrn-patch 8 kept it on every object; arborize reads it).
    #[getter]
    fn _interpreter<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        py.import("patch")?.getattr("p")
    }

    /// Your own attributes (`vars(section)`).
    #[getter]
    fn __dict__<'py>(&mut self, py: Python<'py>) -> Bound<'py, PyDict> {
        self.user_attributes(py)
    }

    /// The strong references this object holds, in the order they were made (nrn-patch's
    /// `_references`).
    #[getter]
    pub fn _references<'py>(&self, py: Python<'py>) -> Vec<Bound<'py, PyAny>> {
        self.references
            .iter()
            .map(|object| object.bind(py).clone())
            .collect()
    }

    fn __dir__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyList>> {
        let py = slf.py();
        let neuron = slf.borrow().neuron_object(py)?;
        let names = typed(neuron.dir(), &neuron)?;
        let own = slf.get_type().dir()?;
        let instance = match slf.getattr_opt(pyo3::intern!(py, "__dict__"))? {
            Some(instance) => instance.cast_into::<PyDict>()?.keys(),
            None => PyList::empty(py),
        };
        let user = match &slf.borrow().attributes {
            Some(attributes) => attributes.bind(py).keys(),
            None => PyList::empty(py),
        };
        for name in own.iter().chain(instance.iter()).chain(user.iter()) {
            if !names.contains(&name)? {
                names.append(name)?;
            }
        }
        names.sort()?;
        Ok(names)
    }

    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        let neuron = slf.borrow().neuron_object(slf.py())?;
        Ok(format!(
            "<patch {} {}>",
            slf.get_type().qualname()?,
            neuron.str()?
        ))
    }

    fn __str__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.neuron_object(py)?.str()?.to_cow()?.into_owned())
    }

    fn __richcmp__<'py>(
        slf: &Bound<'py, Self>,
        other: &Bound<'py, PyAny>,
        op: CompareOp,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let other_removed = other
            .cast::<PythonHocObject>()
            .is_ok_and(|other| other.borrow().neuron.is_cleared());
        if slf.borrow().neuron.is_cleared() || other_removed {
            // A removed object is only itself (`removed in section.point_processes()`).
            let same = slf.is(other);
            return match op {
                CompareOp::Eq => Ok(same.into_pyobject(py)?.to_owned().into_any()),
                CompareOp::Ne => Ok((!same).into_pyobject(py)?.to_owned().into_any()),
                _ => Ok(py.NotImplemented().into_bound(py)),
            };
        }
        let neuron = slf.borrow().neuron_object(py)?;
        wrap(neuron.rich_compare(unwrap(other)?, op)?)
    }

    fn __hash__(&self, py: Python<'_>) -> PyResult<isize> {
        // NEURON hashes a HOC object by its address.
        match self.neuron.neuron_address() {
            Some(address) => Ok(address as isize),
            None => self.neuron_object(py)?.hash(),
        }
    }

    fn __bool__(&self, py: Python<'_>) -> PyResult<bool> {
        let neuron = self.neuron_object(py)?;
        // NEURON objects without a length (a NetCon, an IClamp) are always true.
        match neuron.len() {
            Ok(length) => Ok(length > 0),
            Err(_) => neuron.is_truthy(),
        }
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        let neuron = self.neuron_object(py)?;
        typed(neuron.len(), &neuron)
    }

    fn __getitem__<'py>(&self, key: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let neuron = self.neuron_object(key.py())?;
        wrap(typed(neuron.get_item(unwrap(key)?), &neuron)?)
    }

    fn __setitem__(&self, key: &Bound<'_, PyAny>, value: &Bound<'_, PyAny>) -> PyResult<()> {
        let neuron = self.neuron_object(key.py())?;
        with_stray_error(key.py(), neuron.set_item(unwrap(key)?, unwrap(value)?))
    }

    fn __contains__(&self, item: &Bound<'_, PyAny>) -> PyResult<bool> {
        self.neuron_object(item.py())?.contains(unwrap(item)?)
    }

    fn __iter__(&self, py: Python<'_>) -> PyResult<WrappingIterator> {
        Ok(WrappingIterator {
            inner: Some({
                let neuron = self.neuron_object(py)?;
                typed(neuron.try_iter(), &neuron)?.into_any().unbind()
            }),
        })
    }

    #[pyo3(signature = (*args, **kwargs))]
    fn __call__<'py>(
        &self,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        call_unwrapped(&self.neuron_object(args.py())?, args, kwargs)
    }

    fn __add__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(self.neuron_object(other.py())?.add(unwrap(other)?)?)
    }

    fn __radd__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(unwrap(other)?.add(self.neuron_object(other.py())?)?)
    }

    fn __sub__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(self.neuron_object(other.py())?.sub(unwrap(other)?)?)
    }

    fn __rsub__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(unwrap(other)?.sub(self.neuron_object(other.py())?)?)
    }

    fn __mul__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(self.neuron_object(other.py())?.mul(unwrap(other)?)?)
    }

    fn __rmul__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(unwrap(other)?.mul(self.neuron_object(other.py())?)?)
    }

    fn __truediv__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(self.neuron_object(other.py())?.div(unwrap(other)?)?)
    }

    fn __rtruediv__<'py>(&self, other: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        wrap(unwrap(other)?.div(self.neuron_object(other.py())?)?)
    }

    fn __neg__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        wrap(self.neuron_object(py)?.neg()?)
    }

    /// Pickles the NEURON object (where NEURON can) and wraps it again on loading.
    fn __reduce__<'py>(
        &self,
        py: Python<'py>,
    ) -> PyResult<(Bound<'py, PyAny>, (Bound<'py, PyAny>,))> {
        let rewrap = py.import("patch._patch")?.getattr("_rewrap")?;
        Ok((rewrap, (self.neuron_object(py)?,)))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        self.neuron.visit(&visit)?;
        for reference in self.references.iter() {
            visit.call(reference)?;
        }
        visit.call(&self.attributes)
    }

    fn __clear__(&mut self) {
        self.release();
        self.references.clear();
        self.attributes = None;
    }
}

/// Iterates a NEURON object, handing out Patch objects.
#[pyclass(module = "patch.objects")]
pub struct WrappingIterator {
    inner: Option<Py<PyAny>>,
}

impl WrappingIterator {
    /// Hands out the items of the iterator `inner` as Patch objects.
    pub fn over(inner: Bound<'_, PyAny>) -> WrappingIterator {
        WrappingIterator {
            inner: Some(inner.unbind()),
        }
    }
}

#[pymethods]
impl WrappingIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let Some(inner) = &self.inner else {
            return Ok(None);
        };
        let mut iterator = inner
            .bind(py)
            .clone()
            .cast_into::<pyo3::types::PyIterator>()?;
        match iterator.next() {
            Some(item) => Ok(Some(wrap(item?)?)),
            None => Ok(None),
        }
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.inner)
    }

    fn __clear__(&mut self) {
        self.inner = None;
    }
}

/// Rebuilds a Patch object from its unpickled NEURON object.
#[pyfunction]
pub fn _rewrap(neuron: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
    wrap_result(neuron)
}

/// The `AttributeError` for setting `name`, if it looks like a typo of one of the
/// attributes of `neuron` or of the settable ones of the Patch `class` (`ampl` for `amp`,
/// `amplitdue` for `amplitude`; not `synapses` for the method `synapse`). Names starting
/// with `_` are private, never typos.
fn typo_of_attribute(
    neuron: &Bound<'_, PyAny>,
    class: &Bound<'_, pyo3::types::PyType>,
    name: &Bound<'_, PyString>,
) -> PyResult<Option<PyErr>> {
    let typo = name.to_str()?;
    if typo.starts_with('_') {
        return Ok(None);
    }
    let mut names: Vec<String> = typed(neuron.dir(), neuron)?.extract()?;
    names.extend(settable_attributes(class)?);
    names.extend(mechanism_variable_names(attach(neuron.py())?, neuron)?);
    let suggestions = nrn::suggest::typo_of(typo, names.iter().map(String::as_str));
    if suggestions.is_empty() {
        return Ok(None);
    }
    Ok(Some(PyAttributeError::new_err(format!(
        "{} has no attribute '{typo}'. Did you mean: {}? (A name of your own that is not so \
         close to one of NEURON's is kept as your attribute.)",
        neuron.str()?,
        suggestions.join(", ")
    ))))
}

/// An `AttributeError` for `name` on `owner`, naming the closest attributes it does have.
pub fn unknown_attribute(
    what: &str,
    owner: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
) -> PyErr {
    let mut names: Vec<String> = owner
        .dir()
        .and_then(|names| names.extract())
        .unwrap_or_default();
    if let Ok(core) = attach(owner.py()) {
        names.extend(membrane_names(core, owner).unwrap_or_default());
    }
    let typo = name.to_string();
    let suggestions = closest(&typo, names.iter().map(String::as_str));
    let hint = match suggestions.as_slice() {
        [] => String::new(),
        names => format!(" Did you mean: {}?", names.join(", ")),
    };
    PyAttributeError::new_err(format!("{what} has no attribute '{typo}'.{hint}"))
}
