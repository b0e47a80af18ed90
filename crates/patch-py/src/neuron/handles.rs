//! NEURON pointers to and from Python objects: NEURON's internal conversions when the
//! loaded libnrnpython exports them, else public fallbacks through HOC and Python.

use std::ffi::c_void;
use std::ptr::NonNull;
use std::sync::OnceLock;

use nrn::{Arg, Neuron, ObjectHandle, SectionHandle, Value};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::neuron::attach::attach;
use crate::neuron::errors::typed_neuron_error;
use crate::neuron::errors::PatchResult;
use crate::neuron::types::{neuron_kind, neuron_types, NeuronKind};

/// HOC helpers of the fallback conversions: a slot to pass objects through.
const FALLBACK_HOC: &str = "objref patch_slot_, patch_null_\n\
                            proc patch_keep_() { patch_slot_ = $o1 }\n\
                            obfunc patch_fetch_() { return patch_slot_ }\n";

/// `PATCH_PUBLIC_CONVERSIONS=1` uses the public fallbacks even when NEURON's internal
/// conversions exist (for testing them).
fn use_internals() -> bool {
    static INTERNALS: OnceLock<bool> = OnceLock::new();
    *INTERNALS.get_or_init(|| {
        std::env::var_os("PATCH_PUBLIC_CONVERSIONS")
            .is_none_or(|value| value.is_empty() || value == "0")
    })
}

fn fallback_ready(neuron: &'static Neuron) -> PatchResult<()> {
    static DEFINED: OnceLock<()> = OnceLock::new();
    if DEFINED.get().is_none() {
        if neuron.kind_of("patch_fetch_").is_none() {
            neuron.hoc(FALLBACK_HOC)?;
        }
        let _ = DEFINED.set(());
    }
    Ok(())
}

/// The NEURON object behind a HocObject instance (not a Patch wrapper: see
/// `objects::protocol::object_handle`).
pub fn object_handle(instance: &Bound<'_, PyAny>) -> PatchResult<ObjectHandle> {
    let py = instance.py();
    let neuron = attach(py)?;
    if neuron_kind(instance)? != NeuronKind::Instance {
        return Err(
            PyTypeError::new_err(format!("{} is not a NEURON object", instance.repr()?)).into(),
        );
    }
    let conversions = neuron.conversions();
    if let (Some(python_to_object), true) = (conversions.python_to_object, use_internals()) {
        // SAFETY: nrnpy_po2ho takes any live Python object (the GIL is held) and returns NULL
        // for non-HOC ones.
        let raw = unsafe { python_to_object(instance.as_ptr().cast::<c_void>()) };
        if let Some(raw) = NonNull::new(raw) {
            // nrnpy_po2ho hands over a new reference.
            // SAFETY: not NULL, and nrnpy_po2ho hands over a new reference, which the handle
            // now owns.
            return Ok(unsafe { ObjectHandle::from_owned(neuron, raw) });
        }
    }
    fallback_ready(neuron)?;
    let h = neuron_types(py)?.h.bind(py);
    h.setattr("patch_slot_", instance)?;
    let fetched = neuron.call_function("patch_fetch_", &[]);
    h.setattr("patch_slot_", h.getattr("patch_null_")?)?;
    match fetched? {
        Value::Object(Some(handle)) => Ok(handle),
        _ => {
            Err(PyTypeError::new_err(format!("{} is not a NEURON object", instance.repr()?)).into())
        }
    }
}

/// The Python HocObject of a NEURON object.
pub fn python_object<'py>(
    py: Python<'py>,
    handle: &ObjectHandle,
) -> PatchResult<Bound<'py, PyAny>> {
    let neuron = attach(py)?;
    let conversions = neuron.conversions();
    if let (Some(object_to_python), true) = (conversions.object_to_python, use_internals()) {
        // SAFETY: `handle` keeps its Object alive for the call; nrnpy_ho2po returns a new
        // reference or NULL.
        let raw = unsafe { object_to_python(handle.as_ptr()) };
        if !raw.is_null() {
            // SAFETY: not NULL, and a new reference, which the Bound now owns.
            return Ok(unsafe { Bound::from_owned_ptr(py, raw.cast()) });
        }
    }
    fallback_ready(neuron)?;
    let h = neuron_types(py)?.h.bind(py);
    neuron.call_function("patch_keep_", &[Arg::Object(handle)])?;
    let object = h.getattr("patch_slot_")?;
    h.setattr("patch_slot_", h.getattr("patch_null_")?)?;
    Ok(object)
}

/// The NEURON section behind an `nrn.Section` (not a Patch wrapper: see
/// `objects::protocol::section_handle`).
pub fn section_handle(section: &Bound<'_, PyAny>) -> PatchResult<SectionHandle> {
    let py = section.py();
    let neuron = attach(py)?;
    let section_type = neuron_types(py)?.section.bind(py);
    if !section.get_type().is(section_type) {
        return Err(
            PyTypeError::new_err(format!("{} is not a NEURON section", section.repr()?)).into(),
        );
    }
    if use_internals() && section_layout_verified(neuron, section)? {
        if let Some(raw) = NonNull::new(section_pointer(section)) {
            // SAFETY: read from an `nrn.Section` of the verified layout, which holds a
            // reference on its section for as long as the handle borrows it (`section` outlives
            // this call).
            let handle = unsafe { SectionHandle::from_borrowed(neuron, raw) };
            handle.live_ptr()?;
            return Ok(handle);
        }
    }
    public_section_handle(neuron, section)
}

/// `Ok` while NEURON still has the section of `section` (an `nrn.Section`), else
/// `DeletedSectionError`: [`section_handle`]'s check, without a reference taken and given
/// back (each a guarded call into NEURON) where the section's pointer can be read.
pub fn check_section_alive(section: &Bound<'_, PyAny>) -> PatchResult<()> {
    match live_section_pointer(section)? {
        Some(_) => Ok(()),
        None => section_handle(section).map(drop),
    }
}

/// NEURON's section of `section` (an `nrn.Section`), read from the object, valid while
/// `section` lives; `DeletedSectionError` once NEURON deleted it; `None` where the object
/// cannot be read (then only [`section_handle`] can tell).
pub fn live_section_pointer(
    section: &Bound<'_, PyAny>,
) -> PatchResult<Option<NonNull<nrn::ffi::Section>>> {
    let py = section.py();
    let neuron = attach(py)?;
    let readable = section.get_type().is(neuron_types(py)?.section.bind(py))
        && use_internals()
        && section_layout_verified(neuron, section)?;
    // Read only from an `nrn.Section` whose layout was checked.
    let raw = if readable {
        NonNull::new(section_pointer(section))
    } else {
        None
    };
    match raw {
        // SAFETY: the `nrn.Section` holds a reference on its section while `section`
        // lives, which it does for this call.
        Some(raw) if unsafe { neuron.section_is_active(raw) } => Ok(Some(raw)),
        Some(_) => Err(nrn::NrnError::DeletedSection.into()),
        None => Ok(None),
    }
}

/// `nrn.Section` objects are `{PyObject_HEAD; Section* sec_; ...}`: the pointer follows the
/// header. Only read from objects of exactly that type.
#[expect(
    clippy::cast_ptr_alignment,
    reason = "the pointer field follows the object header at its natural alignment"
)]
fn section_pointer(section: &Bound<'_, PyAny>) -> *mut nrn::ffi::Section {
    let header = std::mem::size_of::<pyo3::ffi::PyObject>();
    // SAFETY: only called on objects of exactly NEURON's `nrn.Section` type, whose basic size
    // (checked in `section_layout_verified`) holds the pointer right after the header.
    unsafe {
        *section
            .as_ptr()
            .cast::<u8>()
            .add(header)
            .cast::<*mut nrn::ffi::Section>()
    }
}

/// The layout read is checked once against the public route before it is trusted: objects
/// large enough to hold the pointer, giving the section the public route gives.
fn section_layout_verified(
    neuron: &'static Neuron,
    section: &Bound<'_, PyAny>,
) -> PatchResult<bool> {
    static VERIFIED: OnceLock<bool> = OnceLock::new();
    if let Some(verified) = VERIFIED.get() {
        return Ok(*verified);
    }
    let needed =
        std::mem::size_of::<pyo3::ffi::PyObject>() + std::mem::size_of::<*mut nrn::ffi::Section>();
    let size: usize = section
        .get_type()
        .getattr(pyo3::intern!(section.py(), "__basicsize__"))?
        .extract()?;
    if size < needed {
        return Ok(*VERIFIED.get_or_init(|| false));
    }
    let public = public_section_handle(neuron, section)?;
    let read = section_pointer(section);
    let verified = public.live_ptr().is_ok_and(|pointer| pointer == read);
    Ok(*VERIFIED.get_or_init(|| verified))
}

/// Through NEURON's section stack: push from Python, read the accessed section, pop.
fn public_section_handle(
    neuron: &'static Neuron,
    section: &Bound<'_, PyAny>,
) -> PatchResult<SectionHandle> {
    // A deleted section refuses with NEURON's ReferenceError: DeletedSectionError here.
    section
        .call_method0("push")
        .map_err(|error| typed_neuron_error(section.py(), error, section))?;
    let accessed = neuron.accessed_section();
    neuron.pop_section()?;
    Ok(accessed?)
}

/// NEURON's `Section` is `{int refcount; short nnode; Section* parentsec; ...}`
/// (`section.h`): the parent pointer is at this offset.
const PARENT_OFFSET: usize = 8;
/// Whether that read was checked against a connection NEURON just made.
static PARENT_LAYOUT: OnceLock<bool> = OnceLock::new();

/// Checks the read of a section's parent once, right after NEURON connected `child` to
/// `parent` (so the answer is known).
pub fn check_parent_layout(child: NonNull<nrn::ffi::Section>, parent: NonNull<nrn::ffi::Section>) {
    if PARENT_LAYOUT.get().is_none() && use_internals() {
        let _ = PARENT_LAYOUT.set(read_parent(child) == Some(parent));
    }
}

/// The parent of `section` (None: a root), read from NEURON's section; None when the read
/// was not checked yet (callers ask NEURON's Python).
///
/// # Safety
/// `section` must be a live NEURON section.
#[expect(
    clippy::option_option,
    reason = "not checked yet and a root section are different answers"
)]
pub unsafe fn parent_pointer(
    section: NonNull<nrn::ffi::Section>,
) -> Option<Option<NonNull<nrn::ffi::Section>>> {
    PARENT_LAYOUT
        .get()
        .copied()
        .unwrap_or(false)
        .then(|| read_parent(section))
}

#[expect(
    clippy::cast_ptr_alignment,
    reason = "the parent pointer is a field of NEURON's Section at its natural alignment"
)]
fn read_parent(section: NonNull<nrn::ffi::Section>) -> Option<NonNull<nrn::ffi::Section>> {
    // SAFETY: a live section is at least as large as its first three fields.
    let parent = unsafe {
        *section
            .as_ptr()
            .cast::<u8>()
            .add(PARENT_OFFSET)
            .cast::<*mut nrn::ffi::Section>()
    };
    NonNull::new(parent)
}
