//! MPI through NEURON's ParallelContext. Under an MPI launcher, MPI is initialised when
//! NEURON is imported, before any ParallelContext exists; a serial run never touches MPI.

use std::path::PathBuf;

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyTuple, PyWeakrefMethods, PyWeakrefReference};
use pyo3::{PyTraverseError, PyVisit};
use rustc_hash::FxHashMap;

use crate::capture::neuron_call;
use crate::collective::{agree, Collective};
use crate::errors::patch_error;
use crate::objects::base::PythonHocObject;
use crate::objects::neuron_types::hoc_attribute;
use crate::objects::registry::{unwrap, wrap};

/// The number of ranks the MPI launcher started, if any (MPICH/Hydra, Open MPI, PMIx).
pub fn launcher_size() -> Option<usize> {
    ["PMI_SIZE", "OMPI_COMM_WORLD_SIZE", "PMIX_SIZE"]
        .iter()
        .find_map(|name| std::env::var(name).ok()?.parse().ok())
}

/// Before NEURON is imported under a launcher: make NEURON find the MPI library that came
/// with Patch's `mpi` extra, the `mpich` wheel (loaded globally, which NEURON prefers to
/// any other) and initialise MPI at import.
pub fn prepare(py: Python<'_>) -> PyResult<()> {
    if launcher_size().unwrap_or(1) <= 1
        || py.import("sys")?.getattr("modules")?.contains("neuron")?
    {
        return Ok(());
    }
    let environ = py.import("os")?.getattr("environ")?;
    let prefix: PathBuf = py.import("sys")?.getattr("prefix")?.extract()?;
    let wheel_library = prefix.join("lib").join("libmpi.so.12");
    let library = match std::env::var_os("MPI_LIB_NRN_PATH") {
        Some(path) => PathBuf::from(path),
        None if wheel_library.is_file() => wheel_library,
        None => PathBuf::new(),
    };
    if library.is_file() {
        nrn::load_globally(&library)
            .map_err(|error| patch_error(py, "ParallelError", &error.to_string()))?;
        environ.set_item("MPI_LIB_NRN_PATH", library.to_string_lossy().as_ref())?;
    }
    if !environ.contains("NEURON_INIT_MPI")? {
        environ.set_item("NEURON_INIT_MPI", "1")?;
    }
    Ok(())
}

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

/// Under a launcher: raises `ParallelError` on every rank if the launcher started ranks
/// NEURON cannot see, and makes an uncaught exception on any rank end the whole job.
pub fn check_ranks(py: Python<'_>) -> PyResult<()> {
    let Some(size) = launcher_size().filter(|size| *size > 1) else {
        return Ok(());
    };
    let context = context(py)?;
    let hosts = context.borrow().hosts;
    if hosts == size {
        // NEURON's default under MPI: any HOC error, even one Python would catch, aborts
        // every rank at once. Patch raises it as HocError instead; uncaught, the hook below
        // still ends the job, and names the rank and the error.
        let neuron_context = unwrap(context.as_any())?;
        neuron_context.call_method1("mpiabort_on_error", (0,))?;
        crate::rank_watch::watch_other_ranks(&neuron_context, context.borrow().rank)?;
        let hook = wrap_pyfunction!(abort_on_uncaught_exception, py)?;
        py.import("sys")?.setattr("excepthook", hook)?;
        py.import("atexit")?
            .call_method1("register", (wrap_pyfunction!(finish_parallel_run, py)?,))?;
        return Ok(());
    }
    Err(patch_error(
        py,
        "ParallelError",
        &format!(
            "the MPI launcher started {size} ranks but NEURON sees {hosts}: every rank would \
             run the whole model alone. Install the MPI library (`pip install mpich`, Patch's \
             mpi extra) \
             and import patch before neuron, or set NEURON_INIT_MPI=1 and MPI_LIB_NRN_PATH"
        ),
    ))
}

/// At the end of a parallel script, on every rank: wait for the others, then end MPI, so
/// the launcher sees a clean exit. A rank that ends while another waits for it in one of
/// Patch's collectives ends the job instead, with the reason.
#[pyfunction]
fn finish_parallel_run(py: Python<'_>) -> PyResult<()> {
    crate::rank_watch::finishing();
    if let Some(context) = existing_context(py) {
        if let Err(error) = agree(&unwrap(context.as_any())?, Collective::Finish) {
            let stderr = py.import("sys")?.getattr("stderr")?;
            stderr.call_method1("write", (format!("patch: {}\n", error.value(py)),))?;
            stderr.call_method0("flush")?;
            py.import("os")?.call_method1("_exit", (1,))?;
        }
    }
    nrn::finalize_mpi();
    Ok(())
}

/// `sys.excepthook` of parallel runs: the other ranks may be waiting for this one in a
/// collective, so report which rank failed and why, and end the process (the launcher then
/// ends the job) instead of leaving them waiting.
#[pyfunction]
fn abort_on_uncaught_exception(
    py: Python<'_>,
    kind: Bound<'_, PyAny>,
    value: Bound<'_, PyAny>,
    traceback: Bound<'_, PyAny>,
) -> PyResult<()> {
    crate::rank_watch::finishing();
    let rank = existing_context(py)
        .map(|context| context.borrow().rank)
        .unwrap_or(0);
    let stderr = py.import("sys")?.getattr("stderr")?;
    stderr.call_method1(
        "write",
        (format!(
            "patch: rank {rank} stopped the parallel run: {}\n",
            value.repr()?
        ),),
    )?;
    py.import("traceback")?
        .call_method1("print_exception", (kind, value, traceback))?;
    stderr.call_method0("flush")?;
    py.import("os")?.call_method1("_exit", (1,))?;
    Ok(())
}

/// NEURON's ParallelContext with Patch's additions; everything else falls through.
#[pyclass(module = "patch.interpreter", extends = PythonHocObject)]
pub struct ParallelContext {
    hosts: usize,
    rank: usize,
    spikes: Option<(Py<PyAny>, Py<PyAny>)>,
    /// `spike_record()` of every GID: GIDs made later are recorded too.
    recording_all: bool,
    /// `source_var`/`target_var` were used: `setup_transfer` is due before initialising.
    transfer_used: bool,
    /// The largest key given to `source_var`/`target_var` (-1: none).
    transfer_max: i64,
    /// The largest step NEURON may take between spike exchanges (`set_maxstep`), ms.
    max_step: f64,
    /// Receivers made (weakly held, by GID) while their GID had no transmitter on this
    /// rank: a transmitter made here later takes them over. Kept until initialisation.
    waiting_receivers: FxHashMap<i64, Vec<Py<PyWeakrefReference>>>,
}

/// nrn-patch's largest step between spike exchanges, set before every run.
const DEFAULT_MAX_STEP: f64 = 10.0;

impl ParallelContext {
    fn initializer(neuron_context: Bound<'_, PyAny>) -> PyClassInitializer<ParallelContext> {
        let number = |name: &str| -> usize {
            neuron_context
                .call_method0(name)
                .and_then(|value| value.extract::<f64>())
                .map(|value| value as usize)
                .unwrap_or(0)
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
            agree(&neuron, Collective::Initialise)?;
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
        let result = crate::objects::registry::call_unwrapped(&method, args, kwargs)?;
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
        agree(&neuron, Collective::Barrier)?;
        neuron.call_method0("barrier")?.extract()
    }

    /// Runs every rank's simulation to `tstop` (ms, absolute), exchanging spikes, as in
    /// nrn-patch: initialised first if it never was, with the step between exchanges set
    /// (`set_maxstep`, 10 ms unless you set another), so the same script runs serially.
    fn psolve(slf: &Bound<'_, Self>, tstop: f64) -> PyResult<()> {
        let py = slf.py();
        if crate::run_state::ever_initialised() {
            crate::interpreter::check_can_continue(py)?;
            crate::interpreter::warn_before_continuing(py, "parallel.psolve")?;
            ParallelContext::apply_max_step(slf)?;
        } else {
            crate::interpreter::initialise(py, None)?;
        }
        run_parallel(&unwrap(slf.as_any())?, tstop)
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
        agree(&neuron, Collective::Broadcast { root })?;
        if root >= hosts {
            return Err(patch_error(
                py,
                "BroadcastError",
                &format!("root {root} does not exist: there are {hosts} ranks"),
            ));
        }
        let vector_type = hoc_attribute(py, "Vector")?;
        let is_vector =
            crate::objects::neuron_types::has_type(&unwrap(&data)?, &vector_type.cast_into()?);
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
            _ => Err(patch_error(
                py,
                "BroadcastError",
                &payload.extract::<String>()?,
            )),
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
        agree(&neuron, Collective::GatherSpikes { root, recorded })?;
        let (times, ids) = match &slf.borrow().spikes {
            Some((times, ids)) => (unwrap(times.bind(py))?, unwrap(ids.bind(py))?),
            None => {
                return Err(patch_error(
                    py,
                    "ParallelError",
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
    ) -> crate::errors::PatchResult<Bound<'py, crate::objects::collection::Collection>> {
        use crate::objects::batch::{given, per_item_or, Batch};
        use crate::objects::collection::Collection;
        let py = slf.py();
        if let Some(bad) = gids.iter().find(|gid| **gid < 0) {
            return Err(patch_error(
                py,
                "ParallelConnectError",
                &format!("GIDs are 0 or more, got {bad}"),
            )
            .into());
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
        let weights = per_item_or(
            weight,
            crate::objects::netcon::DEFAULT_WEIGHT,
            count,
            "weight",
        )?;
        let delays = per_item_or(delay, crate::objects::netcon::DEFAULT_DELAY, count, "delay")?;
        let neuron = crate::attach::attach(py)?;
        let context = crate::convert::object_handle(slf.as_any())?;
        let mut netcons = Vec::with_capacity(count);
        for (index, gid) in gids.iter().enumerate() {
            let target = batch.object_at(&items, index).ok_or_else(|| {
                patch_error(
                    py,
                    "ParallelConnectError",
                    "a GID's receiver must be a point process, not None",
                )
            })?;
            neuron.check_event_target(target)?;
            let made = neuron.call_method(
                &context,
                "gid_connect",
                &[nrn::Arg::Number(*gid as f64), nrn::Arg::Object(target)],
            )?;
            netcons.push(
                made.into_object().ok_or_else(|| {
                    patch_error(py, "ParallelConnectError", "NEURON made no NetCon")
                })?,
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
pub fn run_parallel(neuron_context: &Bound<'_, PyAny>, tstop: f64) -> PyResult<()> {
    let py = neuron_context.py();
    agree(neuron_context, Collective::Run { tstop })?;
    let h = crate::objects::neuron_types::neuron_types(py)?.h.bind(py);
    crate::interruptible::advance(py, h, Some(neuron_context), tstop)
}

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
        return Err(patch_error(
            py,
            "ParallelConnectError",
            &format!("GID {gid} already has a transmitter on this rank: each GID has one source"),
        ));
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
    if let Ok(wrapper) = netcon.cast::<crate::objects::netcon::NetCon>() {
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
    patch_error(
        py,
        "ParallelConnectError",
        &format!(
            "GID {gid} is already an input on this rank, used by NetCons made through \
             neuron.h's gid_connect or p.parallel.connect_gids, by a spike recording of it, \
             or by receivers made before the last initialisation: make the transmitter of \
             GID {gid} first, or make its receivers with p.ParallelCon({gid}, target)"
        ),
    )
}

/// A PatchRelay fed by `netcon`'s source without delay, and a NetCon watching the relay;
/// `netcon` keeps both alive.
fn relay<'py>(py: Python<'py>, netcon: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
    crate::mechanisms::ensure_patch_mechanisms(py)?;
    let relay = wrap(hoc_attribute(py, "PatchRelay")?.call0()?)?;
    let feed = unwrap(netcon)?;
    feed.call_method1("setpost", (unwrap(&relay)?,))?;
    // A NetCon made without a target is inactive, and stays so after setpost.
    feed.call_method1("active", (1,))?;
    feed.setattr("delay", 0.0)?;
    feed.getattr("weight")?.set_item(0, 1.0)?;
    let watcher = hoc_attribute(py, "NetCon")?.call1((unwrap(&relay)?, py.None()))?;
    let watcher = crate::objects::registry::wrap_new(watcher, "NetCon")?;
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
    attributes: Option<&Bound<'py, pyo3::types::PyDict>>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = context.py();
    let target = wrap(target.clone())?;
    if !crate::objects::netcon::is_point_process_object(&target)? {
        return Err(patch_error(
            py,
            "ParallelConnectError",
            &format!(
                "{} cannot receive spikes: use a point process such as a synapse",
                target.repr()?
            ),
        ));
    }
    let delay = delay.unwrap_or(crate::objects::netcon::DEFAULT_DELAY);
    let weight: f64 = match weight {
        Some(weight) => weight.extract()?,
        None => crate::objects::netcon::DEFAULT_WEIGHT,
    };
    let neuron = unwrap(context.as_any())?;
    let neuron_target = unwrap(&target)?;
    crate::attach::attach(py)?
        .check_event_target(&crate::convert::object_handle(&neuron_target)?)
        .map_err(crate::errors::PatchErr::from)?;
    let transmitted_here: f64 = neuron.call_method1("gid_exists", (gid,))?.extract()?;
    let netcon = neuron_call(py, || {
        neuron.call_method1("gid_connect", (gid, &neuron_target))
    })?;
    netcon.setattr("delay", delay)?;
    netcon.getattr("weight")?.set_item(0, weight)?;
    let netcon = crate::objects::registry::wrap_new(netcon, "NetCon")?;
    let wrapper = netcon.cast::<crate::objects::netcon::NetCon>()?;
    wrapper.borrow_mut().mark_received(gid, &target);
    if let Some(threshold) = threshold {
        // Refused before anything holds the new NetCon, which then goes.
        crate::objects::netcon::check_received_threshold(wrapper, threshold)?;
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
    crate::objects::netcon::keep_on_end(&target, &netcon)?;
    if let Some(attributes) = attributes {
        for (name, value) in attributes {
            netcon.setattr(name.cast::<pyo3::types::PyString>()?, value)?;
        }
    }
    Ok(netcon)
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
    let neuron_object = crate::objects::neuron_types::neuron_kind(&unwrap(data)?)?
        != crate::objects::neuron_types::NeuronKind::Other;
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
