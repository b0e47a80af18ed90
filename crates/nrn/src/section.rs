//! Sections through the C API: creating and naming them, geometry, range variables,
//! inserting mechanisms, connecting, and the section stack; values NEURON would crash on
//! are refused first.

use std::ffi::CStr;
use std::ptr::NonNull;

use crate::symbols::c_string;
use crate::{Neuron, NrnError, Result, SectionHandle, SymbolKind};

/// NEURON's limit on segments per section.
const MAX_NSEG: i32 = 32767;

impl Neuron {
    /// Whether NEURON still has `section` (it was not deleted), without taking a reference.
    ///
    /// # Safety
    /// `section` must point to a NEURON section kept in memory by a reference someone
    /// holds for the duration of the call (a handle, or NEURON's Python object of it).
    pub unsafe fn section_is_active(&self, section: NonNull<crate::ffi::Section>) -> bool {
        // SAFETY: the caller keeps `section` in memory (see # Safety); nrn_section_is_active only
        // reads it.
        unsafe { (self.api.nrn_section_is_active)(section.as_ptr()) }
    }

    /// A new section, listed in `allsec()` like one made with HOC's `create`.
    pub fn new_section(&'static self, name: &str) -> Result<SectionHandle> {
        let name = c_string(name)?;
        // SAFETY: inside the guard; `name` is a NUL-terminated string alive for the call.
        let section = self.guarded(|api| unsafe { (api.nrn_section_new)(name.as_ptr()) })?;
        let section = NonNull::new(section)
            .ok_or_else(|| NrnError::Hoc("NEURON could not create the section".to_string()))?;
        // SAFETY: `section` is the non-null section nrn_section_new just made.
        Ok(unsafe { SectionHandle::from_borrowed(self, section) })
    }

    pub fn section_name(&self, section: &SectionHandle) -> Result<String> {
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle.
        let name = self.guarded(|api| unsafe { (api.nrn_secname)(section) })?;
        // SAFETY: nrn_secname returns a NUL-terminated name (never null), read before any other
        // call into NEURON can reuse its buffer.
        Ok(unsafe { CStr::from_ptr(name) }
            .to_string_lossy()
            .into_owned())
    }

    pub fn length(&self, section: &SectionHandle) -> Result<f64> {
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle.
        self.guarded(|api| unsafe { (api.nrn_section_length_get)(section) })
    }

    pub fn set_length(&self, section: &SectionHandle, length: f64) -> Result<()> {
        positive("length L", length)?;
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr (held by the caller's handle) and the
        // length is positive and finite.
        self.guarded(|api| unsafe { (api.nrn_section_length_set)(section, length) })
    }

    pub fn axial_resistance(&self, section: &SectionHandle) -> Result<f64> {
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle.
        self.guarded(|api| unsafe { (api.nrn_section_Ra_get)(section) })
    }

    pub fn set_axial_resistance(&self, section: &SectionHandle, ra: f64) -> Result<()> {
        positive("axial resistance Ra", ra)?;
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr (held by the caller's handle) and Ra
        // is positive and finite.
        self.guarded(|api| unsafe { (api.nrn_section_Ra_set)(section, ra) })
    }

    pub fn segment_count(&self, section: &SectionHandle) -> Result<i32> {
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle.
        self.guarded(|api| unsafe { (api.nrn_nseg_get)(section) })
    }

    pub fn set_segment_count(&self, section: &SectionHandle, nseg: i32) -> Result<()> {
        if !(1..=MAX_NSEG).contains(&nseg) {
            return Err(NrnError::InvalidArgument(format!(
                "nseg={nseg} is out of range: use 1 to {MAX_NSEG} segments"
            )));
        }
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr (held by the caller's handle) and
        // nseg is within NEURON's 1..=32767.
        self.guarded(|api| unsafe { (api.nrn_nseg_set)(section, nseg) })
    }

    /// Sets the diameter of every segment.
    pub fn set_diameter(&self, section: &SectionHandle, diameter: f64) -> Result<()> {
        positive("diameter diam", diameter)?;
        let nseg = self.segment_count(section)?;
        for index in 0..nseg {
            let x = (f64::from(index) + 0.5) / f64::from(nseg);
            self.set_range(section, "diam", x, diameter)?;
        }
        Ok(())
    }

    /// Inserts a density mechanism such as `hh` or `pas`.
    pub fn insert(&self, section: &SectionHandle, mechanism: &str) -> Result<()> {
        let section = section.live_ptr()?;
        // SAFETY: the handle holds its section.
        unsafe { self.insert_into(NonNull::new_unchecked(section), mechanism) }
    }

    /// Inserts a density mechanism into `section`.
    ///
    /// # Safety
    /// `section` must be a live NEURON section kept in memory for the call.
    pub unsafe fn insert_into(
        &self,
        section: NonNull<crate::ffi::Section>,
        mechanism: &str,
    ) -> Result<()> {
        let mechanism = self.symbol_of_kind(mechanism, SymbolKind::Mechanism)?;
        // SAFETY: inside the guard; the caller keeps `section` live (see # Safety) and `mechanism`
        // is a density-mechanism symbol, as nrn_mechanism_insert needs (neuron-capi.md §4).
        self.guarded(|api| unsafe {
            (api.nrn_mechanism_insert)(section.as_ptr(), mechanism.0);
        })
    }

    /// A range variable at `x`, e.g. `v` or `gnabar_hh`.
    pub fn range(&self, section: &SectionHandle, variable: &str, x: f64) -> Result<f64> {
        let (symbol, section) = self.range_target(section, variable, x)?;
        // SAFETY: inside the guard; range_target checked x, that `symbol` is a range variable, and
        // that `section` is live (held by the caller's handle).
        self.guarded(|api| unsafe { (api.nrn_rangevar_get)(symbol.0, section, x) })
    }

    pub fn set_range(
        &self,
        section: &SectionHandle,
        variable: &str,
        x: f64,
        value: f64,
    ) -> Result<()> {
        let (symbol, section) = self.range_target(section, variable, x)?;
        // SAFETY: as in range: checked by range_target, the section held by the caller's handle.
        self.guarded(|api| unsafe { (api.nrn_rangevar_set)(symbol.0, section, x, value) })
    }

    /// Attaches `child`'s 0 end to `parent` at `parent_x`.
    pub fn connect(
        &self,
        child: &SectionHandle,
        parent: &SectionHandle,
        parent_x: f64,
    ) -> Result<()> {
        check_location(parent_x)?;
        if child == parent {
            return Err(NrnError::InvalidArgument(
                "a section cannot be connected to itself".to_string(),
            ));
        }
        let (child, parent) = (child.live_ptr()?, parent.live_ptr()?);
        // SAFETY: both handles hold their section.
        unsafe {
            self.connect_sections(
                NonNull::new_unchecked(child),
                NonNull::new_unchecked(parent),
                parent_x,
            )
        }
    }

    /// Attaches `child`'s 0 end to `parent` at `parent_x`, as NEURON's Python
    /// `child.connect(parent(parent_x))` does.
    ///
    /// # Safety
    /// Both must be live NEURON sections kept in memory for the call.
    pub unsafe fn connect_sections(
        &self,
        child: NonNull<crate::ffi::Section>,
        parent: NonNull<crate::ffi::Section>,
        parent_x: f64,
    ) -> Result<()> {
        check_location(parent_x)?;
        // SAFETY: inside the guard; the caller keeps both sections live (see # Safety) and
        // parent_x passed check_location.
        self.guarded(|api| unsafe {
            (api.nrn_section_connect)(child.as_ptr(), 0.0, parent.as_ptr(), parent_x);
        })
    }

    /// Makes `section` the currently accessed section until [`pop_section`](Self::pop_section).
    pub fn push_section(&self, section: &SectionHandle) -> Result<()> {
        let section = section.live_ptr()?;
        // SAFETY: inside the guard; `section` passed live_ptr and is held by the caller's handle.
        self.guarded(|api| unsafe { (api.nrn_section_push)(section) })
    }

    /// The currently accessed section.
    pub fn accessed_section(&'static self) -> Result<SectionHandle> {
        // SAFETY: inside the guard; nrn_cas takes no arguments.
        let section = self.guarded(|api| unsafe { (api.nrn_cas)() })?;
        let section = NonNull::new(section)
            .ok_or_else(|| NrnError::Hoc("no section is accessed".to_string()))?;
        // SAFETY: a non-null nrn_cas result is the section NEURON currently accesses, so it exists.
        Ok(unsafe { SectionHandle::from_borrowed(self, section) })
    }

    pub fn pop_section(&self) -> Result<()> {
        // SAFETY: inside the guard; with nothing pushed, NEURON's pop does nothing or raises a HOC
        // error (no accessed section), which the guard catches.
        self.guarded(|api| unsafe { (api.nrn_section_pop)() })
    }

    fn range_target(
        &self,
        section: &SectionHandle,
        variable: &str,
        x: f64,
    ) -> Result<(crate::symbols::SymbolPtr, *mut crate::ffi::Section)> {
        check_location(x)?;
        let symbol = self.symbol_of_kind(variable, SymbolKind::RangeVariable)?;
        Ok((symbol, section.live_ptr()?))
    }
}

fn positive(what: &str, value: f64) -> Result<()> {
    if value.is_finite() && value > 0.0 {
        Ok(())
    } else {
        Err(NrnError::InvalidArgument(format!(
            "{what} must be a positive number, got {value}"
        )))
    }
}

pub(crate) fn check_location(x: f64) -> Result<()> {
    if (0.0..=1.0).contains(&x) {
        Ok(())
    } else {
        Err(NrnError::InvalidArgument(format!(
            "location x={x} is outside the section: use a value from 0 to 1"
        )))
    }
}
