//! NetCons that call Python on each spike (`netcon.record(function)`), remembered so the
//! check before a CoreNEURON run can name them: CoreNEURON never calls them.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};

/// Weak references to the Patch NetCons given a function to call.
static CALLING_PYTHON: Mutex<Vec<Py<PyWeakrefReference>>> = Mutex::new(Vec::new());

/// Remembers that `netcon` (a Patch NetCon) calls Python.
pub fn remember(netcon: &Bound<'_, PyAny>) -> PyResult<()> {
    let reference = PyWeakrefReference::new(netcon)?.unbind();
    CALLING_PYTHON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .push(reference);
    Ok(())
}

/// The NetCons still alive that call Python; the dead are forgotten.
pub fn netcons_calling_python(py: Python<'_>) -> Vec<Bound<'_, PyAny>> {
    // Taken out of the lock: dropping a reference may run Python.
    let mut known = std::mem::take(
        &mut *CALLING_PYTHON
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner),
    );
    known.retain(|reference| reference.bind(py).upgrade().is_some());
    let alive = known
        .iter()
        .filter_map(|reference| reference.bind(py).upgrade())
        .collect();
    CALLING_PYTHON
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .extend(known);
    alive
}
