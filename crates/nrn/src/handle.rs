//! Owned handles of NEURON objects and sections: each holds one NEURON reference, taken
//! when made and given back when dropped.

use std::ffi::CStr;
use std::ptr::NonNull;

use crate::ffi::{Object, Section};
use crate::{Neuron, NrnError, Result};

/// A NEURON object (`Vector`, `IClamp`, `NetCon`, ...) kept alive by the reference this
/// handle owns. Cloning takes another reference; dropping gives it back. One word: bulk
/// calls hold one per object, and there is only one NEURON per process to refer to.
pub struct ObjectHandle {
    object: NonNull<Object>,
}

impl ObjectHandle {
    /// Takes over a reference the caller already owns (e.g. from `nrn_object_new`).
    ///
    /// # Safety
    /// `object` must be a live NEURON object with one reference owned by the caller.
    pub unsafe fn from_owned(neuron: &'static Neuron, object: NonNull<Object>) -> ObjectHandle {
        // SAFETY: only compared, not called.
        debug_assert!(unsafe { Neuron::get_serialized() }
            .is_some_and(|instance| std::ptr::eq(instance, neuron)));
        ObjectHandle { object }
    }

    /// Takes a new reference on an object the caller only borrows.
    ///
    /// # Safety
    /// `object` must be a live NEURON object.
    pub unsafe fn from_borrowed(neuron: &'static Neuron, object: NonNull<Object>) -> ObjectHandle {
        // SAFETY: the caller promises `object` is live; `&Neuron` means this thread may call
        // NEURON, and nrn_object_ref only increments the count.
        unsafe { (neuron.api.nrn_object_ref)(object.as_ptr()) };
        // SAFETY: the reference taken just above is the one the handle now owns.
        unsafe { ObjectHandle::from_owned(neuron, object) }
    }

    /// The NEURON the object lives in: the process's one, which exists since the object
    /// does.
    fn neuron(&self) -> &'static Neuron {
        // SAFETY: a handle is made by a call into NEURON and is neither `Send` nor `Sync`,
        // so it is used on a thread allowed to call NEURON (the owner, or one serialised
        // by its host, which alone can move handles across threads, as Patch's bindings
        // do under the GIL).
        unsafe { Neuron::get_serialized() }.expect("a NEURON object exists, so NEURON is loaded")
    }

    pub fn as_ptr(&self) -> *mut Object {
        self.object.as_ptr()
    }

    /// Gives up the handle, keeping its reference: the caller owns it now (and gives it
    /// back through [`ObjectHandle::from_owned`]).
    pub fn into_raw(self) -> NonNull<Object> {
        std::mem::ManuallyDrop::new(self).object
    }

    /// The class name, e.g. `"Vector"`.
    pub fn class_name(&self) -> String {
        // SAFETY: the handle owns a reference, so the object is alive; it is used on a thread
        // allowed to call NEURON (see `neuron()`), and nrn_class_name only reads it.
        let name = unsafe { (self.neuron().api.nrn_class_name)(self.as_ptr()) };
        // SAFETY: a class name is a NUL-terminated string NEURON keeps for the class's lifetime,
        // and this object keeps its class.
        unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned()
    }
}

impl Clone for ObjectHandle {
    fn clone(&self) -> ObjectHandle {
        // SAFETY: `self` owns a reference, so the object is live.
        unsafe { ObjectHandle::from_borrowed(self.neuron(), self.object) }
    }
}

impl ObjectHandle {
    /// Gives the reference back; whether that freed the object (it was the last one).
    pub fn release(self) -> bool {
        // SAFETY: NEURON 9.0's `struct Object` (src/oc/hocdec.h) starts with `int refcount` (only
        // these releases attach); the handle owns one of the references counted there, so
        // the object is alive to read.
        let last = unsafe { self.object.cast::<std::ffi::c_int>().as_ptr().read() } == 1;
        drop(self);
        last
    }
}

impl Drop for ObjectHandle {
    fn drop(&mut self) {
        let object = self.object.as_ptr();
        // The last reference runs the object's destructor, which may report a HOC error;
        // there is no one left to report it to.
        let _ = self
            .neuron()
            // SAFETY: gives back, inside the guard, the one reference this handle owns (into_raw
            // and release never reach here without it).
            .guarded(|api| unsafe { (api.nrn_object_unref)(object) });
    }
}

impl std::fmt::Debug for ObjectHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "ObjectHandle({} at {:p})",
            self.class_name(),
            self.object
        )
    }
}

/// A NEURON section kept in memory by the reference this handle owns. The section can still
/// be deleted from NEURON (`delete_section`); every use checks that it is alive first.
pub struct SectionHandle {
    neuron: &'static Neuron,
    section: NonNull<Section>,
}

impl SectionHandle {
    /// Takes a new reference on `section`.
    ///
    /// # Safety
    /// `section` must point to a NEURON section.
    pub unsafe fn from_borrowed(
        neuron: &'static Neuron,
        section: NonNull<Section>,
    ) -> SectionHandle {
        // SAFETY: the caller promises `section` points to a NEURON section; `&Neuron` means this
        // thread may call NEURON.
        unsafe { (neuron.api.nrn_section_ref)(section.as_ptr()) };
        SectionHandle { neuron, section }
    }

    /// The section pointer, or [`NrnError::DeletedSection`] once NEURON deleted it.
    pub fn live_ptr(&self) -> Result<*mut Section> {
        let section = self.section.as_ptr();
        // SAFETY: the handle's reference keeps the section in memory even after NEURON deletes it
        // (neuron-capi.md §8.2); nrn_section_is_active only reads it.
        if unsafe { (self.neuron.api.nrn_section_is_active)(section) } {
            Ok(section)
        } else {
            Err(NrnError::DeletedSection)
        }
    }

    pub fn is_alive(&self) -> bool {
        self.live_ptr().is_ok()
    }
}

impl Clone for SectionHandle {
    fn clone(&self) -> SectionHandle {
        // SAFETY: `self` holds a reference, so the section is still in memory.
        unsafe { SectionHandle::from_borrowed(self.neuron, self.section) }
    }
}

impl Drop for SectionHandle {
    fn drop(&mut self) {
        let section = self.section.as_ptr();
        let _ = self
            .neuron
            // SAFETY: gives back, inside the guard, the one reference from_borrowed took for this
            // handle.
            .guarded(|api| unsafe { (api.nrn_section_unref)(section) });
    }
}

impl PartialEq for SectionHandle {
    fn eq(&self, other: &SectionHandle) -> bool {
        self.section == other.section
    }
}

impl std::fmt::Debug for SectionHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SectionHandle({:p})", self.section)
    }
}
