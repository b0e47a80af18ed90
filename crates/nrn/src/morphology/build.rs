//! Building a morphology's sections in NEURON: 3-D points and connections through the C
//! API, one call per section into NEURON's guard, no HOC or Python per section.

use std::ops::Range;
use std::ptr::NonNull;

use crate::ffi::Section;
use crate::{Neuron, NrnError, Result, SectionHandle};

/// One section of a morphology: its 3-D points and where it connects.
#[derive(Clone, Debug, PartialEq)]
pub struct SectionShape {
    /// The SWC type of its points (1 soma, 2 axon, 3 basal and 4 apical dendrite, ...).
    pub swc_type: i32,
    /// Its points, as a range of [`Geometry::points`].
    pub points: Range<usize>,
    /// The section it connects to (an earlier one), and where on it.
    pub parent: Option<(usize, f64)>,
    /// Where a section joined to its parent by a "wire" logically connects
    /// (`pt3dstyle(1, x, y, z)`): its first point is not where the parent is.
    pub wire_from: Option<[f64; 3]>,
}

/// The sections of a morphology, parents before children, with their 3-D points
/// (`x, y, z, diameter`, µm).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Geometry {
    pub sections: Vec<SectionShape>,
    pub points: Vec<[f64; 4]>,
}

impl Geometry {
    /// Checks what NEURON would fail on half way: parents after their children, positions
    /// outside 0..=1, point ranges outside the points, negative diameters.
    pub fn check(&self) -> Result<()> {
        let invalid = |reason: String| Err(NrnError::InvalidArgument(reason));
        for (index, section) in self.sections.iter().enumerate() {
            if section.points.start > section.points.end || section.points.end > self.points.len() {
                return invalid(format!("section {index} has points outside the geometry"));
            }
            if let Some((parent, x)) = section.parent {
                if parent >= index {
                    return invalid(format!(
                        "section {index} connects to section {parent}, which is not before it"
                    ));
                }
                if !(0.0..=1.0).contains(&x) {
                    return invalid(format!("section {index} connects at x = {x}, not 0 to 1"));
                }
            }
        }
        if let Some(point) = self
            .points
            .iter()
            .find(|point| point.iter().any(|value| !value.is_finite()) || point[3] < 0.0)
        {
            return invalid(format!(
                "the 3-D point {point:?} is not finite or has d < 0"
            ));
        }
        Ok(())
    }
}

impl Neuron {
    /// Gives each of `sections` (one per section of `geometry`, in its order, without 3-D
    /// points or connections yet) its points, and connects it (its 0 end) to its parent.
    ///
    /// # Safety
    /// Every pointer is a live NEURON section that stays live during the call.
    pub unsafe fn shape_sections(
        &'static self,
        geometry: &Geometry,
        sections: &[NonNull<Section>],
    ) -> Result<()> {
        geometry.check()?;
        if sections.len() != geometry.sections.len() {
            return Err(NrnError::InvalidArgument(format!(
                "{} sections for a geometry of {}",
                sections.len(),
                geometry.sections.len()
            )));
        }
        for (shape, section) in geometry.sections.iter().zip(sections) {
            let points = &geometry.points[shape.points.clone()];
            // SAFETY: the caller keeps `section` live; the points are checked (finite, d >= 0).
            unsafe { self.store_points(*section, points, shape.wire_from)? };
            if let Some((parent, x)) = shape.parent {
                // SAFETY: both sections are live (the caller's promise); x is within 0..=1.
                unsafe { self.connect_sections(*section, sections[parent], x)? };
            }
        }
        Ok(())
    }

    /// Builds `geometry` in new sections named by `name` (a standalone program's way; in
    /// Python, Patch makes the sections so that they go when the cell does).
    pub fn build_geometry(
        &'static self,
        geometry: &Geometry,
        name: impl Fn(usize, &SectionShape) -> String,
    ) -> Result<Vec<SectionHandle>> {
        geometry.check()?;
        let handles = geometry
            .sections
            .iter()
            .enumerate()
            .map(|(index, shape)| self.new_section(&name(index, shape)))
            .collect::<Result<Vec<_>>>()?;
        let pointers = handles
            .iter()
            .map(|handle| {
                handle
                    .live_ptr()
                    .map(|pointer| NonNull::new(pointer).expect("live"))
            })
            .collect::<Result<Vec<_>>>()?;
        // SAFETY: the handles hold the sections for the call.
        unsafe { self.shape_sections(geometry, &pointers)? };
        Ok(handles)
    }

    /// Replaces the 3-D points of `section` with `points`.
    ///
    /// # Safety
    /// `section` is a live NEURON section; the points are finite with diameters >= 0.
    unsafe fn store_points(
        &'static self,
        section: NonNull<Section>,
        points: &[[f64; 4]],
        wire_from: Option<[f64; 3]>,
    ) -> Result<()> {
        let count = i32::try_from(points.len())
            .map_err(|_| NrnError::InvalidArgument("too many 3-D points".to_string()))?;
        let Some((clear, store, style)) = self.points_3d else {
            // SAFETY: the caller's promises, passed on.
            return unsafe { self.store_points_through_hoc(section, points, wire_from) };
        };
        // SAFETY: inside the guard; the section is live (the caller's promise), NEURON's
        // functions take any count and finite values, and d >= 0 (checked) is all stor_pt3d
        // refuses.
        self.guarded(|_| unsafe {
            clear(section.as_ptr(), count);
            if let Some([x, y, z]) = wire_from {
                style(section.as_ptr(), x, y, z);
            }
            for [x, y, z, d] in points {
                store(section.as_ptr(), *x, *y, *z, *d);
            }
        })
    }

    /// [`Neuron::store_points`] through HOC's `pt3dclear` and `pt3dadd`, for a NEURON that
    /// does not export its own functions.
    ///
    /// # Safety
    /// As for [`Neuron::store_points`].
    unsafe fn store_points_through_hoc(
        &'static self,
        section: NonNull<Section>,
        points: &[[f64; 4]],
        wire_from: Option<[f64; 3]>,
    ) -> Result<()> {
        // SAFETY: the section is live for the call (the caller's promise).
        let handle = unsafe { SectionHandle::from_borrowed(self, section) };
        self.push_section(&handle)?;
        let stored = (|| {
            self.call_function("pt3dclear", &[])?;
            if let Some([x, y, z]) = wire_from {
                let style = [1.0, x, y, z].map(crate::Arg::Number);
                self.call_function("pt3dstyle", &style)?;
            }
            for [x, y, z, d] in points {
                let point = [*x, *y, *z, *d].map(crate::Arg::Number);
                self.call_function("pt3dadd", &point)?;
            }
            Ok(())
        })();
        self.pop_section()?;
        stored
    }
}
