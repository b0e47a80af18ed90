use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use super::base::PythonHocObject;
use super::registry::wrap;

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

    /// Wraps an `nrn.Segment` of `section`, the Patch section it is known to belong to
    /// (no need to ask NEURON which).
    pub fn of_section<'py>(
        segment: Bound<'py, PyAny>,
        section: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let initializer =
            PyClassInitializer::from(PythonHocObject::new(segment)).add_subclass(Segment {
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
}

#[pymethods]
impl Segment {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<Segment>> {
        Segment::initializer(super::registry::unwrap(&neuron)?)
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
    fn __netcon__<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        slf.as_super()
            .neuron_object(py)?
            .getattr(pyo3::intern!(py, "_ref_v"))
    }

    /// Recording a segment records its membrane potential.
    fn __record__<'py>(slf: PyRef<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        Segment::__netcon__(slf)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.section)
    }

    fn __clear__(&mut self) {
        self.section = None;
    }
}
