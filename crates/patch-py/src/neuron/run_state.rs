//! Whether the current simulation can safely go on. NEURON 9 crashes when it delivers an
//! event to a point process or NetCon that was freed after the event was queued (plain
//! `neuron.h` too); with reference cycles, Python frees Patch's objects whenever its
//! garbage collector runs. Patch pauses the collector during runs, and refuses to continue
//! a run once such an object was freed: initialising again clears NEURON's queue.

use std::sync::atomic::{AtomicBool, Ordering};

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
