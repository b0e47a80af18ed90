//! NEURON records a spike source into one Vector: every NetCon from the same place shares
//! one spike detector, and recording it through a second NetCon silently stops the first
//! Vector. Patch hands every NetCon of a source the same Vector instead.

use std::sync::Mutex;

use pyo3::prelude::*;
use pyo3::types::{PyWeakrefMethods, PyWeakrefReference};
use rustc_hash::FxHashMap;

use super::registry::wrap;

/// A spike detector: its NEURON source (object, or section) and, for a section, the
/// position.
pub type Detector = (isize, u64);

/// The Vector a detector records into, valid while its source's Patch wrapper is the one
/// that was alive when it started (a later object at a reused address is another source).
struct Recording {
    source: Py<PyWeakrefReference>,
    vector: Py<PyWeakrefReference>,
}

static RECORDINGS: Mutex<Option<FxHashMap<Detector, Recording>>> = Mutex::new(None);

/// The detector of a NEURON NetCon, with the Patch wrapper of its source.
pub fn detector<'py>(
    netcon: &Bound<'py, PyAny>,
) -> PyResult<Option<(Detector, Bound<'py, PyAny>)>> {
    let py = netcon.py();
    let pre = netcon.call_method0(pyo3::intern!(py, "pre"))?;
    if !pre.is_none() {
        return Ok(Some(((pre.hash()?, u64::MAX), wrap(pre)?)));
    }
    let segment = netcon.call_method0(pyo3::intern!(py, "preseg"))?;
    if segment.is_none() {
        return Ok(None);
    }
    let section = segment.getattr(pyo3::intern!(py, "sec"))?;
    let x: f64 = segment.getattr(pyo3::intern!(py, "x"))?.extract()?;
    Ok(Some(((section.hash()?, x.to_bits()), wrap(section)?)))
}

/// The Vector the source of `netcon` (a NEURON NetCon) already records into, if any.
pub fn existing<'py>(netcon: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = netcon.py();
    let Some((key, source)) = detector(netcon)? else {
        return Ok(None);
    };
    let recordings = RECORDINGS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let Some(recording) = recordings.as_ref().and_then(|known| known.get(&key)) else {
        return Ok(None);
    };
    let same_source = recording
        .source
        .bind(py)
        .upgrade()
        .is_some_and(|known| known.is(&source));
    Ok(same_source
        .then(|| recording.vector.bind(py).upgrade())
        .flatten())
}

/// Remembers that the source of `netcon` records into `vector`.
pub fn remember(netcon: &Bound<'_, PyAny>, vector: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = netcon.py();
    let Some((key, source)) = detector(netcon)? else {
        return Ok(());
    };
    let recording = Recording {
        source: PyWeakrefReference::new(&source)?.unbind(),
        vector: PyWeakrefReference::new(vector)?.unbind(),
    };
    let mut recordings = RECORDINGS
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let known = recordings.get_or_insert_with(FxHashMap::default);
    // Recordings of sources that are gone are dropped now and then.
    if known.len() >= 1024 && known.len().is_power_of_two() {
        known.retain(|_, old| {
            old.source.bind(py).upgrade().is_some() && old.vector.bind(py).upgrade().is_some()
        });
    }
    known.insert(key, recording);
    Ok(())
}
