//! `patch.core`: the transform protocol and type checks, for Patch objects and raw NEURON
//! objects alike.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::neuron::attach::attach;
use crate::neuron::exceptions::{NotConnectableError, NotConnectedError};
use crate::neuron::types::{neuron_kind, neuron_types, NeuronKind};
use crate::objects::base::PythonHocObject;
use crate::objects::classes::{class_name, is_located_point_process_name};
use crate::objects::point_process::PointProcess;
use crate::objects::protocol;
use crate::objects::protocol::unwrap;
use crate::objects::registry::wrap;
use crate::objects::section::Section;
use crate::objects::segment::Mechanism;
use crate::objects::segment::Segment;

/// The NEURON object behind `obj` (`obj.__neuron__()`), or `obj` itself.
#[pyfunction]
pub fn transform<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    unwrap(obj)
}

/// What a NetCon needs for `obj`: `obj.__netcon__()` (a section or segment gives its
/// membrane potential pointer), else `transform(obj)`.
#[pyfunction]
pub fn transform_netcon<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    protocol::netcon_pointer(obj)
}

/// What `Vector.record` needs for `obj`: `obj.__record__()`, else `transform(obj)`.
#[pyfunction]
pub fn transform_record<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    protocol::record_pointer(&patch_object(obj)?)
}

/// The NEURON segment at `obj.__arc__(*args, **kwargs)` if `obj` has an arc (a section
/// gives its middle), else `transform(obj)`.
#[pyfunction]
#[pyo3(signature = (obj, *args, **kwargs))]
pub fn transform_arc<'py>(
    obj: &Bound<'py, PyAny>,
    args: &Bound<'py, PyTuple>,
    kwargs: Option<&Bound<'py, PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    protocol::arc_segment(obj, args, kwargs)
}

/// Whether `obj` is (or wraps) a NEURON section.
#[pyfunction]
pub fn is_section(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(neuron_kind(&unwrap(obj)?)? == NeuronKind::Section)
}

/// Whether `obj` is (or wraps) a NEURON segment.
#[pyfunction]
pub fn is_segment(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    Ok(neuron_kind(&unwrap(obj)?)? == NeuronKind::Segment)
}

/// Whether `obj` is a pointer to a NEURON number, such as `seg._ref_v`.
#[pyfunction]
pub fn is_nrn_scalar(obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    protocol::is_nrn_scalar(obj)
}

/// Whether `name_or_obj` names, is or wraps a point process that sits in a section
/// (`ExpSyn`, `IClamp`): nrn-patch's meaning, so artificial cells (`NetStim`) are not.
/// Anything else, names NEURON refuses to hand out (`v`, `L`) included, is not.
#[pyfunction]
pub fn is_point_process(name_or_obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = name_or_obj.py();
    if let Ok(name) = name_or_obj.extract::<String>() {
        return is_located_point_process_name(py, &name);
    }
    let neuron = unwrap(name_or_obj)?;
    let name = match neuron_kind(&neuron)? {
        NeuronKind::Instance => class_name(&neuron)?,
        // The class itself (`h.ExpSyn`), which NEURON names `ExpSyn()`.
        NeuronKind::Callable => match neuron.repr()?.to_str()?.strip_suffix("()") {
            Some(name) => name.to_string(),
            None => return Ok(false),
        },
        _ => return Ok(false),
    };
    is_located_point_process_name(py, &name)
}

/// Whether `name_or_obj` names or is a density mechanism (`hh`, `pas`, `h.hh`,
/// `seg.hh`): a name `neuron.h` hands out as a density mechanism. NEURON's internal
/// `capacitance` and `morphology` are not; names NEURON refuses to hand out are not.
#[pyfunction]
pub fn is_density_mechanism(name_or_obj: &Bound<'_, PyAny>) -> PyResult<bool> {
    let py = name_or_obj.py();
    let mechanism = py.import("nrn")?.getattr("Mechanism")?;
    let density_mechanism = py.import("neuron")?.getattr("DensityMechanism")?;
    let object = match name_or_obj.extract::<String>() {
        Ok(name) if attach(py)?.kind_of(&name) != Some(nrn::SymbolKind::Mechanism) => {
            return Ok(false)
        }
        Ok(name) => match neuron_types(py)?.h.bind(py).getattr(name.as_str()) {
            Ok(object) => object,
            Err(_) => return Ok(false),
        },
        Err(_) => name_or_obj.clone(),
    };
    Ok(object.is_instance_of::<Mechanism>()
        || object.is_instance(&mechanism)?
        || object.is_instance(&density_mechanism)?)
}

/// Raises `NotConnectableError` unless `obj` can take part in a connection.
#[pyfunction]
#[pyo3(signature = (obj, label = None))]
pub fn assert_connectable(obj: &Bound<'_, PyAny>, label: Option<&str>) -> PyResult<()> {
    if is_connectable(&patch_object(obj)?)? {
        return Ok(());
    }
    let what = match label {
        Some(label) => label.to_string(),
        None => obj.repr()?.to_string(),
    };
    Err(not_connectable(&what))
}

/// Sections, segments, point processes and artificial cells, and objects of the user's
/// own that keep `_connections` (duck typing, as nrn-patch's Connectable).
fn is_connectable(wrapped: &Bound<'_, PyAny>) -> PyResult<bool> {
    if wrapped.is_instance_of::<Section>()
        || wrapped.is_instance_of::<Segment>()
        || wrapped.is_instance_of::<PointProcess>()
    {
        return Ok(true);
    }
    Ok(!wrapped.is_instance_of::<PythonHocObject>()
        && wrapped.hasattr(pyo3::intern!(wrapped.py(), "_connections"))?)
}

fn not_connectable(what: &str) -> PyErr {
    NotConnectableError::new_err(format!(
        "{what} cannot be connected: use a Section, a Segment, a point process or an \
         artificial cell"
    ))
}

/// Raw NEURON objects are treated as their Patch wrappers.
fn patch_object<'py>(obj: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    wrap(obj.clone())
}

/// The NetCon from `source` to `target`. With `strict=False` a NetCon from `target` to
/// `source` is found too.
#[pyfunction]
#[pyo3(signature = (source, target, strict = true))]
pub fn connection<'py>(
    source: &Bound<'py, PyAny>,
    target: &Bound<'py, PyAny>,
    strict: bool,
) -> PyResult<Bound<'py, PyAny>> {
    let py = source.py();
    let (source, target) = (patch_object(source)?, patch_object(target)?);
    for (label, end) in [("source", &source), ("target", &target)] {
        if !is_connectable(end)? {
            return Err(not_connectable(&format!("the {label} {}", end.repr()?)));
        }
    }
    let netcon = source.getattr("_connections")?.get_item(&target).ok();
    if let Some(netcon) = netcon {
        let made_from = netcon.getattr_opt(pyo3::intern!(py, "source"))?;
        let forward = made_from.is_some_and(|made_from| {
            made_from.is(&source) || made_from.eq(&source).unwrap_or(false)
        });
        if forward || !strict {
            return Ok(netcon);
        }
    }
    let message = format!(
        "{} is not connected to {}{}",
        source.repr()?,
        target.repr()?,
        if strict {
            " (strict: only connections from source to target count)"
        } else {
            ""
        }
    );
    Err(NotConnectedError::new_err(message))
}
