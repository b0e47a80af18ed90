//! Segments and the mechanisms on them. Both start as a recipe (a section and `x`) and
//! read and write one-number range variables (`seg.v`, `seg.g_pas`, `seg.pas.g`) through
//! the Rust core; NEURON's Python objects are made only for anything else.

use std::ptr::NonNull;

use pyo3::prelude::*;
use pyo3::types::PyString;
use pyo3::{PyTraverseError, PyVisit};

use nrn::{Neuron, SegmentName};

use super::base::{class_attribute, generic_attribute, PythonHocObject};
use super::neuron_ref::Recipe;
use super::registry::wrap;
use crate::neuron::handles::live_section_pointer;
use crate::objects::protocol::unwrap;

/// Where a segment is: NEURON's section (valid while the segment lives) and `x`.
#[derive(Clone, Copy)]
pub struct Place {
    pub section: NonNull<nrn::ffi::Section>,
    pub x: f64,
}

/// A segment: the point `x` of a section. Equal to (and hashing like) every other
/// segment at the same place, as in NEURON.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct Segment {
    section: Option<Py<PyAny>>,
}

impl Segment {
    /// Wraps an `nrn.Segment`, holding on to the Patch wrapper of its section.
    pub fn wrap(segment: Bound<'_, PyAny>) -> PyResult<Bound<'_, PyAny>> {
        let py = segment.py();
        Ok(Bound::new(py, Segment::initializer(segment)?)?.into_any())
    }

    /// The segment at `x` of `section`, a Patch section whose NEURON section is
    /// `neuron_section`; NEURON's Python object for the segment is made when needed.
    pub fn at<'py>(
        section: &Bound<'py, PyAny>,
        neuron_section: Bound<'py, PyAny>,
        x: f64,
    ) -> PyResult<Bound<'py, PyAny>> {
        let recipe = Recipe::Segment {
            section: neuron_section.unbind(),
            x,
        };
        let initializer = PyClassInitializer::from(PythonHocObject::of_recipe(recipe))
            .add_subclass(Segment {
                section: Some(section.clone().unbind()),
            });
        Ok(Bound::new(section.py(), initializer)?.into_any())
    }

    fn initializer(segment: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Segment>> {
        let section = wrap(segment.getattr(pyo3::intern!(segment.py(), "sec"))?)?;
        Ok(
            PyClassInitializer::from(PythonHocObject::new(segment)).add_subclass(Segment {
                section: Some(section.unbind()),
            }),
        )
    }

    /// NEURON's section and `x`, while NEURON's Python object for this segment is not made
    /// (after that, `x` may have been changed through it).
    fn place(slf: &Bound<'_, Self>) -> PyResult<Option<Place>> {
        let py = slf.py();
        let found = slf.as_super().borrow().with_recipe(|recipe| match recipe {
            Recipe::Segment { section, x } => Some(
                live_section_pointer(section.bind(py))
                    .map(|pointer| pointer.map(|section| Place { section, x: *x })),
            ),
            Recipe::Attribute { .. } => None,
        });
        Ok(found.flatten().transpose()?.flatten())
    }
}

/// The place of `segment` if it is a Patch segment whose NEURON object is not made yet,
/// and its Patch section.
pub fn segment_place<'py>(
    segment: &Bound<'py, PyAny>,
) -> PyResult<Option<(Place, Bound<'py, PyAny>)>> {
    let Ok(segment) = segment.cast_exact::<Segment>() else {
        return Ok(None);
    };
    let Some(section) = segment.borrow().section(segment.py()) else {
        return Ok(None);
    };
    Ok(Segment::place(segment)?.map(|place| (place, section)))
}

/// NEURON, for the fast paths (none in a process that did not attach it).
pub fn neuron() -> Option<&'static Neuron> {
    // SAFETY: only called with the GIL held (from methods of pyclasses), which
    // serialises Patch's calls into NEURON.
    unsafe { Neuron::get_serialized() }
}

/// A plain number as NEURON's Python would take it (anything else goes to NEURON).
fn plain_number(value: &Bound<'_, PyAny>) -> Option<f64> {
    let exact = value.is_exact_instance_of::<pyo3::types::PyFloat>()
        || value.is_exact_instance_of::<pyo3::types::PyInt>();
    exact.then(|| value.extract().ok()).flatten()
}

#[pymethods]
impl Segment {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Segment>> {
        Segment::initializer(unwrap(&neuron)?)
    }

    /// Patch's own attributes first; then range variables and mechanisms through the Rust
    /// core; everything else as `PythonHocObject` answers it.
    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if !slf.is_exact_instance_of::<Segment>() {
            return generic_attribute(slf.as_any(), name);
        }
        if let Some(found) = class_attribute(slf.as_any(), name)? {
            return Ok(found);
        }
        if let (Some(neuron), Some(place)) = (neuron(), Segment::place(slf)?) {
            match neuron.segment_name(name.to_str()?) {
                SegmentName::Variable(variable) => {
                    if let Some(value) =
                        // SAFETY: the segment's recipe holds NEURON's section object, which
                        // keeps the section alive for the call.
                        unsafe { neuron.segment_value(place.section, place.x, variable) }
                    {
                        return Ok(value.into_pyobject(py)?.into_any());
                    }
                }
                SegmentName::Mechanism(mechanism) => {
                    // SAFETY: as above.
                    if unsafe { neuron.has_mechanism(place.section, place.x, mechanism) } {
                        return Mechanism::on(slf, name);
                    }
                }
                SegmentName::Other => {}
            }
        }
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    /// What Python's own lookup does not find, as `PythonHocObject` answers it.
    fn __getattr__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    fn __setattr__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if let (Some(neuron), Some(number)) = (neuron(), plain_number(value)) {
            if let SegmentName::Variable(variable) = neuron.segment_name(name.to_str()?) {
                if let Some(place) = Segment::place(slf)? {
                    // SAFETY: the segment's recipe holds NEURON's section object.
                    if unsafe { neuron.set_segment_value(place.section, place.x, variable, number) }
                    {
                        return Ok(());
                    }
                }
            }
        }
        PythonHocObject::__setattr__(slf.as_super(), name, value)
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        PythonHocObject::__delattr__(slf.as_super(), name)
    }

    /// The Patch section this segment belongs to.
    #[getter]
    pub fn section<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.section
            .as_ref()
            .map(|section| section.bind(py).clone())
    }

    #[getter]
    fn sec<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.section(py)
    }

    /// A segment used as a NetCon source means its membrane potential.
    fn __netcon__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        let py = slf.py();
        slf.as_super()
            .neuron_object(py)?
            .getattr(pyo3::intern!(py, "_ref_v"))
    }

    /// Recording a segment records its membrane potential.
    fn __record__(slf: PyRef<'_, Self>) -> PyResult<Bound<'_, PyAny>> {
        Segment::__netcon__(slf)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.section)
    }

    fn __clear__(&mut self) {
        self.section = None;
    }
}

/// A density mechanism at a segment (`seg.hh`): its one-number variables (`seg.hh.gnabar`)
/// are read and written through the Rust core; everything else (`name()`, iteration,
/// `_ref_` pointers) through NEURON's `nrn.Mechanism`, made when first needed.
#[pyclass(module = "patch.objects", extends = PythonHocObject)]
pub struct Mechanism {
    segment: Option<Py<Segment>>,
    name: Option<Py<PyString>>,
}

impl Mechanism {
    fn on<'py>(
        segment: &Bound<'py, Segment>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let recipe = Recipe::Attribute {
            of: segment.clone().into_any().unbind(),
            name: name.clone().unbind(),
        };
        let initializer = PyClassInitializer::from(PythonHocObject::of_recipe(recipe))
            .add_subclass(Mechanism {
                segment: Some(segment.clone().unbind()),
                name: Some(name.clone().unbind()),
            });
        Ok(Bound::new(segment.py(), initializer)?.into_any())
    }

    /// Where this mechanism's variable `variable` is, for the fast path.
    fn variable_place(
        slf: &Bound<'_, Self>,
        variable: &Bound<'_, PyString>,
    ) -> PyResult<Option<(Place, nrn::RangeVariable)>> {
        let py = slf.py();
        let this = slf.borrow();
        let (Some(neuron), Some(segment), Some(name)) = (neuron(), &this.segment, &this.name)
        else {
            return Ok(None);
        };
        let Some(variable) = neuron.mechanism_variable(name.bind(py).to_str()?, variable.to_str()?)
        else {
            return Ok(None);
        };
        let place = Segment::place(segment.bind(py))?;
        Ok(place.map(|place| (place, variable)))
    }
}

#[pymethods]
impl Mechanism {
    fn __getattribute__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        if let Some(found) = class_attribute(slf.as_any(), name)? {
            return Ok(found);
        }
        if let (Some(neuron), Some((place, variable))) =
            (neuron(), Mechanism::variable_place(slf, name)?)
        {
            // SAFETY: the segment's recipe holds NEURON's section object.
            if let Some(value) = unsafe { neuron.segment_value(place.section, place.x, variable) } {
                return Ok(value.into_pyobject(py)?.into_any());
            }
        }
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    /// What Python's own lookup does not find, as `PythonHocObject` answers it.
    fn __getattr__<'py>(
        slf: &Bound<'py, Self>,
        name: &Bound<'py, PyString>,
    ) -> PyResult<Bound<'py, PyAny>> {
        PythonHocObject::__getattr__(slf.as_super(), name)
    }

    /// Variables are set in NEURON; names NEURON's mechanism does not have are refused
    /// as NEURON refuses them (a mechanism on a segment is a view, not a place for yours).
    fn __setattr__(
        slf: &Bound<'_, Self>,
        name: &Bound<'_, PyString>,
        value: &Bound<'_, PyAny>,
    ) -> PyResult<()> {
        if let (Some(neuron), Some(number)) = (neuron(), plain_number(value)) {
            if let Some((place, variable)) = Mechanism::variable_place(slf, name)? {
                // SAFETY: the segment's recipe holds NEURON's section object.
                if unsafe { neuron.set_segment_value(place.section, place.x, variable, number) } {
                    return Ok(());
                }
            }
        }
        let neuron = slf.as_super().borrow().neuron_object(slf.py())?;
        match neuron.setattr(name, unwrap(value)?) {
            Err(error) if error.is_instance_of::<pyo3::exceptions::PyAttributeError>(slf.py()) => {
                let mechanism = neuron.str()?.to_string();
                Err(super::base::unknown_attribute(&mechanism, &neuron, name))
            }
            result => result,
        }
    }

    fn __delattr__(slf: &Bound<'_, Self>, name: &Bound<'_, PyString>) -> PyResult<()> {
        let neuron = slf.as_super().borrow().neuron_object(slf.py())?;
        neuron.delattr(name)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.segment)?;
        visit.call(&self.name)
    }

    fn __clear__(&mut self) {
        self.segment = None;
        self.name = None;
    }
}
