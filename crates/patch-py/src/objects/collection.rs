//! Many NEURON objects built in one call through the Rust core, held together.

use nrn::{ObjectHandle, Source};
use pyo3::exceptions::{PyIndexError, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PySlice, PyString};
use pyo3::{PyTraverseError, PyVisit};

use super::base::PythonHocObject;
use super::batch::{per_item, per_item_or};
use crate::neuron::attach::attach;
use crate::neuron::errors::PatchResult;
use crate::neuron::run_state::object_with_events_freed;

/// Objects per call into NEURON in bulk calls: NEURON makes each right after Patch checked
/// (or made) what it needs, while that is still in the cache.
pub const BULK_CHUNK: usize = 512;

/// NEURON object handles, used only with the GIL held.
struct Handles(Vec<ObjectHandle>);

// The handles are only touched by methods of a Python object, under the GIL.
// SAFETY: the handles are only touched by methods of the owning Python object, which run with
// the GIL held (the module is `gil_used`), so never from two threads at once.
unsafe impl Send for Handles {}
// SAFETY: as for `Send`: every access holds the GIL.
unsafe impl Sync for Handles {}

impl Drop for Handles {
    /// Point processes and NetCons freed here may have events in NEURON's queue: the run
    /// cannot go on without initialising again (as for objects made one at a time).
    fn drop(&mut self) {
        let mut freed = false;
        for handle in self.0.drain(..) {
            freed |= handle.release();
        }
        if freed {
            object_with_events_freed();
        }
    }
}

/// NEURON objects made in bulk: `len`, indexing and iteration give Patch objects;
/// `set`/`get` write and read a parameter of all of them at once. The collection keeps its
/// objects alive, and what it was built on (Patch objects, collections) keeps it alive.
#[pyclass(module = "patch.objects", frozen, weakref)]
pub struct Collection {
    handles: Handles,
    class_name: String,
    keep: std::sync::Mutex<Vec<Py<PyAny>>>,
    /// For a subset (`synapses[mask]`): the collection it was taken from, which holds
    /// what is built on the subset, since the subset itself is usually a temporary.
    origin: Option<Py<Collection>>,
}

impl Collection {
    pub fn new(handles: Vec<ObjectHandle>, class_name: &str) -> Collection {
        Collection {
            handles: Handles(handles),
            class_name: class_name.to_string(),
            keep: std::sync::Mutex::new(Vec::new()),
            origin: None,
        }
    }

    pub fn handles(&self) -> &[ObjectHandle] {
        &self.handles.0
    }

    fn kept(&self) -> std::sync::MutexGuard<'_, Vec<Py<PyAny>>> {
        self.keep
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Keeps what the collection was built on (a collection, or the items of a sequence)
    /// alive, and makes Patch objects and collections among them keep the collection alive
    /// in turn. Raw NEURON objects in a sequence are the user's to hold, as in NEURON.
    pub fn tie<'py>(
        collection: &Bound<'py, Collection>,
        built_on: &Bound<'py, PyAny>,
    ) -> PyResult<()> {
        if built_on.is_none() {
            return Ok(());
        }
        if let Ok(base) = built_on.cast::<Collection>() {
            collection.get().kept().push(built_on.clone().unbind());
            let holder = base
                .get()
                .origin
                .as_ref()
                .map_or(base, |origin| origin.bind(base.py()));
            if !holder.is(collection) {
                holder
                    .get()
                    .kept()
                    .push(collection.clone().into_any().unbind());
            }
            return Ok(());
        }
        let mut keep = collection.get().kept();
        let mut seen = std::collections::HashSet::new();
        for object in built_on.try_iter()? {
            let object = object?;
            if !seen.insert(object.as_ptr() as usize) {
                continue;
            }
            if let Ok(wrapper) = object.cast::<PythonHocObject>() {
                wrapper.borrow_mut().keep_new(collection.as_any());
                keep.push(object.unbind());
            }
        }
        Ok(())
    }

    /// The items at `indices` (a sequence or numpy array of positions, or a boolean mask),
    /// as a collection that keeps this one alive: `synapses[np.arange(n) % 100]`.
    fn subset<'py>(
        slf: &Bound<'py, Self>,
        indices: &Bound<'py, PyAny>,
    ) -> PatchResult<Bound<'py, Collection>> {
        let length = slf.get().handles.0.len();
        Collection::subset_at(slf, &positions(indices, length)?)
    }

    /// The objects at `positions`, as a collection that keeps this one.
    fn subset_at<'py>(
        slf: &Bound<'py, Self>,
        positions: &[usize],
    ) -> PatchResult<Bound<'py, Collection>> {
        let py = slf.py();
        let handles = positions
            .iter()
            .map(|&position| slf.get().handles.0[position].clone())
            .collect();
        let origin = slf
            .get()
            .origin
            .as_ref()
            .map_or(slf, |origin| origin.bind(py));
        let subset = Collection {
            origin: Some(origin.clone().unbind()),
            ..Collection::new(handles, &slf.get().class_name)
        };
        Ok(Bound::new(py, subset)?)
    }

    fn item<'py>(slf: &Bound<'py, Self>, index: usize) -> PatchResult<Bound<'py, PyAny>> {
        let collection = slf.get();
        let wrapper = super::registry::wrap_handle(
            slf.py(),
            &collection.handles.0[index],
            &collection.class_name,
        )?;
        if let Ok(wrapper) = wrapper.cast::<PythonHocObject>() {
            wrapper.borrow_mut().keep(slf.as_any());
        }
        Ok(wrapper)
    }
}

#[pymethods]
impl Collection {
    fn __len__(&self) -> usize {
        self.handles.0.len()
    }

    /// `synapses[1:] + synapses[:1]` is a list of the objects, as it was when slices were
    /// lists (NetCons and the bulk calls take lists).
    fn __add__<'py>(
        slf: &Bound<'py, Self>,
        other: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        joined(slf.as_any(), other)
    }

    fn __radd__<'py>(
        slf: &Bound<'py, Self>,
        other: &Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, pyo3::types::PyList>> {
        joined(other, slf.as_any())
    }

    fn __getitem__<'py>(
        slf: &Bound<'py, Self>,
        index: &Bound<'py, PyAny>,
    ) -> PatchResult<Bound<'py, PyAny>> {
        let length = slf.get().handles.0.len();
        // Slices give collections, as masks and index arrays do (`synapses[:2].stimulate()`).
        if let Ok(slice) = index.cast::<PySlice>() {
            let indices = slice.indices(length as isize)?;
            let positions: Vec<usize> = (0..indices.slicelength)
                .map(|step| (indices.start + step as isize * indices.step) as usize)
                .collect();
            return Ok(Collection::subset_at(slf, &positions)?.into_any());
        }
        let Ok(index) = index.extract::<isize>() else {
            return Ok(Collection::subset(slf, index)?.into_any());
        };
        let position = if index < 0 {
            index + length as isize
        } else {
            index
        };
        if position < 0 || position as usize >= length {
            return Err(PyIndexError::new_err(format!(
                "index {index} is out of range for a collection of {length}"
            ))
            .into());
        }
        Collection::item(slf, position as usize)
    }

    fn __iter__(slf: Bound<'_, Self>) -> CollectionIterator {
        CollectionIterator {
            collection: Some(slf.unbind()),
            position: 0,
        }
    }

    /// Sets parameter `name` on every object: one number for all, or one per object.
    fn set(&self, py: Python<'_>, name: &str, values: &Bound<'_, PyAny>) -> PatchResult<()> {
        let values = per_item(values, self.handles.0.len(), name)?;
        Ok(attach(py)?.set_parameters(&self.handles.0, name, &values)?)
    }

    /// Parameter `name` of every object, as a numpy array.
    fn get<'py>(&self, py: Python<'py>, name: &str) -> PatchResult<Bound<'py, PyAny>> {
        let values = attach(py)?.parameters(&self.handles.0, name)?;
        Ok(py.import("numpy")?.call_method1("array", (values,))?)
    }

    /// Drives every object with a NetStim of its own (keywords set the NetStims' `start`,
    /// `number`, `interval`, `noise`: one number for all or one per object), connected
    /// with `weight` and `delay` (the same or one per object): `PointProcess.stimulate`
    /// for all of them in one call. Returns the NetStims as a Collection; this collection
    /// (or the one it was taken from) keeps the connections, and they keep the NetStims.
    #[pyo3(signature = (weight = None, delay = None, **netstim_attributes))]
    fn stimulate<'py>(
        slf: &Bound<'py, Self>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<Bound<'py, PyAny>>,
        netstim_attributes: Option<&Bound<'py, PyDict>>,
    ) -> PatchResult<Bound<'py, Collection>> {
        let py = slf.py();
        let neuron = attach(py)?;
        let targets = slf.get().handles();
        let count = targets.len();
        let weights = per_item_or(
            weight,
            super::point_process::STIMULUS_WEIGHT,
            count,
            "weight",
        )?;
        let delays = per_item_or(delay, super::point_process::STIMULUS_DELAY, count, "delay")?;
        let mut attributes = Vec::new();
        for (name, values) in netstim_attributes.into_iter().flatten() {
            let name = name.cast::<PyString>()?.to_string();
            let values = per_item(&values, count, &name)?;
            attributes.push((name, values));
        }
        let mut stimuli = Vec::with_capacity(count);
        let mut connections = Vec::with_capacity(count);
        let mut checks = nrn::EndChecks::new(neuron);
        // A chunk of NetStims is connected while NEURON still has them in the cache.
        for start in (0..count).step_by(BULK_CHUNK) {
            let end = count.min(start + BULK_CHUNK);
            let made = neuron.new_artificial_cells("NetStim", end - start)?;
            for (name, values) in &attributes {
                neuron.set_parameters(&made, name, &values[start..end])?;
            }
            let specs: Vec<nrn::NetConSpec<'_>> = (start..end)
                .zip(&made)
                .map(|(index, stimulus)| nrn::NetConSpec {
                    source: Source::Object(stimulus),
                    target: Some(&targets[index]),
                    threshold: super::netcon::DEFAULT_THRESHOLD,
                    delay: delays[index],
                    weight: weights[index],
                })
                .collect();
            connections.extend(neuron.new_netcons_checked(&specs, &mut checks)?);
            stimuli.extend(made);
        }
        let stimuli = Bound::new(py, Collection::new(stimuli, "NetStim"))?;
        let connections = Bound::new(py, Collection::new(connections, "NetCon"))?;
        Collection::tie(&connections, stimuli.as_any())?;
        Collection::tie(&connections, slf.as_any())?;
        Ok(stimuli)
    }

    /// The NEURON class of the objects.
    #[getter]
    fn class_name(&self) -> &str {
        &self.class_name
    }

    fn __repr__(&self) -> String {
        format!(
            "<patch Collection of {} {}>",
            self.handles.0.len(),
            self.class_name
        )
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.origin)?;
        if let Ok(keep) = self.keep.try_lock() {
            for object in keep.iter() {
                visit.call(object)?;
            }
        }
        Ok(())
    }

    fn __clear__(&self) {
        if let Ok(mut keep) = self.keep.lock() {
            keep.clear();
        }
    }
}

/// The items of `first`, then those of `second`, in a list.
fn joined<'py>(
    first: &Bound<'py, PyAny>,
    second: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, pyo3::types::PyList>> {
    let joined = pyo3::types::PyList::empty(first.py());
    for item in first.try_iter()?.chain(second.try_iter()?) {
        joined.append(item?)?;
    }
    Ok(joined)
}

#[pyclass(module = "patch.objects")]
pub struct CollectionIterator {
    collection: Option<Py<Collection>>,
    position: usize,
}

#[pymethods]
impl CollectionIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__<'py>(&mut self, py: Python<'py>) -> PatchResult<Option<Bound<'py, PyAny>>> {
        let Some(collection) = &self.collection else {
            return Ok(None);
        };
        let collection = collection.bind(py);
        if self.position >= collection.get().handles.0.len() {
            return Ok(None);
        }
        self.position += 1;
        Ok(Some(Collection::item(collection, self.position - 1)?))
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.collection)
    }

    fn __clear__(&mut self) {
        self.collection = None;
    }
}

/// Positions in a collection of `length` items, from numpy-style indices: integers
/// (negative ones count from the end) or a boolean mask of `length` values.
fn positions(indices: &Bound<'_, PyAny>, length: usize) -> PyResult<Vec<usize>> {
    let py = indices.py();
    let numpy = py.import("numpy")?;
    let refused = || {
        PyTypeError::new_err(format!(
            "a Collection is indexed by an integer, a slice, a sequence of integers or a \
             boolean mask, not {}",
            indices
                .repr()
                .map_or_else(|_| "this".to_string(), |repr| repr.to_string())
        ))
    };
    let array = numpy
        .call_method1("asarray", (indices,))
        .map_err(|_| refused())?;
    let kind: String = array.getattr("dtype")?.getattr("kind")?.extract()?;
    let dimensions: usize = array.getattr("ndim")?.extract()?;
    let size: usize = array.getattr("size")?.extract()?;
    let array = match kind.as_str() {
        _ if dimensions != 1 => return Err(refused()),
        "b" if size != length => {
            return Err(PyIndexError::new_err(format!(
                "a boolean mask of a collection of {length} needs {length} values, got {size}"
            )))
        }
        "b" => numpy.call_method1("flatnonzero", (array,))?,
        "i" | "u" => array,
        // An empty list has numpy's default type, float.
        "f" if size == 0 => array,
        _ => return Err(refused()),
    };
    // The numbers as bytes: one copy, no Python int per index.
    let bytes = array
        .call_method1("astype", ("<i8",))?
        .call_method0("tobytes")?;
    let bytes = bytes.cast::<pyo3::types::PyBytes>()?.as_bytes();
    bytes
        .chunks_exact(8)
        .map(|chunk| i64::from_le_bytes(chunk.try_into().expect("chunks of 8 bytes")))
        .map(|index| {
            let position = if index < 0 {
                index + length as i64
            } else {
                index
            };
            usize::try_from(position)
                .ok()
                .filter(|&position| position < length)
                .ok_or_else(|| {
                    PyIndexError::new_err(format!(
                        "index {index} is out of range for a collection of {length}"
                    ))
                })
        })
        .collect()
}

/// Applies keyword parameters to a new collection.
pub fn apply_parameters(
    collection: &Bound<'_, Collection>,
    parameters: Option<&Bound<'_, PyDict>>,
) -> PatchResult<()> {
    let Some(parameters) = parameters else {
        return Ok(());
    };
    for (name, values) in parameters {
        let name = name.cast::<PyString>()?.to_string();
        collection.get().set(collection.py(), &name, &values)?;
    }
    Ok(())
}
