//! The NEURON object a Patch wrapper stands for, in one word.
//!
//! NEURON's Python object for a HOC object costs 96 bytes. A wrapper of an object Patch
//! made itself (a point process, a NetCon) starts with NEURON's own Object instead and
//! makes the Python object the first time someone needs it; per connection, that is the
//! difference between using more memory than plain NEURON and using less. A segment or a
//! mechanism on a segment starts as the recipe for NEURON's object (the section and `x`),
//! which is all Patch's fast paths need.

use std::mem::ManuallyDrop;
use std::ptr::NonNull;
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::neuron::handles::check_section_alive;
use crate::neuron::handles::python_object;
use nrn::{Neuron, ObjectHandle};
use pyo3::exceptions::PyReferenceError;
use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{PyTraverseError, PyVisit};

/// Set in the word when it holds a NEURON `Object*`. Python objects and NEURON objects
/// are at least 8-byte aligned, so the two low bits are free.
const NEURON_OBJECT: usize = 1;
/// Set when the object can have events in NEURON's queue (point processes, NetCons).
const HAS_EVENTS: usize = 2;
/// Set when the word holds a boxed [`Recipe`] (8-byte aligned too).
const RECIPE: usize = 4;
const FLAGS: usize = NEURON_OBJECT | HAS_EVENTS | RECIPE;

/// How to make NEURON's Python object when it is first needed.
pub enum Recipe {
    /// `section(x)`: the segment at `x` of NEURON's `section`.
    Segment { section: Py<PyAny>, x: f64 },
    /// `of.name` of NEURON's object of the Patch segment `of`: a mechanism.
    Attribute { of: Py<PyAny>, name: Py<PyString> },
}

impl Recipe {
    fn make<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match self {
            Recipe::Segment { section, x } => {
                let section = section.bind(py);
                check_section_alive(section)?;
                section.call1((*x,))
            }
            // Asked of NEURON's object of `of`: Patch's would answer with a Patch object.
            Recipe::Attribute { of, name } => {
                let of = of.bind(py).cast::<super::base::PythonHocObject>()?;
                let neuron = of.borrow().neuron_object(py)?;
                neuron.getattr(name.bind(py))
            }
        }
    }
}

/// Nothing (cleared), a Python object, or a NEURON Object, each with one reference owned;
/// and whether the object can have events in NEURON's queue. Only touched with the GIL
/// held; atomic so the wrapper stays `Sync`.
pub struct NeuronRef(AtomicUsize);

/// What the word holds.
enum Held {
    Nothing,
    Python(*mut pyo3::ffi::PyObject),
    Neuron(NonNull<nrn::ffi::Object>),
    Recipe(NonNull<Recipe>),
}

impl NeuronRef {
    pub fn python(object: Py<PyAny>, has_events: bool) -> NeuronRef {
        NeuronRef::word(object.into_ptr() as usize, has_events)
    }

    pub fn neuron(handle: ObjectHandle, has_events: bool) -> NeuronRef {
        NeuronRef::word(
            handle.into_raw().as_ptr() as usize | NEURON_OBJECT,
            has_events,
        )
    }

    pub fn recipe(recipe: Recipe) -> NeuronRef {
        let boxed = Box::into_raw(Box::new(recipe)) as usize;
        NeuronRef(AtomicUsize::new(boxed | RECIPE))
    }

    fn word(pointer: usize, has_events: bool) -> NeuronRef {
        debug_assert!(
            pointer & (HAS_EVENTS | RECIPE) == 0,
            "objects are 8-byte aligned"
        );
        NeuronRef(AtomicUsize::new(
            pointer | if has_events { HAS_EVENTS } else { 0 },
        ))
    }

    fn held(&self) -> Held {
        decode(self.0.load(Ordering::Acquire))
    }

    /// The Python object, made now if this holds NEURON's Object.
    pub fn get<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let word = self.0.load(Ordering::Acquire);
        let made = match decode(word) {
            // SAFETY: the word owns a reference to this live object; the GIL is held (`py`).
            Held::Python(object) => return Ok(unsafe { Bound::from_borrowed_ptr(py, object) }),
            Held::Nothing => {
                return Err(PyReferenceError::new_err(
                    "this Patch object was removed (or cleared): make a new one",
                ))
            }
            Held::Neuron(object) => {
                let handle = ManuallyDrop::new(owned_handle(object));
                python_object(py, &handle)?
            }
            // SAFETY: the box is ours until the word changes, and the GIL is held.
            Held::Recipe(recipe) => unsafe { recipe.as_ref() }.make(py)?,
        };
        // Making the Python object can run Python code; keep whichever was made first.
        match self.0.compare_exchange(
            word,
            made.as_ptr() as usize | (word & HAS_EVENTS),
            Ordering::AcqRel,
            Ordering::Acquire,
        ) {
            Ok(_) => {
                let made = made.unbind().into_ptr();
                match decode(word) {
                    Held::Neuron(object) => drop(owned_handle(object)),
                    // SAFETY: the word no longer names the box, which was ours.
                    Held::Recipe(recipe) => drop(unsafe { Box::from_raw(recipe.as_ptr()) }),
                    _ => {}
                }
                // SAFETY: `made` is the object just stored in the word, which now owns a
                // reference to it.
                Ok(unsafe { Bound::from_borrowed_ptr(py, made) })
            }
            Err(_) => self.get(py),
        }
    }

    /// `action` on a handle of NEURON's Object, if this holds it (no Python object).
    pub fn with_neuron<T>(&self, action: impl FnOnce(&ObjectHandle) -> T) -> Option<T> {
        match self.held() {
            Held::Neuron(object) => Some(action(&ManuallyDrop::new(owned_handle(object)))),
            _ => None,
        }
    }

    /// `action` on the recipe, while NEURON's Python object is not made yet.
    pub fn with_recipe<T>(&self, action: impl FnOnce(&Recipe) -> T) -> Option<T> {
        match self.held() {
            // SAFETY: the box lives while the word names it; the GIL is held.
            Held::Recipe(recipe) => Some(action(unsafe { recipe.as_ref() })),
            _ => None,
        }
    }

    /// A new handle on NEURON's Object, if this holds it.
    pub fn handle(&self) -> Option<ObjectHandle> {
        self.with_neuron(ObjectHandle::clone)
    }

    /// The address of NEURON's Object, if this holds it.
    pub fn neuron_address(&self) -> Option<usize> {
        self.with_neuron(|handle| handle.as_ptr() as usize)
    }

    pub fn is_cleared(&self) -> bool {
        matches!(self.held(), Held::Nothing)
    }

    /// Gives back the reference held; whether that may have freed an object that can have
    /// events in NEURON's queue (known exactly for NEURON's Object, assumed for a Python
    /// object, which others may share).
    pub fn release(&self) -> bool {
        let word = self.0.swap(0, Ordering::AcqRel);
        let freed = match decode(word) {
            Held::Nothing => return false,
            Held::Python(object) => {
                // SAFETY: the word is only touched with the GIL held.
                let py = unsafe { Python::assume_attached() };
                // SAFETY: the word owned this reference, and it no longer names it: it is
                // released once.
                drop(unsafe { Bound::from_owned_ptr(py, object) });
                true
            }
            Held::Neuron(object) => owned_handle(object).release(),
            Held::Recipe(recipe) => {
                // SAFETY: the word named the box, which was ours; the GIL is held (as
                // above), which dropping its Python objects needs.
                drop(unsafe { Box::from_raw(recipe.as_ptr()) });
                false
            }
        };
        freed && word & HAS_EVENTS != 0
    }

    pub fn visit(&self, visit: &PyVisit<'_>) -> Result<(), PyTraverseError> {
        let object = match self.held() {
            Held::Python(object) => object,
            // SAFETY: the box lives while the word names it; traversal holds the GIL.
            Held::Recipe(recipe) => {
                // SAFETY: the word names a box it owns (tag RECIPE); the box is freed only
                // after the word stops naming it.
                return match unsafe { recipe.as_ref() } {
                    Recipe::Segment { section, .. } => visit.call(section),
                    Recipe::Attribute { of, name } => {
                        visit.call(of)?;
                        visit.call(name)
                    }
                };
            }
            _ => return Ok(()),
        };
        // Traversal runs with the GIL held; the reference stays ours.
        // SAFETY: tp_traverse is only called by the collector, which holds the GIL.
        let py = unsafe { Python::assume_attached() };
        // SAFETY: the word owns this reference; ManuallyDrop keeps it owned by the word.
        let held = ManuallyDrop::new(unsafe { Bound::from_owned_ptr(py, object) }.unbind());
        visit.call(&*held)
    }
}

impl Drop for NeuronRef {
    fn drop(&mut self) {
        self.release();
    }
}

fn decode(word: usize) -> Held {
    let pointer = word & !FLAGS;
    if pointer == 0 {
        Held::Nothing
    } else if word & RECIPE != 0 {
        // SAFETY: tagged words are made from a `Box::into_raw` pointer, never NULL (checked
        // above).
        Held::Recipe(unsafe { NonNull::new_unchecked(pointer as *mut Recipe) })
    } else if word & NEURON_OBJECT != 0 {
        // SAFETY: tagged words are made from an ObjectHandle's pointer, never NULL (checked
        // above).
        Held::Neuron(unsafe { NonNull::new_unchecked(pointer as *mut _) })
    } else {
        Held::Python(pointer as *mut pyo3::ffi::PyObject)
    }
}

/// The handle of the reference the word owns (NEURON is attached: the word was made
/// from a handle).
fn owned_handle(object: NonNull<nrn::ffi::Object>) -> ObjectHandle {
    // SAFETY: the word is only touched with the GIL held, which serialises Patch's calls
    // into NEURON.
    let neuron =
        unsafe { Neuron::get_serialized() }.expect("a NEURON object exists, so NEURON is attached");
    // SAFETY: the word owned this reference (it was made with `into_raw`), and gives it up
    // here.
    unsafe { ObjectHandle::from_owned(neuron, object) }
}
