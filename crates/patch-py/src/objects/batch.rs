//! The inputs of a bulk call: one value per item, and the NEURON objects and places a
//! batch refers to, each converted once.

use nrn::{ObjectHandle, Source};
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyList, PyTuple};
use rustc_hash::FxHashMap;

use super::collection::{Collection, BULK_CHUNK};
use crate::neuron::attach::attach;
use crate::neuron::errors::typed_neuron_error;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::HocConnectError;
use crate::neuron::types::{neuron_kind, NeuronKind};
use crate::objects::netcon::{DEFAULT_DELAY, DEFAULT_THRESHOLD, DEFAULT_WEIGHT};
use crate::objects::protocol::unwrap;
use crate::objects::protocol::{object_handle, section_handle};

/// [`per_item`] of `value`, or `default` for every item when no value was given.
pub fn per_item_or(
    value: Option<Bound<'_, PyAny>>,
    default: f64,
    count: usize,
    name: &str,
) -> PyResult<Vec<f64>> {
    match value {
        Some(value) => per_item(&value, count, name),
        None => Ok(vec![default; count]),
    }
}

/// One value per item, from a number or a sequence (numpy arrays included).
pub fn per_item(values: &Bound<'_, PyAny>, count: usize, name: &str) -> PyResult<Vec<f64>> {
    if let Ok(value) = values.extract::<f64>() {
        return Ok(vec![value; count]);
    }
    let values: Vec<f64> = match values.getattr_opt("tolist")? {
        Some(tolist) => tolist.call0()?.extract(),
        None => values.extract(),
    }
    .map_err(|_| PyTypeError::new_err(format!("{name} is a number or a sequence of numbers")))?;
    if values.len() != count {
        return Err(PyValueError::new_err(format!(
            "{count} objects need {count} values of {name}, got {}",
            values.len()
        )));
    }
    Ok(values)
}

/// The objects of a bulk call as one sequence, read once: a Collection, list or tuple as
/// given, anything else (a generator) into a list. It holds every object for the whole
/// call, so no temporary's address is reused within it ([`Batch`] knows objects by
/// address), and it is what the result is tied to.
pub fn given<'py>(objects: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    if objects.is_instance_of::<Collection>()
        || objects.is_instance_of::<PyList>()
        || objects.is_instance_of::<PyTuple>()
    {
        return Ok(objects.clone());
    }
    let items = objects.try_iter()?.collect::<PyResult<Vec<_>>>()?;
    Ok(PyList::new(objects.py(), items)?.into_any())
}

/// `p.NetCons`: one NetCon per source (and target, or a spike detector where there is
/// none), made by the Rust core in chunks, each end checked first.
pub fn netcons<'py>(
    py: Python<'py>,
    sources: &Bound<'py, PyAny>,
    targets: Option<Bound<'py, PyAny>>,
    weight: Option<Bound<'py, PyAny>>,
    delay: Option<Bound<'py, PyAny>>,
    threshold: Option<Bound<'py, PyAny>>,
) -> PatchResult<Bound<'py, Collection>> {
    let neuron = attach(py)?;
    let sources = &given(sources)?;
    let targets = match targets {
        Some(targets) if !targets.is_none() => given(&targets)?,
        _ => py.None().into_bound(py),
    };
    let mut batch = Batch::default();
    let source_items = batch.items(sources, true)?;
    let count = source_items.len();
    let target_items = if targets.is_none() {
        Items::Listed(vec![Item::Nothing; count])
    } else {
        batch.items(&targets, false)?
    };
    if target_items.len() != count {
        return Err(PyValueError::new_err(format!(
            "{count} sources need {count} targets, got {}",
            target_items.len()
        ))
        .into());
    }
    let weights = per_item_or(weight, DEFAULT_WEIGHT, count, "weight")?;
    let delays = per_item_or(delay, DEFAULT_DELAY, count, "delay")?;
    let thresholds = per_item_or(threshold, DEFAULT_THRESHOLD, count, "threshold")?;
    // In chunks: NEURON builds each NetCon right after Patch checked its ends, while
    // they are still in the cache, and no list of all specs is ever made.
    let mut handles = Vec::with_capacity(count);
    let mut checks = nrn::EndChecks::new(neuron);
    for start in (0..count).step_by(BULK_CHUNK) {
        let specs: Vec<nrn::NetConSpec<'_>> = (start..count.min(start + BULK_CHUNK))
            .map(|index| nrn::NetConSpec {
                source: batch.source(&source_items, index),
                target: batch.object_at(&target_items, index),
                threshold: thresholds[index],
                delay: delays[index],
                weight: weights[index],
            })
            .collect();
        // On an error the NetCons made so far go with `handles`.
        handles.extend(neuron.new_netcons_checked(&specs, &mut checks)?);
    }
    let collection = Bound::new(py, Collection::new(handles, "NetCon"))?;
    Collection::tie(&collection, sources)?;
    Collection::tie(&collection, &targets)?;
    Ok(collection)
}

/// The distinct NEURON objects and sections of a batch, each converted once; the batch's
/// items refer to them by position, so no handle is copied per item. Objects are known by
/// the address of their Python object, which the sequence from [`given`] holds; sections
/// by NEURON's section, which the batch holds.
#[derive(Default)]
pub struct Batch {
    objects: Vec<ObjectHandle>,
    object_positions: FxHashMap<usize, usize>,
    sections: Vec<nrn::SectionHandle>,
    section_positions: FxHashMap<usize, usize>,
}

/// One item of a batch: a NEURON object, the membrane potential at a place, or nothing.
#[derive(Clone, Copy)]
pub enum Item {
    Object(usize),
    Voltage(usize, f64),
    Nothing,
}

/// The items of a batch: a Collection's objects as they are, or converted ones.
pub enum Items<'a> {
    Collection(&'a [ObjectHandle]),
    Listed(Vec<Item>),
}

impl Batch {
    fn object(&mut self, object: &Bound<'_, PyAny>) -> PatchResult<usize> {
        let key = object.as_ptr() as usize;
        if let Some(position) = self.object_positions.get(&key) {
            return Ok(*position);
        }
        self.objects.push(object_handle(object)?);
        self.object_positions.insert(key, self.objects.len() - 1);
        Ok(self.objects.len() - 1)
    }

    /// A Section (its middle) or a Segment, as a section and a position.
    pub fn location(&mut self, location: &Bound<'_, PyAny>) -> PatchResult<(usize, f64)> {
        let location = unwrap(location)?;
        let (section, x) = match neuron_kind(&location)? {
            NeuronKind::Section => (location.clone(), 0.5),
            NeuronKind::Segment => (location.getattr("sec")?, location.getattr("x")?.extract()?),
            _ => {
                return Err(PyTypeError::new_err(format!(
                    "{} is not a place on a cell: use Sections or Segments",
                    location.repr()?
                ))
                .into())
            }
        };
        // NEURON may hand out a new Python object for a section each time (`h.dend[i]`).
        let handle = section_handle(&section)?;
        let key = handle.live_ptr()? as usize;
        if let Some(position) = self.section_positions.get(&key) {
            return Ok((*position, x));
        }
        self.sections.push(handle);
        self.section_positions.insert(key, self.sections.len() - 1);
        Ok((self.sections.len() - 1, x))
    }

    /// Like [`Batch::location`], for a NetCon source: the place named by the section that
    /// owns its node (see `netcon::wiring::watched_place`).
    fn source_location(&mut self, source: &Bound<'_, PyAny>) -> PatchResult<(usize, f64)> {
        let neuron = unwrap(source)?;
        if neuron_kind(&neuron)? != NeuronKind::Segment {
            return self.location(source);
        }
        // A segment of a section deleted through neuron.h answers with a ReferenceError.
        let typed = |error| typed_neuron_error(source.py(), error, &neuron);
        let x: f64 = neuron.getattr("x").map_err(typed)?.extract()?;
        let section = neuron.getattr("sec").map_err(typed)?;
        let (section, x) = super::netcon::wiring::watched_place(&section, x)?;
        let (position, _) = self.location(&section)?;
        Ok((position, x))
    }

    pub fn section(&self, position: usize) -> &nrn::SectionHandle {
        &self.sections[position]
    }

    /// `objects` (from [`given`]) as items: a Collection, or a sequence of objects or None
    /// (and of Sections and Segments, when `places` is true).
    pub fn items<'a>(
        &mut self,
        objects: &'a Bound<'_, PyAny>,
        places: bool,
    ) -> PatchResult<Items<'a>> {
        if let Ok(collection) = objects.cast::<Collection>() {
            return Ok(Items::Collection(collection.get().handles()));
        }
        let mut items = Vec::new();
        for object in objects.try_iter()? {
            let object = object?;
            // Networks repeat their objects (a synapse with many inputs): seen ones are known.
            if let Some(position) = self.object_positions.get(&(object.as_ptr() as usize)) {
                items.push(Item::Object(*position));
                continue;
            }
            items.push(if object.is_none() {
                Item::Nothing
            } else if matches!(neuron_kind(&unwrap(&object)?)?, NeuronKind::Section | NeuronKind::Segment) {
                if !places {
                    return Err(HocConnectError::new_err(format!(
                            "{} cannot be a NetCon target: sections receive spikes through a synapse, e.g. p.ExpSyn(section)",
                            object.repr()?
                        ),
                    )
                    .into());
                }
                let (section, x) = self.source_location(&object)?;
                Item::Voltage(section, x)
            } else {
                Item::Object(self.object(&object)?)
            });
        }
        Ok(Items::Listed(items))
    }

    /// The NetCon source that item `index` of `items` means.
    pub fn source<'a>(&'a self, items: &'a Items<'_>, index: usize) -> Source<'a> {
        match items {
            Items::Collection(handles) => Source::Object(&handles[index]),
            Items::Listed(items) => match items[index] {
                Item::Object(position) => Source::Object(&self.objects[position]),
                Item::Voltage(position, x) => Source::Voltage {
                    section: &self.sections[position],
                    x,
                },
                Item::Nothing => Source::Nothing,
            },
        }
    }

    /// The object item `index` of `items` is, if any (places are not objects).
    pub fn object_at<'a>(&'a self, items: &'a Items<'_>, index: usize) -> Option<&'a ObjectHandle> {
        match self.source(items, index) {
            Source::Object(object) => Some(object),
            _ => None,
        }
    }
}

impl Items<'_> {
    pub fn len(&self) -> usize {
        match self {
            Items::Collection(handles) => handles.len(),
            Items::Listed(items) => items.len(),
        }
    }
}
