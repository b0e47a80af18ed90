//! Building a morphology's sections in NEURON: 3-D points and connections through the C
//! API, one call per section into NEURON's guard, no HOC or Python per section.

use std::ops::Range;
use std::ptr::NonNull;

use crate::ffi::Section;
use crate::{Arg, Neuron, NrnError, ObjectHandle, Result, SectionHandle};

/// Sections with at least this many points get theirs from four Vectors in one
/// `pt3dadd(x, y, z, d)` (NEURON copies them in a loop) instead of one call per point.
const VECTOR_POINTS: usize = 24;

/// NEURON Vectors with the x, y, z and diameters of one section's points, made once and
/// copied into every cell built.
pub struct PointVectors([ObjectHandle; 4]);

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
            if section.points.start > section.points.end
                || section.points.end > self.points.len()
                || section.points.len() > i32::MAX as usize
            {
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
    /// The point Vectors of the long sections of `geometry` (None for the others), for
    /// [`Neuron::shape_sections`].
    pub fn point_vectors(&'static self, geometry: &Geometry) -> Result<Vec<Option<PointVectors>>> {
        geometry
            .sections
            .iter()
            .map(|shape| {
                if shape.points.len() < VECTOR_POINTS {
                    return Ok(None);
                }
                let points = &geometry.points[shape.points.clone()];
                let mut vectors = Vec::with_capacity(4);
                for column in 0..4 {
                    let vector = self.new_object("Vector", &[Arg::Number(points.len() as f64)])?;
                    let target = vector.as_ptr();
                    // SAFETY: a Vector of `points.len()` doubles just made and held by `vector`;
                    // written at once, with no call into NEURON in between.
                    unsafe {
                        let data = (self.api.nrn_vector_data)(target);
                        for (index, point) in points.iter().enumerate() {
                            *data.add(index) = point[column];
                        }
                    }
                    vectors.push(vector);
                }
                let vectors: [ObjectHandle; 4] = vectors.try_into().expect("four Vectors");
                Ok(Some(PointVectors(vectors)))
            })
            .collect()
    }

    /// Gives each of `sections` (one per section of `geometry`, in its order, for one or
    /// more cells one after another, without 3-D points or connections yet) its points,
    /// and connects it (its 0 end) to its parent in the same cell.
    ///
    /// # Safety
    /// Every pointer is a live NEURON section that stays live during the call.
    ///
    /// `vectors` (from [`Neuron::point_vectors`] for this geometry, or empty) speeds up
    /// long sections.
    pub unsafe fn shape_sections(
        &'static self,
        geometry: &Geometry,
        vectors: &[Option<PointVectors>],
        sections: &[NonNull<Section>],
    ) -> Result<()> {
        geometry.check()?;
        let per_cell = geometry.sections.len();
        if per_cell == 0 || !sections.len().is_multiple_of(per_cell) {
            return Err(NrnError::InvalidArgument(format!(
                "{} sections for cells of {per_cell}",
                sections.len(),
            )));
        }
        if !vectors.is_empty() && vectors.len() != per_cell {
            return Err(NrnError::InvalidArgument(
                "point Vectors of another geometry".to_string(),
            ));
        }
        let pt3dadd = self.symbol("pt3dadd")?;
        let Some((clear, store, style)) = self.points_3d else {
            // SAFETY: the caller's promise, passed on.
            return sections
                .chunks(per_cell)
                .try_for_each(|cell| unsafe { self.shape_through_hoc(geometry, cell) });
        };
        // One guarded call for all the cells: the checks above leave NEURON nothing to
        // refuse (finite points, d >= 0, positions 0..=1, parents made before children).
        // SAFETY: inside the guard; every section is live (the caller's promise); a pushed
        // section is popped after pt3dadd, whose four arguments are Vectors held by
        // `vectors` and whose one result is popped.
        self.guarded(|api| unsafe {
            for cell in sections.chunks(per_cell) {
                for (index, (shape, section)) in geometry.sections.iter().zip(cell).enumerate() {
                    let section = section.as_ptr();
                    let points = &geometry.points[shape.points.clone()];
                    clear(section, points.len() as i32);
                    if let Some([x, y, z]) = shape.wire_from {
                        style(section, x, y, z);
                    }
                    if let Some(Some(PointVectors(columns))) = vectors.get(index) {
                        // pt3dadd(x, y, z, d) on the section: four Vectors of its points.
                        (api.nrn_section_push)(section);
                        for column in columns {
                            (api.nrn_object_push)(column.as_ptr());
                        }
                        (api.nrn_function_call)(pt3dadd.0, 4);
                        (api.nrn_double_pop)();
                        (api.nrn_section_pop)();
                    } else {
                        for [x, y, z, d] in points {
                            store(section, *x, *y, *z, *d);
                        }
                    }
                    if let Some((parent, x)) = shape.parent {
                        (api.nrn_section_connect)(section, 0.0, cell[parent].as_ptr(), x);
                    }
                }
            }
        })
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
        unsafe { self.shape_sections(geometry, &[], &pointers)? };
        Ok(handles)
    }

    /// [`Neuron::shape_sections`] through HOC (`pt3dclear`, `pt3dstyle`, `pt3dadd`) and
    /// the C API's connect, for a NEURON that does not export its 3-D point functions.
    ///
    /// # Safety
    /// As for [`Neuron::shape_sections`]; the geometry is checked.
    unsafe fn shape_through_hoc(
        &'static self,
        geometry: &Geometry,
        sections: &[NonNull<Section>],
    ) -> Result<()> {
        for (shape, section) in geometry.sections.iter().zip(sections) {
            // SAFETY: the section is live for the call (the caller's promise).
            let handle = unsafe { SectionHandle::from_borrowed(self, *section) };
            self.push_section(&handle)?;
            let stored = (|| {
                self.call_function("pt3dclear", &[])?;
                if let Some([x, y, z]) = shape.wire_from {
                    self.call_function("pt3dstyle", &[1.0, x, y, z].map(crate::Arg::Number))?;
                }
                for point in &geometry.points[shape.points.clone()] {
                    self.call_function("pt3dadd", &point.map(crate::Arg::Number))?;
                }
                Ok(())
            })();
            self.pop_section()?;
            stored?;
            if let Some((parent, x)) = shape.parent {
                // SAFETY: both sections are live (the caller's promise); x is within 0..=1.
                unsafe { self.connect_sections(*section, sections[parent], x)? };
            }
        }
        Ok(())
    }
}
