//! MPI through NEURON's ParallelContext. Under an MPI launcher, MPI is initialised when
//! NEURON is imported, before any ParallelContext exists; a serial run never touches MPI.

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyWeakrefReference};
use pyo3::{PyTraverseError, PyVisit};
use rustc_hash::FxHashMap;

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::{BroadcastError, ParallelConnectError, ParallelError};
use crate::neuron::interruptible::{advance, Pace};
use crate::neuron::run_state::ever_initialised;
use crate::neuron::run_state::{check_can_continue, initialise, warn_before_continuing};
use crate::neuron::types::has_type;
use crate::neuron::types::neuron_kind;
use crate::neuron::types::NeuronKind;
use crate::neuron::types::{hoc_attribute, neuron_types};
use crate::objects::base::PythonHocObject;
use crate::objects::batch;
use crate::objects::collection::Collection;
use crate::objects::netcon::DEFAULT_DELAY;
use crate::objects::netcon::DEFAULT_WEIGHT;
use crate::objects::protocol::call_unwrapped;
use crate::objects::protocol::object_handle;
use crate::objects::protocol::unwrap;
use crate::objects::registry::wrap;
use crate::parallel::collective::{agree, Collective};

static CONTEXT: PyOnceLock<Py<ParallelContext>> = PyOnceLock::new();

/// The one ParallelContext, made on first use. Under a launcher, checks that NEURON sees
/// as many ranks as were started.
pub fn context(py: Python<'_>) -> PyResult<Bound<'_, ParallelContext>> {
    let context = CONTEXT.get_or_try_init(py, || {
        let neuron_context = hoc_attribute(py, "ParallelContext")?.call0()?;
        Py::new(py, ParallelContext::initializer(neuron_context))
    })?;
    Ok(context.bind(py).clone())
}

/// The ParallelContext if one was made, without making one.
pub fn existing_context(py: Python<'_>) -> Option<Bound<'_, ParallelContext>> {
    CONTEXT.get(py).map(|context| context.bind(py).clone())
}

/// The ParallelContext of a parallel run (more than one rank), if this is one.
pub fn parallel_run(py: Python<'_>) -> Option<Bound<'_, ParallelContext>> {
    existing_context(py).filter(|context| context.borrow().hosts > 1)
}

/// NEURON's ParallelContext with Patch's additions; everything else falls through.
#[pyclass(module = "patch.interpreter", extends = PythonHocObject)]
pub struct ParallelContext {
    pub(super) hosts: usize,
    pub(super) rank: usize,
    pub(super) spikes: Option<(Py<PyAny>, Py<PyAny>)>,
    /// `spike_record()` of every GID: GIDs made later are recorded too.
    pub(super) recording_all: bool,
    /// `source_var`/`target_var` were used: `setup_transfer` is due before initialising.
    transfer_used: bool,
    /// The largest key given to `source_var`/`target_var` (-1: none).
    transfer_max: i64,
    /// The largest step NEURON may take between spike exchanges (`set_maxstep`), ms.
    max_step: f64,
    /// Receivers made (weakly held, by GID) while their GID had no transmitter on this
    /// rank: a transmitter made here later takes them over. Kept until initialisation.
    pub(super) waiting_receivers: FxHashMap<i64, Vec<Py<PyWeakrefReference>>>,
}

/// nrn-patch's largest step between spike exchanges, set before every run.
const DEFAULT_MAX_STEP: f64 = 10.0;

impl ParallelContext {
    fn initializer(neuron_context: Bound<'_, PyAny>) -> PyClassInitializer<ParallelContext> {
        let number = |name: &str| -> usize {
            neuron_context
                .call_method0(name)
                .and_then(|value| value.extract::<f64>())
                .map_or(0, |value| value as usize)
        };
        let (hosts, rank) = (number("nhost").max(1), number("id"));
        PyClassInitializer::from(PythonHocObject::new(neuron_context)).add_subclass(
            ParallelContext {
                hosts,
                rank,
                spikes: None,
                recording_all: false,
                transfer_used: false,
                transfer_max: -1,
                max_step: DEFAULT_MAX_STEP,
                waiting_receivers: FxHashMap::default(),
            },
        )
    }

    /// Before initialising: the step between spike exchanges (so `psolve` works serially
    /// too), in a parallel run the collective set-up NEURON needs, and in any run
    /// `setup_transfer` once `source_var`/`target_var` were used.
    pub fn prepare_run(slf: &Bound<'_, Self>) -> PyResult<()> {
        let py = slf.py();
        let neuron = unwrap(slf.as_any())?;
        let used = f64::from(u8::from(slf.borrow().transfer_used));
        // The network is built: later transmitters no longer take over receivers.
        slf.borrow_mut().waiting_receivers.clear();
        let anyone = if slf.borrow().hosts > 1 {
            agree(&neuron, slf.borrow().hosts, Collective::Initialise)?;
            ParallelContext::apply_max_step(slf)?;
            neuron.call_method1("allreduce", (used, 2))?.extract()?
        } else {
            ParallelContext::apply_max_step(slf)?;
            used
        };
        if anyone > 0.0 {
            neuron_call(py, || neuron.call_method0("setup_transfer"))?;
            slf.borrow_mut().transfer_used = false;
        }
        Ok(())
    }
}

impl ParallelContext {
    /// `source_var` or `target_var` (`method`), whose last argument is the key of the
    /// transfer: a whole number from 0.
    fn transfer<'py>(
        slf: &Bound<'py, Self>,
        method: &str,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let key = args
            .iter()
            .last()
            .and_then(|key| key.extract::<f64>().ok())
            .filter(|key| key.fract() == 0.0 && *key >= 0.0)
            .ok_or_else(|| {
                pyo3::exceptions::PyValueError::new_err(format!(
                    "{method} takes the transfer's key last: a whole number from 0"
                ))
            })?;
        let method = unwrap(slf.as_any())?.getattr(method)?;
        let result = call_unwrapped(&method, args, kwargs)?;
        let mut context = slf.borrow_mut();
        context.transfer_used = true;
        context.transfer_max = context.transfer_max.max(key as i64);
        Ok(result)
    }

    /// NEURON's `set_maxstep` with the step last asked for (10 ms unless set); a
    /// collective in parallel runs.
    fn apply_max_step(slf: &Bound<'_, Self>) -> PyResult<()> {
        let neuron = unwrap(slf.as_any())?;
        let step = slf.borrow().max_step;
        neuron_call(slf.py(), || neuron.call_method1("set_maxstep", (step,)))?;
        Ok(())
    }
}

#[pymethods]
impl ParallelContext {
    /// Waits until every rank got here; returns the seconds this rank waited.
    fn barrier(slf: &Bound<'_, Self>) -> PyResult<f64> {
        let neuron = unwrap(slf.as_any())?;
        agree(&neuron, slf.borrow().hosts, Collective::Barrier)?;
        neuron.call_method0("barrier")?.extract()
    }

    /// Runs every rank's simulation to `tstop` (ms, absolute), exchanging spikes, as in
    /// nrn-patch: initialised first if it never was, with the step between exchanges set
    /// (`set_maxstep`, 10 ms unless you set another), so the same script runs serially.
    fn psolve(slf: &Bound<'_, Self>, tstop: f64) -> PyResult<()> {
        let py = slf.py();
        if ever_initialised() {
            check_can_continue(py)?;
            warn_before_continuing(py, "parallel.psolve")?;
            ParallelContext::apply_max_step(slf)?;
        } else {
            initialise(py, None, || ParallelContext::prepare_run(slf))?;
        }
        run_parallel(slf, tstop, &Pace::of_current_engine(slf.py())?)
    }

    /// NEURON's `thread_busywait`: 0 is passed on; turning it on is refused, because
    /// NEURON 9.0.2 then aborts the whole process at the next run on threads (an
    /// assertion in its worker threads, `multicore.cpp`).
    fn thread_busywait<'py>(slf: &Bound<'py, Self>, on: f64) -> PyResult<Bound<'py, PyAny>> {
        if on != 0.0 {
            return Err(ParallelError::new_err(
                "thread_busywait(1) is refused: NEURON 9 aborts the process with it at the \
                 next run on threads (worker_main: Assertion `wc.flag == \
                 worker_flag::execute_job' failed). Threads run without it",
            ));
        }
        let neuron = unwrap(slf.as_any())?;
        neuron_call(slf.py(), || neuron.call_method1("thread_busywait", (on,)))
    }

    /// NEURON's `set_maxstep`: the largest step (ms) between spike exchanges; Patch uses
    /// it again before each run. Returns NEURON's answer (the minimum delay between ranks).
    fn set_maxstep<'py>(slf: &Bound<'py, Self>, max_step: f64) -> PyResult<Bound<'py, PyAny>> {
        if !(max_step.is_finite() && max_step > 0.0) {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "the largest step between spike exchanges is a positive number of ms, got \
                 {max_step}"
            )));
        }
        slf.borrow_mut().max_step = max_step;
        let neuron = unwrap(slf.as_any())?;
        neuron_call(slf.py(), || neuron.call_method1("set_maxstep", (max_step,)))
    }

    /// NEURON's `gid_clear`; the transmitters Patch kept for the GIDs cleared are let go,
    /// so a network rebuilt afterwards does not keep the earlier one alive.
    #[pyo3(signature = (kind = 0))]
    fn gid_clear(slf: &Bound<'_, Self>, kind: i64) -> PyResult<()> {
        let neuron = unwrap(slf.as_any())?;
        neuron_call(slf.py(), || neuron.call_method1("gid_clear", (kind,)))?;
        // Types 0, 3 and 4 clear the transfers, 0, 1 and 4 the GIDs.
        if matches!(kind, 0 | 3 | 4) {
            slf.borrow_mut().transfer_used = false;
        }
        if matches!(kind, 0 | 1 | 4) {
            let mut context = slf.borrow_mut();
            context.recording_all = false;
            context.waiting_receivers.clear();
            context.as_super().forget_references();
        }
        Ok(())
    }

    /// This rank's number, from 0.
    fn id(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    fn nhost(&self) -> usize {
        self.hosts
    }

    /// Sends `data` from rank `root` to every rank. A Vector is filled in place on every
    /// rank (and returned); anything picklable is returned on every rank. Anything else
    /// raises `BroadcastError` on every rank, so no rank is left waiting.
    #[pyo3(signature = (data, root = 0))]
    fn broadcast<'py>(
        slf: &Bound<'py, Self>,
        data: Bound<'py, PyAny>,
        root: usize,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let (hosts, rank) = (slf.borrow().hosts, slf.borrow().rank);
        let neuron = unwrap(slf.as_any())?;
        agree(&neuron, hosts, Collective::Broadcast { root })?;
        if root >= hosts {
            return Err(BroadcastError::new_err(format!(
                "root {root} does not exist: there are {hosts} ranks"
            )));
        }
        let vector_type = hoc_attribute(py, "Vector")?;
        let is_vector = has_type(&unwrap(&data)?, &vector_type.cast_into()?);
        // The root says what comes, so every rank takes the same path.
        let header = if rank == root {
            describe_payload(py, &data, is_vector)?
        } else {
            py.None().into_bound(py)
        };
        let header = neuron.call_method1("py_broadcast", (header, root))?;
        let (kind, payload): (String, Bound<'py, PyAny>) = header.extract()?;
        match kind.as_str() {
            "vector" => {
                let vector = if is_vector {
                    unwrap(&data)?
                } else {
                    hoc_attribute(py, "Vector")?.call0()?
                };
                neuron.call_method1("broadcast", (&vector, root))?;
                wrap(vector)
            }
            "pickle" => py.import("pickle")?.call_method1("loads", (payload,)),
            _ => Err(BroadcastError::new_err(payload.extract::<String>()?)),
        }
    }

    /// Records the spikes of `gids` (-1: every gid on this rank) into two Vectors, made
    /// when not given; returns `(times, gids)`.
    #[pyo3(signature = (gids = None, time_vector = None, gid_vector = None))]
    fn spike_record<'py>(
        slf: &Bound<'py, Self>,
        gids: Option<Bound<'py, PyAny>>,
        time_vector: Option<Bound<'py, PyAny>>,
        gid_vector: Option<Bound<'py, PyAny>>,
    ) -> PyResult<(Bound<'py, PyAny>, Bound<'py, PyAny>)> {
        let py = slf.py();
        let new_vector =
            || -> PyResult<Bound<'py, PyAny>> { wrap(hoc_attribute(py, "Vector")?.call0()?) };
        let times = match time_vector {
            Some(vector) => wrap(vector)?,
            None => new_vector()?,
        };
        let ids = match gid_vector {
            Some(vector) => wrap(vector)?,
            None => new_vector()?,
        };
        let gids = match gids {
            Some(gids) => unwrap(&gids)?,
            None => (-1_i64).into_pyobject(py)?.into_any(),
        };
        let all = gids.extract::<f64>().is_ok_and(|gid| gid == -1.0);
        let neuron = unwrap(slf.as_any())?;
        neuron_call(py, || {
            neuron.call_method1("spike_record", (gids, unwrap(&times)?, unwrap(&ids)?))
        })?;
        let mut context = slf.borrow_mut();
        context.spikes = Some((times.clone().unbind(), ids.clone().unbind()));
        context.recording_all = all;
        Ok((times, ids))
    }

    /// Every rank's recorded spikes (see `spike_record`), as numpy arrays of times and gids
    /// sorted by time then gid: on `root` (empty arrays on the other ranks), or on every
    /// rank with `everywhere=True`. A collective: call it on every rank.
    #[pyo3(signature = (root = 0, everywhere = false))]
    fn gather_spikes<'py>(
        slf: &Bound<'py, Self>,
        root: usize,
        everywhere: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let py = slf.py();
        let numpy = py.import("numpy")?;
        let neuron = unwrap(slf.as_any())?;
        let recorded = slf.borrow().spikes.is_some();
        agree(
            &neuron,
            slf.borrow().hosts,
            Collective::GatherSpikes { root, recorded },
        )?;
        let (times, ids) = match &slf.borrow().spikes {
            Some((times, ids)) => (unwrap(times.bind(py))?, unwrap(ids.bind(py))?),
            None => {
                return Err(ParallelError::new_err(
                    "no spikes are recorded: call spike_record() first (on every rank)",
                ))
            }
        };
        let local = PyTuple::new(
            py,
            [
                numpy.call_method1("array", (times,))?,
                numpy.call_method1("array", (ids,))?,
            ],
        )?;
        let gathered = if everywhere {
            neuron.call_method1("py_allgather", (local,))?
        } else {
            neuron.call_method1("py_gather", (local, root))?
        };
        if gathered.is_none() {
            // Not the root: nothing, in the shape the root gets.
            let empty = || numpy.call_method1("zeros", (0,));
            return Ok(PyTuple::new(py, [empty()?, empty()?])?.into_any());
        }
        let parts: Vec<(Bound<'py, PyAny>, Bound<'py, PyAny>)> = gathered.extract()?;
        let all_times = numpy.call_method1(
            "concatenate",
            (parts.iter().map(|part| part.0.clone()).collect::<Vec<_>>(),),
        )?;
        let all_ids = numpy.call_method1(
            "concatenate",
            (parts.iter().map(|part| part.1.clone()).collect::<Vec<_>>(),),
        )?;
        let order = numpy.call_method1("lexsort", ((&all_ids, &all_times),))?;
        Ok(PyTuple::new(py, [all_times.get_item(&order)?, all_ids.get_item(&order)?])?.into_any())
    }

    /// NEURON's `source_var`, remembered so that the next initialisation runs the
    /// collective `setup_transfer`.
    #[pyo3(signature = (*args, **kwargs))]
    fn source_var<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ParallelContext::transfer(slf, "source_var", args, kwargs)
    }

    /// NEURON's `target_var`, remembered like `source_var`.
    #[pyo3(signature = (*args, **kwargs))]
    fn target_var<'py>(
        slf: &Bound<'py, Self>,
        args: &Bound<'py, PyTuple>,
        kwargs: Option<&Bound<'py, pyo3::types::PyDict>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        ParallelContext::transfer(slf, "target_var", args, kwargs)
    }

    /// The largest key given to `source_var`/`target_var` so far, or -1 (nrn-patch's).
    #[getter]
    fn _transfer_max(&self) -> i64 {
        self.transfer_max
    }

    /// Many receivers at once, through the Rust core: `gid_connect(gids[i], targets[i])`
    /// with `weight` and `delay` (one number or one per connection). Returns a Collection.
    #[pyo3(signature = (gids, targets, weight = None, delay = None))]
    fn connect_gids<'py>(
        slf: &Bound<'py, Self>,
        gids: Vec<i64>,
        targets: &Bound<'py, PyAny>,
        weight: Option<Bound<'py, PyAny>>,
        delay: Option<Bound<'py, PyAny>>,
    ) -> PatchResult<Bound<'py, Collection>> {
        use batch::{given, per_item_or, Batch};
        use Collection;
        let py = slf.py();
        if let Some(bad) = gids.iter().find(|gid| **gid < 0) {
            return Err(
                ParallelConnectError::new_err(format!("GIDs are 0 or more, got {bad}")).into(),
            );
        }
        let targets = &given(targets)?;
        let mut batch = Batch::default();
        let items = batch.items(targets, false)?;
        if items.len() != gids.len() {
            return Err(pyo3::exceptions::PyValueError::new_err(format!(
                "{} GIDs need {} targets, got {}",
                gids.len(),
                gids.len(),
                items.len()
            ))
            .into());
        }
        let count = gids.len();
        let weights = per_item_or(weight, DEFAULT_WEIGHT, count, "weight")?;
        let delays = per_item_or(delay, DEFAULT_DELAY, count, "delay")?;
        let neuron = attach(py)?;
        let context = object_handle(slf.as_any())?;
        let mut netcons = Vec::with_capacity(count);
        for (index, gid) in gids.iter().enumerate() {
            let target = batch.object_at(&items, index).ok_or_else(|| {
                ParallelConnectError::new_err("a GID's receiver must be a point process, not None")
            })?;
            neuron.check_event_target(target)?;
            let made = neuron.call_method(
                &context,
                "gid_connect",
                &[nrn::Arg::Number(*gid as f64), nrn::Arg::Object(target)],
            )?;
            netcons.push(
                made.into_object()
                    .ok_or_else(|| ParallelConnectError::new_err("NEURON made no NetCon"))?,
            );
        }
        neuron.set_parameters(&netcons, "weight", &weights)?;
        neuron.set_parameters(&netcons, "delay", &delays)?;
        let collection = Bound::new(py, Collection::new(netcons, "NetCon"))?;
        Collection::tie(&collection, targets)?;
        Ok(collection)
    }

    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        if let Some((times, ids)) = &self.spikes {
            visit.call(times)?;
            visit.call(ids)?;
        }
        for waiting in self.waiting_receivers.values().flatten() {
            visit.call(waiting)?;
        }
        Ok(())
    }

    fn __clear__(&mut self) {
        self.spikes = None;
        self.waiting_receivers.clear();
    }
}

/// `psolve` to `tstop`, once every rank agreed to run to the same time.
pub fn run_parallel(
    context: &Bound<'_, ParallelContext>,
    tstop: f64,
    pace: &Pace<'_>,
) -> PyResult<()> {
    let py = context.py();
    let neuron_context = unwrap(context.as_any())?;
    agree(
        &neuron_context,
        context.borrow().hosts,
        Collective::Run { tstop },
    )?;
    let h = neuron_types(py)?.h.bind(py);
    advance(py, h, Some(&neuron_context), tstop, pace)
}

/// On the root: what a broadcast sends, checked before any rank waits for it.
fn describe_payload<'py>(
    py: Python<'py>,
    data: &Bound<'py, PyAny>,
    is_vector: bool,
) -> PyResult<Bound<'py, PyAny>> {
    if is_vector {
        return Ok(("vector", py.None()).into_pyobject(py)?.into_any());
    }
    let neuron_object = neuron_kind(&unwrap(data)?)? != NeuronKind::Other;
    let failure = if neuron_object {
        Some(format!(
            "only Vectors and picklable Python objects can be broadcast, not the NEURON object {}",
            data.repr()?
        ))
    } else {
        match py.import("pickle")?.call_method1("dumps", (data,)) {
            Ok(_) => None,
            Err(error) => Some(format!(
                "{} cannot be broadcast: it cannot be pickled ({error})",
                data.repr()?
            )),
        }
    };
    Ok(match failure {
        Some(message) => ("error", message).into_pyobject(py)?.into_any(),
        None => (
            "pickle",
            py.import("pickle")?.call_method1("dumps", (data,))?,
        )
            .into_pyobject(py)?
            .into_any(),
    })
}
