//! The SectionRef class: NEURON's SectionRef, handing out Patch sections.

use pyo3::prelude::*;

use super::base::PythonHocObject;
use super::registry::wrap;
use crate::objects::protocol::unwrap;

/// NEURON's SectionRef, handing out Patch sections.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct SectionRef {}

fn neuron_ref<'py>(slf: &Bound<'py, SectionRef>) -> PyResult<Bound<'py, PyAny>> {
    unwrap(slf.as_any())
}

#[pymethods]
impl SectionRef {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<SectionRef>> {
        Ok(
            PyClassInitializer::from(PythonHocObject::new(unwrap(&neuron)?))
                .add_subclass(SectionRef {}),
        )
    }

    /// The referenced section.
    #[getter]
    fn sec<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        wrap(neuron_ref(slf)?.getattr("sec")?)
    }

    #[getter]
    fn section<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyAny>> {
        SectionRef::sec(slf)
    }

    /// The child sections, as a list.
    #[getter]
    fn child<'py>(slf: &Bound<'py, Self>) -> PyResult<Vec<Bound<'py, PyAny>>> {
        let neuron = neuron_ref(slf)?;
        let count = neuron.call_method0("nchild")?.extract::<f64>()? as usize;
        let children = neuron.getattr("child")?;
        (0..count)
            .map(|index| wrap(children.get_item(index)?))
            .collect()
    }

    /// The parent section, or None.
    #[getter]
    fn parent<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let neuron = neuron_ref(slf)?;
        if neuron.call_method0("has_parent")?.extract::<f64>()? == 0.0 {
            return Ok(None);
        }
        Ok(Some(wrap(neuron.getattr("parent")?)?))
    }
}
