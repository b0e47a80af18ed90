//! The engine of a run: `engine="neuron"|"coreneuron"` and `threads=`, the check before
//! the run (the rules are in `nrn::engine`; the facts are gathered here from NEURON), and
//! NEURON's settings for the run, put back afterwards.

use std::collections::HashSet;

use nrn::engine::{blockers, built_into_coreneuron, refusal, Blocker, Engine, ModelFacts};
use pyo3::exceptions::PyValueError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyBool, PyDict, PyString};

use crate::neuron::capture::neuron_call;
use crate::neuron::exceptions::EngineError;
use crate::neuron::mechanisms::{coreneuron_library, mechanisms_loaded_through_patch};
use crate::neuron::types::{hoc_attribute, neuron_types};
use crate::objects::netcon::callbacks::netcons_calling_python;
use crate::objects::protocol::unwrap;
use crate::objects::registry::wrap;
use crate::objects::spike_recordings;
use crate::parallel::collective::{agree, Collective};
use crate::parallel::context::{context, existing_context, parallel_run};
use crate::parallel::gid::transmit;

/// The engine and thread count a run asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EngineChoice {
    pub engine: Engine,
    pub threads: usize,
}

/// The choice `engine` and `threads` name. Unset, NEURON's settings stand: CoreNEURON if
/// `neuron.coreneuron.enable` is on, and the threads `ParallelContext.nthread` has (1
/// unless changed).
pub fn choose(
    py: Python<'_>,
    engine: Option<&Bound<'_, PyAny>>,
    threads: Option<&Bound<'_, PyAny>>,
) -> PyResult<EngineChoice> {
    let engine = match engine {
        None => {
            let enabled: bool = coreneuron_settings(py)?.getattr("enable")?.extract()?;
            if enabled {
                Engine::CoreNeuron
            } else {
                Engine::Neuron
            }
        }
        Some(name) => name
            .cast::<PyString>()
            .ok()
            .and_then(|name| Engine::from_name(name.to_str().ok()?))
            .ok_or_else(|| {
                PyValueError::new_err(format!(
                    "engine is \"neuron\" or \"coreneuron\", got {}",
                    name.repr()
                        .map_or_else(|_| "?".into(), |repr| repr.to_string())
                ))
            })?,
    };
    let threads = match threads {
        None => current_threads(py)?,
        Some(count) => thread_count(count)?,
    };
    Ok(EngineChoice { engine, threads })
}

/// `threads=`: a positive whole number, or `"auto"` for the cores this process may use.
fn thread_count(count: &Bound<'_, PyAny>) -> PyResult<usize> {
    let py = count.py();
    if count
        .cast::<PyString>()
        .is_ok_and(|text| text.to_str().is_ok_and(|text| text == "auto"))
    {
        let os = py.import("os")?;
        return match os.call_method1("sched_getaffinity", (0,)) {
            Ok(cores) => cores.len(),
            Err(_) => os
                .call_method0("cpu_count")?
                .extract::<Option<usize>>()
                .map(|cores| cores.unwrap_or(1)),
        };
    }
    let whole = if count.is_instance_of::<PyBool>() {
        None
    } else {
        count
            .extract::<usize>()
            .ok()
            .filter(|&threads| threads >= 1)
    };
    whole.ok_or_else(|| {
        PyValueError::new_err(format!(
            "threads is a whole number from 1, or \"auto\" for every core this process may \
             use, got {}",
            count
                .repr()
                .map_or_else(|_| "?".into(), |repr| repr.to_string())
        ))
    })
}

/// NEURON's ParallelContext to set threads and run with: Patch's if there is one, else a
/// plain one (a serial run does not need Patch's, nor to make it).
pub fn neuron_parallel_context(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    match existing_context(py) {
        Some(context) => unwrap(context.as_any()),
        None => hoc_attribute(py, "ParallelContext")?.call0(),
    }
}

/// NEURON's thread count now.
pub fn current_threads(py: Python<'_>) -> PyResult<usize> {
    neuron_parallel_context(py)?
        .call_method0("nthread")?
        .extract::<f64>()
        .map(|count| count as usize)
}

/// Refuses with an EngineError, before anything runs, a model `choice` cannot run,
/// naming every object in the way (on every rank, so all ranks stop together).
pub fn check(py: Python<'_>, choice: EngineChoice) -> PyResult<()> {
    // NEURON's engine on one thread runs every model NEURON does.
    if choice.engine == Engine::Neuron && choice.threads == 1 {
        return Ok(());
    }
    let facts = gather_facts(py, choice)?;
    let mut problems = blockers(choice.engine, choice.threads, &facts);
    if let Some(parallel) = parallel_run(py) {
        let neuron_context = unwrap(parallel.as_any())?;
        let threads = choice.threads as f64;
        let engine = match choice.engine {
            Engine::Neuron => threads,
            Engine::CoreNeuron => -threads,
        };
        // First a collective that notices ranks that ended or do something else.
        let hosts: f64 = neuron_context.call_method0("nhost")?.extract()?;
        agree(
            &neuron_context,
            hosts as usize,
            Collective::CheckEngine { engine },
        )?;
        problems = problems_on_every_rank(&neuron_context, problems)?;
    }
    if problems.is_empty() {
        return Ok(());
    }
    Err(EngineError::new_err(refusal(
        choice.engine,
        choice.threads,
        &problems,
    )))
}

/// Every rank's problems, each prefixed with its rank, on every rank.
fn problems_on_every_rank(
    neuron_context: &Bound<'_, PyAny>,
    mine: Vec<Blocker>,
) -> PyResult<Vec<Blocker>> {
    let described: Vec<(String, String)> = mine
        .into_iter()
        .map(|blocker| (blocker.problem, blocker.fix))
        .collect();
    let everyone: Vec<Vec<(String, String)>> = neuron_context
        .call_method1("py_allgather", (described,))?
        .extract()?;
    Ok(everyone
        .into_iter()
        .enumerate()
        .flat_map(|(rank, problems)| {
            problems.into_iter().map(move |(problem, fix)| Blocker {
                problem: format!("rank {rank}: {problem}"),
                fix,
            })
        })
        .collect())
}

/// What the rules of `choice` need to know about the model.
fn gather_facts(py: Python<'_>, choice: EngineChoice) -> PyResult<ModelFacts> {
    let h = neuron_types(py)?.h.bind(py);
    let core = choice.engine == Engine::CoreNeuron;
    let dt: f64 = h.getattr("dt")?.extract()?;
    let mut facts = ModelFacts {
        dt,
        cvode_active: core
            && h.getattr("cvode")?
                .call_method0("active")?
                .extract::<f64>()?
                != 0.0,
        ..ModelFacts::default()
    };
    for section in h.call_method0("allsec")?.try_iter()? {
        let section = section?;
        if section
            .call_method1("has_membrane", ("extracellular",))?
            .extract::<f64>()?
            != 0.0
        {
            facts
                .extracellular_sections
                .push(section.call_method0("name")?.extract()?);
        }
    }
    facts.linear_mechanisms = instances(py, "LinearMechanism")?;
    facts.sparse_solver = h
        .getattr("cvode")?
        .call_method0("use_mxb")?
        .extract::<f64>()?
        != 0.0;
    let mut sources = HashSet::new();
    let many_threads = choice.threads > 1;
    for netcon in hoc_attribute(py, "List")?.call1(("NetCon",))?.try_iter()? {
        let netcon = netcon?;
        let source_gid: f64 = netcon.call_method0(intern!(py, "srcgid"))?.extract()?;
        let watched = netcon.call_method0(intern!(py, "preseg"))?;
        let point_source = || netcon.call_method0(intern!(py, "pre"));
        if core && source_gid < 0.0 {
            if !watched.is_none() {
                let name = watched.str()?.to_string();
                if sources.insert(name.clone()) {
                    facts.sources_without_gid.push(name);
                }
            } else if spike_recordings::existing(&netcon)?.is_some() {
                let name: String = point_source()?.call_method0("hname")?.extract()?;
                if sources.insert(name.clone()) {
                    facts.recorded_without_gid.push(name);
                }
            }
        }
        if many_threads {
            let delay: f64 = netcon.getattr(intern!(py, "delay"))?.extract()?;
            let has_source = source_gid >= 0.0 || !watched.is_none() || !point_source()?.is_none();
            if delay < 2.0 * dt - 1e-9 && has_source {
                facts
                    .short_delays
                    .push((netcon.call_method0("hname")?.extract()?, delay));
            }
        }
    }
    if core {
        for netcon in netcons_calling_python(py) {
            facts
                .netcon_callbacks
                .push(unwrap(&netcon)?.call_method0("hname")?.extract()?);
        }
        facts.mechanisms_missing_for_coreneuron = missing_for_coreneuron(py)?;
    }
    Ok(facts)
}

/// The names of the live instances of the HOC class `class`.
fn instances(py: Python<'_>, class: &str) -> PyResult<Vec<String>> {
    hoc_attribute(py, "List")?
        .call1((class,))?
        .try_iter()?
        .map(|object| object?.call_method0("hname")?.extract())
        .collect()
}

/// The mechanisms in use that CoreNEURON has neither built in nor compiled by Patch.
fn missing_for_coreneuron(py: Python<'_>) -> PyResult<Vec<String>> {
    let h = neuron_types(py)?.h.bind(py);
    let compiled = mechanisms_loaded_through_patch()?;
    let unknown = |name: &str| !built_into_coreneuron(name) && !compiled.contains(name);
    let mut missing = Vec::new();
    // 0: density mechanisms, in sections; 1: point processes and artificial cells.
    for (kind, in_use) in [(0, false), (1, true)] {
        let types = h.call_method1("MechanismType", (kind,))?;
        let count: f64 = types.call_method0("count")?.extract()?;
        for index in 0..count as usize {
            types.call_method1("select", (index,))?;
            let name_holder = h.call_method1("ref", ("",))?;
            types.call_method1("selected", (&name_holder,))?;
            let name: String = name_holder.get_item(0)?.extract()?;
            // The extracellular mechanism has a problem of its own.
            if !unknown(&name) || name == "extracellular" {
                continue;
            }
            let used = if in_use {
                !instances(py, &name)?.is_empty()
            } else {
                any_section_has(py, &name)?
            };
            if used {
                missing.push(name);
            }
        }
    }
    Ok(missing)
}

fn any_section_has(py: Python<'_>, mechanism: &str) -> PyResult<bool> {
    let h = neuron_types(py)?.h.bind(py);
    for section in h.call_method0("allsec")?.try_iter()? {
        if section?
            .call_method1("has_membrane", (mechanism,))?
            .extract::<f64>()?
            != 0.0
        {
            return Ok(true);
        }
    }
    Ok(false)
}

/// Gives every spike source that CoreNEURON needs a GID for and that has none a new GID,
/// beyond every GID in use on any rank (collective: every rank calls it): the sections
/// NetCons watch, and the point processes and artificial cells whose spikes Patch records.
/// Returns the GIDs given on this rank.
pub fn assign_gids(py: Python<'_>) -> PyResult<Vec<i64>> {
    let context = context(py)?;
    let context = &context;
    let neuron = unwrap(context.as_any())?;
    let mut largest = -1.0_f64;
    let mut seen = HashSet::new();
    let mut sources = Vec::new();
    for netcon in hoc_attribute(py, "List")?.call1(("NetCon",))?.try_iter()? {
        let netcon = netcon?;
        let gid: f64 = netcon.call_method0("srcgid")?.extract()?;
        largest = largest.max(gid);
        if gid >= 0.0 {
            continue;
        }
        let watched = netcon.call_method0("preseg")?;
        let needs_gid = !watched.is_none() || spike_recordings::existing(&netcon)?.is_some();
        let Some((key, _)) = spike_recordings::detector(&netcon)? else {
            continue;
        };
        if needs_gid && seen.insert(key) {
            sources.push(netcon);
        }
    }
    // Every rank's largest GID and count, to give each rank its own range.
    let ranks: f64 = neuron.call_method0("nhost")?.extract()?;
    let rank: f64 = neuron.call_method0("id")?.extract()?;
    let (ranks, rank) = (ranks as usize, rank as usize);
    let mine = (largest, sources.len());
    let everyone: Vec<(f64, usize)> = if ranks > 1 {
        neuron.call_method1("py_allgather", (mine,))?.extract()?
    } else {
        vec![mine]
    };
    let first = everyone
        .iter()
        .map(|(largest, _)| *largest)
        .fold(-1.0, f64::max) as i64
        + 1
        + everyone[..rank]
            .iter()
            .map(|(_, count)| *count as i64)
            .sum::<i64>();
    let h = neuron_types(py)?.h.bind(py);
    let mut given = Vec::with_capacity(sources.len());
    for (gid, netcon) in (first..).zip(sources) {
        // A NetCon of its own from the same source: the source's threshold stays.
        let transmitter = match netcon.call_method0("pre")? {
            pre if !pre.is_none() => h.call_method1("NetCon", (pre, py.None()))?,
            _ => {
                let watched = netcon.call_method0("preseg")?;
                let options = PyDict::new(py);
                options.set_item("sec", watched.getattr("sec")?)?;
                h.getattr("NetCon")?
                    .call((watched.getattr("_ref_v")?, py.None()), Some(&options))?
            }
        };
        let recording = spike_recordings::existing(&netcon)?;
        transmit(context, gid, &wrap(transmitter)?, true)?;
        // NEURON records a source into one Vector, and recording every GID just took this
        // source's over: the Vector it recorded into before goes on.
        if let Some(vector) = recording {
            let vector = unwrap(&vector)?;
            neuron_call(py, || netcon.call_method1("record", (vector,)))?;
        }
        given.push(gid);
    }
    Ok(given)
}

/// Runs `body` with NEURON set up for `choice` (threads; CoreNEURON enabled with the
/// mechanisms compiled for it), and puts CoreNEURON's switch back afterwards. Threads
/// stay as chosen, as after `ParallelContext.nthread`.
pub fn with_engine<T>(
    py: Python<'_>,
    choice: EngineChoice,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    let previous_threads = current_threads(py)?;
    if choice.threads != previous_threads {
        set_threads(py, choice.threads)?;
    }

    let settings = coreneuron_settings(py)?;
    let was_enabled = settings.getattr("enable")?;
    let was_verbose = settings.getattr("verbose")?;
    let core = choice.engine == Engine::CoreNeuron;
    if core {
        // CoreNEURON's banner and statistics on every call would drown Patch's output.
        settings.setattr("verbose", 0)?;
    }
    settings.setattr("enable", core)?;
    let result = if core {
        with_coreneuron_library(py, body)
    } else {
        body()
    };
    settings.setattr("enable", was_enabled)?;
    settings.setattr("verbose", was_verbose)?;
    match result {
        Err(error) if choice.threads > 1 && is_not_thread_safe(py, &error) => {
            set_threads(py, previous_threads)?;
            Err(EngineError::new_err(format!(
                "the model cannot run on {} threads, nothing was run: {}. Mark the \
                 mechanism THREADSAFE in its NEURON block (if it is: no GLOBAL it assigns \
                 to), or run with threads=1",
                choice.threads,
                error.value(py)
            )))
        }
        other => other,
    }
}

fn set_threads(py: Python<'_>, threads: usize) -> PyResult<()> {
    let neuron_context = neuron_parallel_context(py)?;
    neuron_call(py, || neuron_context.call_method1("nthread", (threads,)))?;
    Ok(())
}

/// NEURON's refusal of a mechanism when it lays out the threads.
fn is_not_thread_safe(py: Python<'_>, error: &PyErr) -> bool {
    error.value(py).str().is_ok_and(|message| {
        message
            .to_str()
            .is_ok_and(|message| message.contains("is not thread safe"))
    })
}

/// Points NEURON at CoreNEURON's library for Patch's mechanisms (compiled on first use)
/// for as long as `body` runs: NEURON reads `CORENEURONLIB` when it first loads
/// CoreNEURON (nrncore_utils.cpp, get_coreneuron_handle); processes started later must
/// not inherit it, as their mechanisms may differ.
fn with_coreneuron_library<T>(py: Python<'_>, body: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    let library = coreneuron_library(py)?;
    let environment = py.import("os")?.getattr("environ")?;
    let before = environment.call_method1("get", (LIBRARY_VARIABLE,))?;
    environment.set_item(LIBRARY_VARIABLE, library.to_string_lossy().as_ref())?;
    let result = body();
    if before.is_none() {
        environment.del_item(LIBRARY_VARIABLE)?;
    } else {
        environment.set_item(LIBRARY_VARIABLE, before)?;
    }
    result
}

const LIBRARY_VARIABLE: &str = "CORENEURONLIB";

/// `neuron.coreneuron`, NEURON's CoreNEURON settings (an object standing in for the
/// module once imported).
fn coreneuron_settings(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    py.import("neuron.coreneuron").map(Bound::into_any)
}

/// The thread count `"auto"` gives: the cores this process may use.
pub fn usable_cores(py: Python<'_>) -> PyResult<usize> {
    thread_count(&PyString::new(py, "auto").into_any())
}

/// Whether CoreNEURON can run here: NEURON's CoreNEURON library must be where NEURON
/// looks for it, and Patch's and the user's mechanisms need a C++ compiler
/// (`nrnivmodl -coreneuron`); without one, only NEURON's built-in mechanisms run on it.
pub fn coreneuron_status(py: Python<'_>) -> PyResult<String> {
    let home: std::path::PathBuf = neuron_types(py)?
        .h
        .bind(py)
        .call_method0("neuronhome")?
        .extract()?;
    let internal = home.join("../../lib/libcorenrnmech_internal.so");
    if !internal.is_file() {
        return Ok(format!(
            "not usable: NEURON's CoreNEURON library is missing ({}); NEURON's PyPI wheel \
             has it",
            internal.display()
        ));
    }
    let which = py.import("shutil")?.getattr("which")?;
    let compiler = ["c++", "g++", "clang++"]
        .iter()
        .any(|name| which.call1((name,)).is_ok_and(|found| !found.is_none()));
    Ok(if compiler {
        "usable".to_string()
    } else {
        "usable with NEURON's built-in mechanisms only: no C++ compiler to compile Patch's \
         and yours for it (Debian: apt-get install g++ make)"
            .to_string()
    })
}
