//! Wiring by GID: a transmitter registers a spike source as a GID on its rank, receivers
//! on any rank get that GID's spikes. Receivers made before their transmitter on the same
//! rank are moved over to it.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyWeakrefMethods, PyWeakrefReference};

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::ParallelConnectError;
use crate::neuron::mechanisms::ensure_patch_mechanisms;
use crate::neuron::types::hoc_attribute;
use crate::objects::base::PythonHocObject;
use crate::objects::netcon::{self, NetCon, DEFAULT_DELAY, DEFAULT_WEIGHT};
use crate::objects::protocol::is_point_process_object;
use crate::objects::protocol::{object_handle, unwrap};
use crate::objects::registry::{wrap, wrap_new};
use crate::parallel::context::ParallelContext;

/// Registers `netcon`'s source as `gid` on this rank and, with `output`, sends its spikes
/// to the other ranks. Checked first: a HOC error here would abort every rank. Receivers
/// of `gid` made on this rank before it had a transmitter are moved over to it.
pub fn transmit(
    context: &Bound<'_, ParallelContext>,
    gid: i64,
    netcon: &Bound<'_, PyAny>,
    output: bool,
) -> PyResult<()> {
    let py = context.py();
    let neuron = unwrap(context.as_any())?;
    let exists: f64 = neuron.call_method1("gid_exists", (gid,))?.extract()?;
    if exists != 0.0 {
        return Err(ParallelConnectError::new_err(format!(
            "GID {gid} already has a transmitter on this rank: each GID has one source"
        )));
    }
    let rank = context.borrow().rank;
    let neuron_netcon = unwrap(netcon)?;
    // NEURON gives each spike source one GID: a further GID gets a relay that fires at the
    // source's spike times.
    let already: f64 = neuron_netcon.call_method0("srcgid")?.extract()?;
    let neuron_netcon = if already >= 0.0 {
        relay(py, netcon)?
    } else {
        neuron_netcon
    };
    let waiting = take_waiting_receivers(context, gid)?;
    neuron_call(py, || {
        neuron.call_method1("set_gid2node", (gid, rank))?;
        neuron.call_method1("cell", (gid, &neuron_netcon))?;
        if output {
            neuron.call_method1("outputcell", (gid,))?;
        }
        Ok(())
    })
    .map_err(|error| input_port_error(py, gid, error))?;
    for receiver in &waiting {
        let target = receiver.call_method0(pyo3::intern!(py, "syn"))?;
        neuron.call_method1("gid_connect", (gid, target, receiver))?;
    }
    if context.borrow().recording_all {
        if let Some((times, ids)) = &context.borrow().spikes {
            let (times, ids) = (unwrap(times.bind(py))?, unwrap(ids.bind(py))?);
            neuron_call(py, || {
                neuron.call_method1("spike_record", (gid, times, ids))
            })?;
        }
    }
    if let Ok(wrapper) = context.cast::<PythonHocObject>() {
        // A NetCon transmits one GID: a new transmitter cannot be held yet (no search
        // through the thousands the context holds).
        if already < 0.0 {
            wrapper.borrow_mut().keep_new(netcon);
        } else {
            wrapper.borrow_mut().keep(netcon);
        }
    }
    if let Ok(wrapper) = netcon.cast::<NetCon>() {
        wrapper.borrow_mut().mark_transmitting(gid);
    }
    Ok(())
}

/// The NEURON NetCons of the receivers of `gid` made on this rank before it had a
/// transmitter, detached from NEURON's input port for `gid` (which goes with its last
/// NetCon), so that `gid` can become an output port. They are parked on a spare GID's
/// input port until `gid_connect` moves them onto the transmitter.
fn take_waiting_receivers<'py>(
    context: &Bound<'py, ParallelContext>,
    gid: i64,
) -> PyResult<Vec<Bound<'py, PyAny>>> {
    let py = context.py();
    let Some(waiting) = context.borrow_mut().waiting_receivers.remove(&gid) else {
        return Ok(Vec::new());
    };
    let neuron = unwrap(context.as_any())?;
    let mut receivers = Vec::with_capacity(waiting.len());
    for weak in waiting {
        if let Some(receiver) = weak.bind(py).upgrade() {
            receivers.push(unwrap(&receiver)?);
        }
    }
    if receivers.is_empty() {
        return Ok(receivers);
    }
    let spare = spare_gid(context)?;
    for receiver in &receivers {
        let target = receiver.call_method0(pyo3::intern!(py, "syn"))?;
        neuron.call_method1("gid_connect", (spare, target, receiver))?;
    }
    Ok(receivers)
}

/// A GID nothing on this rank uses, to park receivers on for a moment.
fn spare_gid(context: &Bound<'_, ParallelContext>) -> PyResult<i64> {
    let neuron = unwrap(context.as_any())?;
    let mut spare = i64::from(i32::MAX);
    loop {
        let used = context.borrow().waiting_receivers.contains_key(&spare)
            || neuron
                .call_method1("gid_exists", (spare,))?
                .extract::<f64>()?
                != 0.0;
        if !used {
            return Ok(spare);
        }
        spare -= 1;
    }
}

/// NEURON's refusal to make `gid` an output port because NetCons Patch did not make (or
/// a spike recording) use it as an input port here, with what to do.
fn input_port_error(py: Python<'_>, gid: i64, error: PyErr) -> PyErr {
    if !error.value(py).to_string().contains("input port") {
        return error;
    }
    ParallelConnectError::new_err(format!(
        "GID {gid} is already an input on this rank, used by NetCons made through \
         neuron.h's gid_connect or p.parallel.connect_gids, by a spike recording of it, \
         or by receivers made before the last initialisation: make the transmitter of \
         GID {gid} first, or make its receivers with p.ParallelCon({gid}, target)"
    ))
}

/// A PatchRelay fed by `netcon`'s source without delay, and a NetCon watching the relay;
/// `netcon` keeps both alive.
fn relay<'py>(py: Python<'py>, netcon: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    ensure_patch_mechanisms(py)?;
    let relay = wrap(hoc_attribute(py, "PatchRelay")?.call0()?)?;
    let feed = unwrap(netcon)?;
    feed.call_method1("setpost", (unwrap(&relay)?,))?;
    // A NetCon made without a target is inactive, and stays so after setpost.
    feed.call_method1("active", (1,))?;
    feed.setattr("delay", 0.0)?;
    feed.getattr("weight")?.set_item(0, 1.0)?;
    let watcher = hoc_attribute(py, "NetCon")?.call1((unwrap(&relay)?, py.None()))?;
    let watcher = wrap_new(watcher, "NetCon")?;
    if let Ok(wrapper) = netcon.cast::<PythonHocObject>() {
        wrapper.borrow_mut().keep_new(&relay);
        wrapper.borrow_mut().keep_new(&watcher);
    }
    unwrap(&watcher)
}

/// Delivers the spikes of `gid` to `target` on this rank. A `threshold` is accepted only
/// if it is the one `gid` has already (see `NetCon.threshold`).
#[allow(clippy::too_many_arguments)]
pub fn receive<'py>(
    context: &Bound<'py, ParallelContext>,
    gid: i64,
    target: &Bound<'py, PyAny>,
    weight: Option<Bound<'py, PyAny>>,
    delay: Option<f64>,
    threshold: Option<f64>,
    attributes: Option<&Bound<'py, PyDict>>,
) -> PatchResult<Bound<'py, PyAny>> {
    let py = context.py();
    let target = wrap(target.clone())?;
    if !is_point_process_object(&target)? {
        return Err(ParallelConnectError::new_err(format!(
            "{} cannot receive spikes: use a point process such as a synapse",
            target.repr()?
        ))
        .into());
    }
    let delay = delay.unwrap_or(DEFAULT_DELAY);
    let weight: f64 = match weight {
        Some(weight) => weight.extract()?,
        None => DEFAULT_WEIGHT,
    };
    let neuron = unwrap(context.as_any())?;
    let neuron_target = unwrap(&target)?;
    attach(py)?.check_event_target(&object_handle(&neuron_target)?)?;
    let transmitted_here: f64 = neuron.call_method1("gid_exists", (gid,))?.extract()?;
    let netcon = neuron_call(py, || {
        neuron.call_method1("gid_connect", (gid, &neuron_target))
    })?;
    netcon.setattr("delay", delay)?;
    netcon.getattr("weight")?.set_item(0, weight)?;
    let netcon = wrap_new(netcon, "NetCon")?;
    let wrapper = netcon.cast::<NetCon>()?;
    wrapper.borrow_mut().mark_received(gid, &target);
    if let Some(threshold) = threshold {
        // Refused before anything holds the new NetCon, which then goes.
        netcon::check_received_threshold(wrapper, threshold)?;
    }
    if transmitted_here == 0.0 {
        context
            .borrow_mut()
            .waiting_receivers
            .entry(gid)
            .or_default()
            .push(PyWeakrefReference::new(&netcon)?.unbind());
    }
    // The NetCon holds its target as `target`.
    netcon::wiring::keep_on_end(&target, &netcon)?;
    if let Some(attributes) = attributes {
        for (name, value) in attributes {
            netcon.setattr(name.cast::<PyString>()?, value)?;
        }
    }
    Ok(netcon)
}
