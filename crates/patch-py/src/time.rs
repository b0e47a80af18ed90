//! `p.time`: one Vector of the simulation's time points, recording from the first
//! initialisation on. Recording `t` needs a section to exist, so the recording starts at
//! the first `finitialize` after one does, through an FInitializeHandler.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::objects::neuron_types::neuron_types;
use crate::objects::registry::{unwrap, wrap};

struct Time {
    vector: Py<PyAny>,
    /// Keeps NEURON calling [`start_recording_time`] at every initialisation.
    _handler: Py<PyAny>,
}

static TIME: PyOnceLock<Time> = PyOnceLock::new();
static RECORDING: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// Creates the time Vector and its initialisation hook, once per process.
pub fn time_vector(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    let time = TIME.get_or_try_init(py, || {
        let h = neuron_types(py)?.h.bind(py);
        let vector = wrap(h.call_method0("Vector")?)?.unbind();
        let hook = wrap_pyfunction!(start_recording_time, py)?;
        // Type 3 runs first thing in finitialize, before recordings are initialised.
        let handler = h.call_method1("FInitializeHandler", (3, hook))?.unbind();
        Ok::<_, PyErr>(Time {
            vector,
            _handler: handler,
        })
    })?;
    Ok(time.vector.bind(py).clone())
}

/// Starts recording `t` into the time Vector, once a section exists.
#[pyfunction]
fn start_recording_time(py: Python<'_>) -> PyResult<()> {
    use std::sync::atomic::Ordering;
    if RECORDING.load(Ordering::Relaxed) {
        return Ok(());
    }
    let Some(time) = TIME.get(py) else {
        return Ok(());
    };
    let h = neuron_types(py)?.h.bind(py);
    let Some(section) = h.call_method0("allsec")?.try_iter()?.next().transpose()? else {
        return Ok(());
    };
    let kwargs = PyDict::new(py);
    kwargs.set_item("sec", section)?;
    unwrap(time.vector.bind(py))?
        .getattr("record")?
        .call((h.getattr("_ref_t")?,), Some(&kwargs))?;
    RECORDING.store(true, Ordering::Relaxed);
    Ok(())
}
