//! Making NetCons: from Patch's spelling (a section, segment or point process, with
//! nrn-patch's defaults) and NEURON's (a pointer, positional settings), straight through
//! the Rust core where it can, with both ends keeping the connection alive and bad wiring
//! refused with a message that says what to pass instead.

use pyo3::exceptions::{PyConnectionError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyTuple};

use crate::neuron::capture::neuron_call_as;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::HocConnectError;
use crate::neuron::types::{hoc_attribute, neuron_kind, NeuronKind};
use crate::objects::base::PythonHocObject;
use crate::objects::point_process::PointProcess;
use crate::objects::protocol::{is_point_process_object, object_handle, section_handle, unwrap};
use crate::objects::registry::wrap;
use crate::objects::section::Section;
use crate::objects::segment::Segment;

use crate::neuron::attach::attach;
use crate::objects::netcon::{
    NetCon, DEFAULT_DELAY, DEFAULT_THRESHOLD, DEFAULT_WEIGHT, NEURON_DELAY, NEURON_THRESHOLD,
    NEURON_WEIGHT,
};
use crate::objects::pointer::Pointer;
use crate::objects::protocol::is_nrn_scalar;
use crate::objects::registry::existing;
use crate::objects::registry::wrap_handle;
use crate::objects::registry::wrap_new;

/// The settings of a new NetCon, from NEURON's positional `threshold, delay, weight` and
/// Patch's keywords; a value given both ways is an error, not silently overwritten. What
/// is not given takes NEURON's defaults when NEURON's spelling is used (`neuron_source`:
/// a pointer source; or positional values), else nrn-patch's.
pub struct Settings<'py> {
    pub threshold: f64,
    pub delay: f64,
    pub weight: Bound<'py, PyAny>,
}

impl<'py> Settings<'py> {
    pub fn new(
        py: Python<'py>,
        positional: &Bound<'py, PyTuple>,
        threshold: Option<f64>,
        delay: Option<f64>,
        weight: Option<Bound<'py, PyAny>>,
        neuron_source: bool,
    ) -> PyResult<Settings<'py>> {
        if positional.len() > 3 {
            return Err(PyTypeError::new_err(
                "NetCon takes at most three values after source and target: threshold, delay, weight",
            ));
        }
        let given = |index: usize| positional.get_item(index).ok();
        let pick = |index: usize, keyword: Option<Bound<'py, PyAny>>, name: &str| match (
            given(index),
            keyword,
        ) {
            (Some(_), Some(_)) => Err(PyTypeError::new_err(format!(
                "NetCon got {name} twice: positionally and as `{name}=`"
            ))),
            (Some(value), None) | (None, Some(value)) => Ok(Some(value)),
            (None, None) => Ok(None),
        };
        let as_any = |value: Option<f64>| {
            value
                .map(|value| value.into_pyobject(py).map(pyo3::Bound::into_any))
                .transpose()
        };
        let (default_threshold, default_delay, default_weight) =
            if neuron_source || !positional.is_empty() {
                (NEURON_THRESHOLD, NEURON_DELAY, NEURON_WEIGHT)
            } else {
                (DEFAULT_THRESHOLD, DEFAULT_DELAY, DEFAULT_WEIGHT)
            };
        let threshold = pick(0, as_any(threshold)?, "threshold")?;
        let delay = pick(1, as_any(delay)?, "delay")?;
        let weight = pick(2, weight, "weight")?;
        Ok(Settings {
            threshold: threshold
                .map(|value| value.extract())
                .transpose()?
                .unwrap_or(default_threshold),
            delay: delay
                .map(|value| value.extract())
                .transpose()?
                .unwrap_or(default_delay),
            weight: match weight {
                Some(weight) => weight,
                None => default_weight.into_pyobject(py)?.into_any(),
            },
        })
    }
}

/// Connects `source` to `target` (None for a spike detector): NEURON's NetCon, wrapped,
/// with both ends and the NetCon keeping each other alive and in `_connections`.
pub fn connect<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    settings: Settings<'py>,
    sec: Option<Bound<'py, PyAny>>,
    attributes: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let source = if source.is_none() {
        source.clone()
    } else {
        wrap(source.clone())?
    };
    let target = if target.is_none() {
        target.clone()
    } else {
        wrap(target.clone())?
    };
    // NEURON takes threshold, delay and weight together; list weights are set below.
    let first_weight = settings.weight.extract::<f64>().unwrap_or(0.0);
    // The Rust core pushes five values; where NEURON cannot undo that on an error (see
    // `Neuron::restores_state_on_error`), NEURON's Python makes the NetCon.
    let direct = sec.is_none() && attach(py)?.restores_state_on_error();
    let (netcon, section) = match (direct, direct_source(&source)?) {
        (true, Some((direct, section))) => {
            let handle = create_directly(py, direct, &target, &settings, first_weight)?;
            let netcon = wrap_handle(py, &handle, "NetCon")?;
            (netcon, section)
        }
        _ => {
            let (neuron_source, section) = netcon_source(&source, sec)?;
            let neuron_target = netcon_target(&target)?;
            let class = hoc_attribute(py, "NetCon")?;
            let kwargs = PyDict::new(py);
            if let Some(section) = &section {
                kwargs.set_item("sec", unwrap(section)?)?;
            }
            let args = (
                neuron_source,
                neuron_target,
                settings.threshold,
                settings.delay,
                first_weight,
            );
            let netcon =
                neuron_call_as::<HocConnectError, _>(py, || class.call(args, Some(&kwargs)))
                    .map_err(|error| match &section {
                        None if is_outside_accessed_section(py, &error) => {
                            pointer_without_section(source.as_any())
                        }
                        _ => error,
                    })?;
            // A pointer given without its section: the section NEURON found keeps it.
            let section = match section {
                None if !source.is_none() => source_section_of(&netcon)?,
                section => section,
            };
            (wrap_new(netcon, "NetCon")?, section)
        }
    };
    set_weights(&netcon, &settings.weight)?;

    if let Ok(wrapper) = netcon.cast::<NetCon>() {
        let mut wrapper = wrapper.borrow_mut();
        // A pointer source is its section, as far as users can look it up.
        let pointer =
            !source.is_instance_of::<PythonHocObject>() || source.is_instance_of::<Pointer>();
        let source = match (pointer, &section) {
            (true, Some(section)) => section,
            _ => &source,
        };
        wrapper.source = (!source.is_none()).then(|| source.clone().unbind());
        wrapper.target = (!target.is_none()).then(|| target.clone().unbind());
    }
    // The section holds a connection from one of its pointers, not the pointer.
    let source = match section.as_ref() {
        Some(section) if source.is_instance_of::<Pointer>() => section,
        _ => &source,
    };
    remember_connection(&netcon, source, &target, section.as_ref())?;
    if let Some(attributes) = attributes {
        for (name, value) in attributes {
            netcon.setattr(name.cast::<PyString>()?, value)?;
        }
    }
    Ok(netcon)
}

/// Where NEURON should watch the membrane potential at `x` of `section` (NEURON
/// sections). The 0 end of a connected section is its parent's node; a spike detector that
/// names the child there keeps the child after NEURON deleted it, and NEURON 9.0.2 crashes
/// at the next initialisation. Named by the section that owns the node, nothing dangles.
pub fn watched_place<'py>(
    section: &Bound<'py, PyAny>,
    x: f64,
) -> PyResult<(Bound<'py, PyAny>, f64)> {
    section_handle(section)?;
    let (mut section, mut x) = (section.clone(), x);
    while x == 0.0 {
        let parent = section.call_method0(pyo3::intern!(section.py(), "parentseg"))?;
        if parent.is_none() {
            break;
        }
        x = parent
            .getattr(pyo3::intern!(section.py(), "x"))?
            .extract()?;
        section = parent.getattr(pyo3::intern!(section.py(), "sec"))?;
    }
    Ok((section, x))
}

/// A NetCon source that owns its handles.
enum OwnedSource {
    Object(nrn::ObjectHandle),
    Voltage(nrn::SectionHandle, f64),
    Nothing,
}

impl OwnedSource {
    fn borrow(&self) -> nrn::Source<'_> {
        match self {
            OwnedSource::Object(object) => nrn::Source::Object(object),
            OwnedSource::Voltage(section, x) => nrn::Source::Voltage { section, x: *x },
            OwnedSource::Nothing => nrn::Source::Nothing,
        }
    }
}

/// A source the Rust core can connect without Python: a Patch section, segment or point
/// process, or None; with the Patch section a pointer source belongs to.
fn direct_source<'py>(
    source: &Bound<'py, PyAny>,
) -> PyResult<Option<(OwnedSource, Option<Bound<'py, PyAny>>)>> {
    if source.is_none() {
        return Ok(Some((OwnedSource::Nothing, None)));
    }
    if source.is_instance_of::<Section>() {
        let handle = section_handle(source)?;
        return Ok(Some((
            OwnedSource::Voltage(handle, 0.5),
            Some(source.clone()),
        )));
    }
    if let Ok(segment) = source.cast::<Segment>() {
        let section = segment.borrow().section(source.py());
        let Some(section) = section else {
            return Ok(None);
        };
        // A section deleted through neuron.h: its segment has nothing left to ask.
        section_handle(&section)?;
        let x: f64 = unwrap(source)?
            .getattr(pyo3::intern!(source.py(), "x"))?
            .extract()?;
        let (watched, x) = watched_place(&unwrap(&section)?, x)?;
        return Ok(Some((
            OwnedSource::Voltage(section_handle(&watched)?, x),
            Some(section),
        )));
    }
    if source.is_instance_of::<PointProcess>() {
        return Ok(Some((OwnedSource::Object(object_handle(source)?), None)));
    }
    Ok(None)
}

/// One NetCon made by the Rust core: no Python between the checks and NEURON.
fn create_directly<'py>(
    py: Python<'py>,
    source: OwnedSource,
    target: &Bound<'py, PyAny>,
    settings: &Settings<'py>,
    weight: f64,
) -> PyResult<nrn::ObjectHandle> {
    let target_handle = if target.is_none() {
        None
    } else if target.is_instance_of::<PointProcess>() {
        Some(object_handle(target)?)
    } else {
        // Anything else that means a point process (`__neuron__`), or a clear refusal.
        Some(object_handle(&netcon_target(target)?)?)
    };
    let spec = nrn::NetConSpec {
        source: source.borrow(),
        target: target_handle.as_ref(),
        threshold: settings.threshold,
        delay: settings.delay,
        weight,
    };
    let neuron = attach(py)?;
    let mut made = neuron
        .new_netcons(&[spec])
        .map_err(|error| HocConnectError::new_err(error.to_string()))?;
    made.pop()
        .ok_or_else(|| HocConnectError::new_err("NEURON made no NetCon"))
}

/// Both ends (a pointer source through its section) keep the new NetCon alive, which
/// holds them in its `source` and `target`; `_connections` is read off these references.
fn remember_connection(
    netcon: &Bound<'_, PyAny>,
    source: &Bound<'_, PyAny>,
    target: &Bound<'_, PyAny>,
    section: Option<&Bound<'_, PyAny>>,
) -> PyResult<()> {
    let mut ends: Vec<&Bound<'_, PyAny>> = Vec::with_capacity(3);
    // A section source is its own section; a cell may connect to itself.
    for end in [source, target].into_iter().chain(section) {
        if !ends.iter().any(|seen| seen.is(end)) {
            ends.push(end);
        }
    }
    for end in ends {
        keep_on_end(end, netcon)?;
    }
    Ok(())
}

/// Makes `end` of a new NetCon keep it: a Patch object holds it; an object of the user's
/// own (only `__neuron__`, such as glia's accessors) is given it through its `__ref__`,
/// and the Patch object of what it stands for, if one lives, holds it too. A connection
/// must never vanish because the user kept only such an object.
pub fn keep_on_end(end: &Bound<'_, PyAny>, netcon: &Bound<'_, PyAny>) -> PyResult<()> {
    if let Ok(end) = end.cast::<PythonHocObject>() {
        end.borrow_mut().keep_new(netcon);
        return Ok(());
    }
    let py = end.py();
    if let Some(keep) = end.getattr_opt(pyo3::intern!(py, "__ref__"))? {
        keep.call1((netcon,))?;
    }
    if let Some(wrapper) = existing(&unwrap(end)?)? {
        if let Ok(wrapper) = wrapper.cast::<PythonHocObject>() {
            wrapper.borrow_mut().keep(netcon);
        }
    }
    Ok(())
}

/// `_connections` of `end`: the other end of each NetCon it holds, mapped to the NetCon.
pub fn connections_of<'py>(
    end: &Bound<'py, PyAny>,
    held: Vec<Bound<'py, PyAny>>,
) -> PyResult<Bound<'py, PyDict>> {
    let py = end.py();
    let connections = PyDict::new(py);
    for object in held {
        let Ok(netcon) = object.cast::<NetCon>() else {
            continue;
        };
        let (source, target) = {
            let netcon = netcon.borrow();
            (netcon.given_source(py), netcon.given_target(py))
        };
        let other = match (source, target) {
            (Some(source), target) if source.is(end) => target,
            (source, Some(target)) if target.is(end) => source,
            _ => None,
        };
        if let Some(other) = other {
            connections.set_item(other, &object)?;
        }
    }
    Ok(connections)
}

/// What NEURON takes as the source, and the section it sits in when it is a pointer.
fn netcon_source<'py>(
    source: &Bound<'py, PyAny>,
    sec: Option<Bound<'py, PyAny>>,
) -> PyResult<(Bound<'py, PyAny>, Option<Bound<'py, PyAny>>)> {
    let py = source.py();
    if source.is_none() {
        return Ok((source.clone(), sec));
    }
    if let Some(netcon) = source.getattr_opt(pyo3::intern!(py, "__netcon__"))? {
        let pointer = netcon.call0()?;
        // A user's `__netcon__` may name a section, segment or point process instead.
        if !pointer.is(source) && !is_nrn_scalar(&pointer)? && !pointer.is_none() {
            return netcon_source(&wrap(pointer)?, sec);
        }
        let section = match sec {
            Some(section) => Some(section),
            None => source_section(source)?,
        };
        if section.is_none() && is_nrn_scalar(&pointer)? {
            return Err(pointer_without_section(source));
        }
        return Ok((pointer, section));
    }
    if is_nrn_scalar(source)? {
        // Patch's pointers know their section; without `sec=` NEURON takes a pointer
        // into the accessed section.
        let section = sec.or_else(|| Pointer::section_of(source));
        return Ok((unwrap(source)?, section));
    }
    if is_point_process_object(source)? {
        return Ok((unwrap(source)?, sec));
    }
    Err(HocConnectError::new_err(format!(
        "{} cannot be a NetCon source: pass a Section or Segment (its membrane potential), \
         a point process or artificial cell, a `_ref_` pointer with `sec=`, or None",
        describe(source)
    )))
}

fn netcon_target<'py>(target: &Bound<'py, PyAny>) -> PatchResult<Bound<'py, PyAny>> {
    if target.is_none() {
        return Ok(unwrap(target)?);
    }
    if is_point_process_object(target)? {
        let neuron_target = unwrap(target)?;
        attach(target.py())?.check_event_target(&object_handle(&neuron_target)?)?;
        return Ok(neuron_target);
    }
    let hint = match neuron_kind(&unwrap(target)?)? {
        NeuronKind::Section | NeuronKind::Segment => {
            " Sections receive spikes through a synapse: connect to p.ExpSyn(section)."
        }
        _ => "",
    };
    Err(HocConnectError::new_err(format!(
        "{} cannot be a NetCon target: the target must be a point process such as a \
         synapse or an artificial cell, or None for a spike detector.{hint}",
        describe(target)
    ))
    .into())
}

/// The Patch section of a Section or Segment source.
fn source_section<'py>(source: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let neuron = unwrap(source)?;
    Ok(match neuron_kind(&neuron)? {
        NeuronKind::Section => Some(wrap(neuron)?),
        NeuronKind::Segment => Some(wrap(neuron.getattr("sec")?)?),
        _ => None,
    })
}

fn pointer_without_section(source: &Bound<'_, PyAny>) -> PyErr {
    PyConnectionError::new_err(format!(
        "{} is a pointer outside the accessed section: pass `sec=` (the section it belongs \
         to), or pass the segment itself, e.g. p.NetCon(section(0.5), target)",
        describe(source)
    ))
}

/// NEURON's refusal of a pointer that is not in the accessed section.
fn is_outside_accessed_section(py: Python<'_>, error: &PyErr) -> bool {
    error
        .value(py)
        .to_string()
        .contains("pointer not associated with currently accessed section")
}

/// The Patch section whose voltage `netcon` (a NEURON NetCon) watches, if any.
fn source_section_of<'py>(netcon: &Bound<'py, PyAny>) -> PyResult<Option<Bound<'py, PyAny>>> {
    let py = netcon.py();
    let segment = netcon.call_method0(pyo3::intern!(py, "preseg"))?;
    if segment.is_none() {
        return Ok(None);
    }
    Ok(Some(wrap(segment.getattr(pyo3::intern!(py, "sec"))?)?))
}

/// A scalar weight sets `weight[0]`; a list sets one weight each, as many as the target
/// takes.
fn set_weights(netcon: &Bound<'_, PyAny>, weight: &Bound<'_, PyAny>) -> PyResult<()> {
    if weight.extract::<f64>().is_ok() {
        return Ok(()); // given to NEURON's constructor already
    }
    let weights = netcon.getattr("weight")?;
    let values: Vec<f64> = weight
        .extract()
        .map_err(|_| PyTypeError::new_err("weight is a number or a list of numbers"))?;
    let count = netcon.call_method0("wcnt")?.extract::<f64>()? as usize;
    if values.len() > count {
        return Err(PyValueError::new_err(format!(
            "{} weights given, but the target takes {count}: pass at most {count}",
            values.len()
        )));
    }
    for (index, value) in values.into_iter().enumerate() {
        weights.set_item(index, value)?;
    }
    Ok(())
}

fn describe(object: &Bound<'_, PyAny>) -> String {
    object
        .repr()
        .map_or_else(|_| "this object".to_string(), |text| text.to_string())
}
