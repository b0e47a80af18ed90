//! NEURON's section stack, with a record of what Patch pushed so a wrong pop is an error
//! instead of silently popping someone else's section.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::{PyTraverseError, PyVisit};

use crate::neuron::exceptions::HocSectionAccessError;
use crate::neuron::types::neuron_types;
use crate::objects::registry::wrap;

/// Hashes (addresses) of the sections Patch pushed, top last.
static PUSHED: Mutex<Vec<isize>> = Mutex::new(Vec::new());

fn pushed() -> std::sync::MutexGuard<'static, Vec<isize>> {
    PUSHED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Returned by `Section.push()`: the section is pushed already; leaving a `with` block
/// pops it.
#[pyclass(module = "patch.objects")]
pub struct PushedSection {
    section: Option<Py<PyAny>>,
    neuron_section: Option<Py<PyAny>>,
}

pub fn push<'py>(
    section: &Bound<'py, PyAny>,
    neuron_section: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PushedSection>> {
    neuron_section.call_method0(pyo3::intern!(section.py(), "push"))?;
    pushed().push(neuron_section.hash()?);
    Bound::new(
        section.py(),
        PushedSection {
            section: Some(section.clone().unbind()),
            neuron_section: Some(neuron_section.clone().unbind()),
        },
    )
}

pub fn pop(neuron_section: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = neuron_section.py();
    let key = neuron_section.hash()?;
    let on_top = pushed().last() == Some(&key);
    if !on_top {
        let name = neuron_section.str()?;
        return Err(HocSectionAccessError::new_err(format!(
            "cannot pop section '{name}': it is not on top of the section stack (pop sections \
             in the reverse order of pushing them)"
        )));
    }
    // No lock held while NEURON pops: it may call back into Patch.
    neuron_types(py)?.h.bind(py).call_method0("pop_section")?;
    pushed().pop();
    Ok(())
}

#[pymethods]
impl PushedSection {
    fn __enter__<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.section
            .as_ref()
            .map(|section| section.bind(py).clone())
    }

    #[pyo3(signature = (*_exc))]
    fn __exit__(&self, py: Python<'_>, _exc: &Bound<'_, pyo3::types::PyTuple>) -> PyResult<bool> {
        if let Some(section) = &self.neuron_section {
            pop(section.bind(py))?;
        }
        Ok(false)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.section)?;
        visit.call(&self.neuron_section)
    }

    fn __clear__(&mut self) {
        self.section = None;
        self.neuron_section = None;
    }
}

/// The section NEURON currently accesses, or a `HocSectionAccessError` saying how to
/// get one.
pub fn accessed_section(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let h = neuron_types(py)?.h.bind(py);
    match h.call_method0("cas") {
        Ok(section) => wrap(section),
        Err(_) => Err(HocSectionAccessError::new_err(
            "no section is accessed: create a Section first, or pass the section to use",
        )),
    }
}
