//! `p.time`: one Vector of the simulation's time points, recording from the first
//! initialisation on. Recording `t` needs a section, and stops when that section is
//! deleted, so an FInitializeHandler (re)starts it at every `finitialize` with any section
//! that exists then.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyDict;

use crate::neuron::run_state::initialised;
use crate::neuron::types::neuron_types;
use crate::objects::protocol::unwrap;
use crate::objects::registry::wrap;

struct Time {
    vector: Py<PyAny>,
    /// Keeps NEURON calling [`start_recording_time`] at every initialisation.
    _handler: Py<PyAny>,
}

static TIME: PyOnceLock<Time> = PyOnceLock::new();

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

/// Records `t` into the time Vector from this initialisation on, if a section exists.
/// Also marks the start of a fresh simulation (see `run_state`).
#[pyfunction]
fn start_recording_time(py: Python<'_>) -> PyResult<()> {
    initialised();
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
    Ok(())
}
