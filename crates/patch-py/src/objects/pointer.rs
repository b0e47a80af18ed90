//! Pointers (`segment._ref_v`, `synapse._ref_i`) that keep what they point into alive.
//! NEURON's pointer is only a number's address: a Vector recording it, or a NetCon
//! watching it, would go silent once Python freed the section. Patch's pointer holds the
//! Patch object it came from, so whatever uses the pointer keeps the section.

use pyo3::prelude::*;

use super::base::PythonHocObject;
use super::segment::Segment;

/// A NEURON pointer (`_ref_` attribute) that keeps the object it points into alive;
/// NEURON gets the pointer itself (`__neuron__()`).
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct Pointer {}

impl Pointer {
    /// `pointer`, a NEURON pointer into `owner` (a Patch object), as a Patch pointer.
    pub fn into_owner<'py>(
        owner: &Bound<'py, PyAny>,
        pointer: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let mut base = PythonHocObject::new(pointer);
        base.keep(owner);
        Ok(Bound::new(
            owner.py(),
            PyClassInitializer::from(base).add_subclass(Pointer {}),
        )?
        .into_any())
    }

    /// The Patch section a pointer into a segment or section belongs to, if `pointer` is
    /// a Patch pointer into one.
    pub fn section_of<'py>(pointer: &Bound<'py, PyAny>) -> Option<Bound<'py, PyAny>> {
        let pointer = pointer.cast::<Pointer>().ok()?;
        let owner = pointer.as_super().borrow().first_reference(pointer.py())?;
        if owner.is_instance_of::<super::section::Section>() {
            return Some(owner);
        }
        owner.cast::<Segment>().ok()?.borrow().section(pointer.py())
    }
}

#[pymethods]
impl Pointer {
    /// The Patch object this points into (a segment, section or point process).
    #[getter]
    fn owner(slf: PyRef<'_, Self>) -> Option<Bound<'_, PyAny>> {
        slf.as_super().first_reference(slf.py())
    }
}
