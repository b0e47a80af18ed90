//! The NetCon class: a connection that keeps both ends alive and remembers them. Making
//! one (its sources, targets and settings) is in `wiring`.

pub mod callbacks;
pub mod wiring;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;
use pyo3::{PyTraverseError, PyVisit};

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call_as;
use crate::neuron::errors::warn;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::{HocRecordError, ParallelConnectError};
use crate::neuron::types::{neuron_kind, neuron_types, NeuronKind};
use crate::objects::base::PythonHocObject;
use crate::objects::protocol::{call_unwrapped, object_handle, unwrap};
use crate::objects::registry::wrap;

/// nrn-patch's defaults, which make a connection do something out of the box: for
/// Patch's spelling (a section, segment or point process as source).
pub const DEFAULT_WEIGHT: f64 = 0.1;
pub const DEFAULT_DELAY: f64 = 1.0;
pub const DEFAULT_THRESHOLD: f64 = -20.0;

/// NEURON's defaults, for NEURON's spelling (a `_ref_` pointer as source, or positional
/// threshold, delay, weight): NEURON code through Patch gives NEURON's results.
pub(super) const NEURON_WEIGHT: f64 = 0.0;
pub(super) const NEURON_DELAY: f64 = 1.0;
pub(super) const NEURON_THRESHOLD: f64 = 10.0;

/// A NEURON NetCon that holds on to its source and target.
#[pyclass(module = "patch.objects", extends = PythonHocObject, subclass)]
pub struct NetCon {
    source: Option<Py<PyAny>>,
    target: Option<Py<PyAny>>,
    spikes: Option<Py<PyAny>>,
    /// The GID this NetCon transmits or receives (`ParallelCon`), or -1.
    gid: i64,
    /// Made by `gid_connect`: its threshold is the sender's (nrn#2135).
    received: bool,
}

impl NetCon {
    /// Stops delivering (NEURON's `active(0)`), and lets its ends and itself go of each
    /// other: what `PointProcess.remove` does to the NetCons of what it removes.
    pub fn stop(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        unwrap(slf.as_any())?.call_method1(pyo3::intern!(py, "active"), (0,))?;
        let ends = {
            let mut netcon = slf.borrow_mut();
            [netcon.source.take(), netcon.target.take()]
        };
        for end in ends.into_iter().flatten() {
            if let Ok(end) = end.bind(py).cast::<PythonHocObject>() {
                end.borrow_mut().__deref__(slf.as_any());
            }
        }
        slf.as_super().borrow_mut().forget_references();
        Ok(())
    }

    /// What the repr and the HTML form show.
    fn parts(slf: &Bound<'_, Self>) -> PyResult<super::display::NetConParts> {
        let py = slf.py();
        let gid = slf.borrow().gid;
        let source = match NetCon::source(slf)? {
            Some(source) => source.str()?.to_string(),
            None if gid >= 0 => format!("GID {gid}"),
            None => "no source".to_string(),
        };
        let target = match NetCon::target(slf)? {
            Some(target) => target.str()?.to_string(),
            None => "no target (a spike detector)".to_string(),
        };
        let weight: f64 = unwrap(slf.as_any())?
            .getattr(pyo3::intern!(py, "weight"))?
            .get_item(0)?
            .extract()?;
        let mut numbers = vec![
            format!("weight {weight}"),
            format!("delay {} ms", NetCon::delay(slf)?),
        ];
        // A NetCon without a source of its own has no threshold to read.
        if source != "no source" && !slf.borrow().received {
            if let Ok(threshold) = NetCon::threshold(slf) {
                numbers.push(format!("threshold {threshold} mV"));
            }
        }
        Ok(super::display::NetConParts {
            source,
            target,
            numbers,
        })
    }
    pub fn of_handle(handle: nrn::ObjectHandle) -> PyClassInitializer<NetCon> {
        PyClassInitializer::from(PythonHocObject::of_handle(handle))
            .add_subclass(NetCon::unconnected())
    }

    fn unconnected() -> NetCon {
        NetCon {
            source: None,
            target: None,
            spikes: None,
            gid: -1,
            received: false,
        }
    }

    fn given_source<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.source.as_ref().map(|source| source.bind(py).clone())
    }

    fn given_target<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyAny>> {
        self.target.as_ref().map(|target| target.bind(py).clone())
    }

    /// Marks a NetCon that receives the spikes of `gid`.
    pub fn mark_received(&mut self, gid: i64, target: &Bound<'_, PyAny>) {
        self.received = true;
        self.gid = gid;
        self.target = Some(target.clone().unbind());
    }

    /// Marks a NetCon that transmits its source's spikes as `gid`.
    pub fn mark_transmitting(&mut self, gid: i64) {
        self.gid = gid;
    }
}

#[pymethods]
impl NetCon {
    #[new]
    fn py_new(neuron: Bound<'_, PyAny>) -> PyResult<PyClassInitializer<NetCon>> {
        Ok(
            PyClassInitializer::from(PythonHocObject::with_events(unwrap(&neuron)?))
                .add_subclass(NetCon::unconnected()),
        )
    }

    /// Records the spike times of the source: into `vector`, or into a Vector made on the
    /// first call and returned again on later ones, and by every NetCon of the same source
    /// (NEURON records a source into one Vector). NEURON's `record(times, ids, id)` (and
    /// its other forms) pass through to NEURON.
    #[pyo3(signature = (vector = None, *args))]
    fn record<'py>(
        slf: &Bound<'py, Self>,
        vector: Option<Bound<'py, PyAny>>,
        args: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let neuron = unwrap(slf.as_any())?;
        if !args.is_empty() {
            let record = neuron.getattr(pyo3::intern!(py, "record"))?;
            let mut all = vec![vector.unwrap_or_else(|| py.None().into_bound(py))];
            all.extend(args.iter());
            return call_unwrapped(&record, &PyTuple::new(py, all)?, None);
        }
        if vector.is_none() {
            if let Some(spikes) = &slf.borrow().spikes {
                return Ok(spikes.bind(py).clone());
            }
        }
        if let Some(function) = vector.as_ref().filter(|given| is_python_function(given)) {
            neuron_call_as::<HocRecordError, _>(py, || neuron.call_method1("record", (function,)))?;
            callbacks::remember(slf.as_any())?;
            return Ok(function.clone());
        }
        let vector = match (vector, super::spike_recordings::existing(&neuron)?) {
            (None, Some(shared)) => shared,
            (None, None) => wrap(neuron_types(py)?.h.bind(py).call_method0("Vector")?)?,
            (Some(vector), shared) => {
                let vector = wrap(vector)?;
                if shared.is_some_and(|shared| !shared.is(&vector)) {
                    let message = "this NetCon's source is already recorded into another \
                                   Vector (through another NetCon); NEURON records a source \
                                   into one Vector, so that one stops recording";
                    warn(py, message)?;
                }
                vector
            }
        };
        let target = unwrap(&vector)?;
        neuron_call_as::<HocRecordError, _>(py, || neuron.call_method1("record", (target,)))?;
        super::spike_recordings::remember(&neuron, &vector)?;
        slf.borrow_mut().spikes = Some(vector.clone().unbind());
        Ok(vector)
    }

    /// The GID this NetCon transmits or receives (made by `ParallelCon`), else None.
    #[getter]
    fn gid(&self) -> Option<i64> {
        (self.gid >= 0).then_some(self.gid)
    }

    /// The source's spike threshold (mV).
    #[getter]
    fn threshold(slf: &Bound<'_, Self>) -> PatchResult<f64> {
        core_number(slf, "threshold")
    }

    /// On a NetCon that receives a GID's spikes, only the value the GID already has is
    /// accepted: any other would change the sender's threshold on its rank (nrn#2135).
    #[setter]
    fn set_threshold(slf: &Bound<'_, Self>, threshold: f64) -> PatchResult<()> {
        if slf.borrow().received {
            return Ok(check_received_threshold(slf, threshold)?);
        }
        set_core_number(slf, "threshold", threshold)
    }

    /// The value of the source variable (mV for a membrane potential).
    #[getter]
    fn x(slf: &Bound<'_, Self>) -> PatchResult<f64> {
        core_number(slf, "x")
    }

    #[setter]
    fn set_x(slf: &Bound<'_, Self>, value: f64) -> PatchResult<()> {
        set_core_number(slf, "x", value)
    }

    /// The delay (ms) from the source's spike to the delivery of the event.
    #[getter]
    fn delay(slf: &Bound<'_, Self>) -> PatchResult<f64> {
        core_number(slf, "delay")
    }

    /// Refused when negative or not finite (NEURON would take it and deliver wrongly).
    #[setter]
    fn set_delay(slf: &Bound<'_, Self>, delay: f64) -> PatchResult<()> {
        if !(delay.is_finite() && delay >= 0.0) {
            return Err(PyValueError::new_err(format!(
                "a NetCon delay is a number of ms from 0 up, got {delay}"
            ))
            .into());
        }
        set_core_number(slf, "delay", delay)
    }

    /// What this NetCon connects from: the source as given (wrapped); for a NetCon made
    /// in bulk, what NEURON says (the point process, or the section of a voltage source).
    #[getter]
    fn source<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = slf.py();
        if let Some(source) = slf.borrow().given_source(py) {
            return Ok(Some(source));
        }
        if slf.borrow().received {
            return Ok(None); // the source is a GID, perhaps on another rank
        }
        let neuron = unwrap(slf.as_any())?;
        let pre = neuron.call_method0(pyo3::intern!(py, "pre"))?;
        if !pre.is_none() {
            return Ok(Some(wrap(pre)?));
        }
        let segment = neuron.call_method0(pyo3::intern!(py, "preseg"))?;
        if segment.is_none() {
            return Ok(None);
        }
        Ok(Some(wrap(segment.getattr(pyo3::intern!(py, "sec"))?)?))
    }

    /// What this NetCon delivers to: the target as given (wrapped), or NEURON's.
    #[getter]
    fn target<'py>(slf: &Bound<'py, Self>) -> PyResult<Option<Bound<'py, PyAny>>> {
        let py = slf.py();
        if let Some(target) = slf.borrow().given_target(py) {
            return Ok(Some(target));
        }
        let target = unwrap(slf.as_any())?.call_method0(pyo3::intern!(py, "syn"))?;
        (!target.is_none()).then(|| wrap(target)).transpose()
    }

    /// `<patch NetCon soma(0.5) → ExpSyn[0]: weight 0.05, delay 1 ms, threshold 10 mV>`.
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(NetCon::parts(slf)?.repr())
    }

    fn _repr_html_(slf: &Bound<'_, Self>) -> PyResult<String> {
        Ok(NetCon::parts(slf)?.html())
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.source)?;
        visit.call(&self.target)?;
        visit.call(&self.spikes)
    }

    fn __clear__(&mut self) {
        self.source = None;
        self.target = None;
        self.spikes = None;
    }
}

/// A receiving NetCon's threshold is the sending GID's: setting the same value is a no-op,
/// another is refused (it would change the sender's threshold, nrn#2135).
pub fn check_received_threshold(netcon: &Bound<'_, NetCon>, threshold: f64) -> PyResult<()> {
    let current = core_number(netcon, "threshold")?;
    if current == threshold {
        return Ok(());
    }
    let gid = netcon.borrow().gid;
    Err(ParallelConnectError::new_err(format!(
        "this NetCon receives the spikes of GID {gid}, whose threshold is {current} mV here: \
         a receiver cannot change it (NEURON would change the sender's, nrn#2135). Set the \
         threshold on the transmitting ParallelCon"
    )))
}

/// A number of the NetCon, read through the Rust core: NEURON reads `threshold` and `x`
/// (of the source) outside its own error handling and aborts when there is no source.
fn core_number(netcon: &Bound<'_, NetCon>, name: &str) -> PatchResult<f64> {
    let handle = object_handle(netcon.as_any())?;
    let neuron = attach(netcon.py())?;
    Ok(neuron.property(&handle, name)?)
}

fn set_core_number(netcon: &Bound<'_, NetCon>, name: &str, value: f64) -> PatchResult<()> {
    let handle = object_handle(netcon.as_any())?;
    let neuron = attach(netcon.py())?;
    Ok(neuron.set_property(&handle, name, value)?)
}

/// A function to call on each spike: callable, and neither a NEURON object nor a Patch
/// wrapper of one (both are callable too).
fn is_python_function(given: &Bound<'_, PyAny>) -> bool {
    given.is_callable()
        && !given.is_instance_of::<PythonHocObject>()
        && neuron_kind(given).is_ok_and(|kind| kind == NeuronKind::Other)
}
