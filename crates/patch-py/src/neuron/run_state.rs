//! Whether the current simulation can safely go on. NEURON 9 crashes when it delivers an
//! event to a point process or NetCon that was freed after the event was queued (plain
//! `neuron.h` too); with reference cycles, Python frees Patch's objects whenever its
//! garbage collector runs. Patch pauses the collector during runs, and refuses to continue
//! a run once such an object was freed: initialising again clears NEURON's queue.

use std::sync::atomic::{AtomicBool, Ordering};

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::{warn, PatchResult};
use crate::neuron::exceptions::{HocSectionAccessError, UninitializedError};
use crate::neuron::guards::collect_unreachable;
use crate::neuron::types::neuron_types;

static FREED_SINCE_INITIALISATION: AtomicBool = AtomicBool::new(false);
static EVER_INITIALISED: AtomicBool = AtomicBool::new(false);
static RECORDING_SINCE_INITIALISATION: AtomicBool = AtomicBool::new(false);

/// Called when a wrapper lets go of a point process or NetCon.
pub fn object_with_events_freed() {
    FREED_SINCE_INITIALISATION.store(true, Ordering::Relaxed);
}

/// Called at every `finitialize`: NEURON's queue starts afresh.
pub fn initialised() {
    FREED_SINCE_INITIALISATION.store(false, Ordering::Relaxed);
    RECORDING_SINCE_INITIALISATION.store(false, Ordering::Relaxed);
    EVER_INITIALISED.store(true, Ordering::Relaxed);
}

/// Whether NEURON initialised a simulation since Patch was imported.
pub fn ever_initialised() -> bool {
    EVER_INITIALISED.load(Ordering::Relaxed)
}

/// Whether continuing without initialising again could deliver an event to freed memory.
pub fn continuing_is_unsafe() -> bool {
    FREED_SINCE_INITIALISATION.load(Ordering::Relaxed)
}

/// Called when a recording is made: NEURON fills it only from the next `finitialize` on.
pub fn recording_made() {
    if ever_initialised() {
        RECORDING_SINCE_INITIALISATION.store(true, Ordering::Relaxed);
    }
}

/// Whether a recording was made since the last initialisation (asked once: the answer
/// is forgotten).
pub fn take_late_recording() -> bool {
    RECORDING_SINCE_INITIALISATION.swap(false, Ordering::Relaxed)
}

/// Warns when going on with a simulation gives other results than the user expects: it
/// was never initialised (NEURON starts from t = 0 with unset states), or a recording was
/// made since it was (NEURON fills it only from the next initialisation on).
pub fn warn_before_continuing(py: Python<'_>, call: &str) -> PyResult<()> {
    if !ever_initialised() {
        warn(
            py,
            &format!(
                "p.{call}() before any p.finitialize(): NEURON starts from t = 0 with the \
                 states of no initialisation. Call p.finitialize(v_init) first, or use \
                 p.run(duration), which initialises"
            ),
        )?;
    }
    if take_late_recording() {
        warn(
            py,
            &format!(
                "p.{call}() continues a run, but a recording was made after it was \
                 initialised: NEURON fills a recording only from the next p.finitialize() \
                 (or p.run()) on, so it stays empty now. Make recordings before \
                 initialising"
            ),
        )?;
    }
    Ok(())
}

/// Refuses to simulate with NetCons from or to point processes that lost their section.
fn check_netcon_ends(py: Python<'_>) -> PatchResult<()> {
    let lost = attach(py)?.netcons_with_lost_ends()?;
    if lost == 0 {
        return Ok(());
    }
    Err(HocSectionAccessError::new_err(format!(
        "{lost} NetCon(s) connect point processes without a section (never placed, or \
         their section was deleted with h.delete_section): NEURON would fail or crash \
         simulating. Place those point processes, or drop the NetCons"
    ))
    .into())
}

/// Refuses to continue a run that could deliver an event to a freed object, or that
/// NEURON would fail (or crash) on.
pub fn check_can_continue(py: Python<'_>) -> PyResult<()> {
    // NEURON rebuilds its structure on the next step after sections changed, and fails
    // half way (or crashes) on NetCons that lost an end; only then is it worth a look.
    if attach(py)?.structure_changed() {
        check_netcon_ends(py)?;
    }
    if continuing_is_unsafe() {
        return Err(UninitializedError::new_err(
            "point processes or NetCons of this simulation were freed since it was \
             initialised, and NEURON would deliver their pending events to freed memory: \
             call p.finitialize() (or p.run()) before continuing",
        ));
    }
    Ok(())
}

/// NEURON's `finitialize(v)` (at `v` mV if given), once Patch checked the model and
/// `prepare` ran (the ParallelContext's preparation for `psolve`, when one exists).
pub fn initialise(
    py: Python<'_>,
    v: Option<f64>,
    prepare: impl FnOnce() -> PyResult<()>,
) -> PyResult<()> {
    if let Some(v) = v.filter(|v| !v.is_finite()) {
        return Err(PyValueError::new_err(format!(
            "the initial membrane potential must be a finite number of mV, got {v}"
        )));
    }
    // What the user let go of must not take part (plain NEURON freed it already).
    collect_unreachable(py)?;
    check_netcon_ends(py)?;
    prepare()?;
    let h = neuron_types(py)?.h.bind(py);
    neuron_call(py, || match v {
        Some(v) => h.call_method1("finitialize", (v,)),
        None => h.call_method0("finitialize"),
    })?;
    Ok(())
}
