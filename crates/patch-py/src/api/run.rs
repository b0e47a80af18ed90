//! Run control: initialising, running (with an optional progress bar), continuing and
//! single steps, serially or as `psolve` on every rank. The checks before going on are in
//! `neuron::run_state`; the advance in interruptible pieces in `neuron::interruptible`.

use std::cell::Cell;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::api::engines::{
    check, current_threads, neuron_parallel_context, with_engine, EngineChoice,
};
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::warn;
use crate::neuron::exceptions::EngineError;
use crate::neuron::interruptible::{advance, Pace};
use crate::neuron::run_state;
use crate::neuron::run_state::{check_can_continue, warn_before_continuing};
use crate::parallel::context::{existing_context, parallel_run, run_parallel, ParallelContext};
use nrn::engine::Engine;

/// `finitialize(v)`, with the ParallelContext (if one exists) prepared for `psolve`.
pub fn initialise(py: Python<'_>, v: Option<f64>) -> PyResult<()> {
    run_state::initialise(py, v, || match existing_context(py) {
        Some(context) => ParallelContext::prepare_run(&context),
        None => Ok(()),
    })
}

/// Initialises at `v_init` (default: `h.v_init`) and runs until `duration` ms (default:
/// `h.tstop`), with a progress bar if asked.
pub fn run(
    h: &Bound<'_, PyAny>,
    duration: Option<f64>,
    v_init: Option<f64>,
    progress: bool,
    choice: EngineChoice,
) -> PyResult<()> {
    let py = h.py();
    let tstop: f64 = match duration {
        Some(duration) => duration,
        None => h.getattr("tstop")?.extract()?,
    };
    if !tstop.is_finite() || tstop < 0.0 {
        return Err(PyValueError::new_err(format!(
            "a run lasts a finite number of ms from 0, got {tstop}"
        )));
    }
    h.setattr("tstop", tstop)?;
    // As NEURON's run(): start from v_init (stdrun's, -65 mV unless changed).
    let v_init = match v_init {
        Some(v_init) => v_init,
        None => h.getattr("v_init")?.extract()?,
    };
    check(py, choice)?;
    with_engine(py, choice, || {
        initialise(py, Some(v_init))?;
        without_garbage_collection(py, || {
            if !progress {
                return advance_to(h, tstop, choice, None);
            }
            let bar = ProgressBar::new(py, tstop)?;
            advance_to(h, tstop, choice, Some(&|now| bar.update(now)))?;
            bar.close()
        })
    })
}

/// NEURON's `continuerun`: runs *until* `tstop` ms, without initialising; a warning when
/// the simulation is already there.
pub fn continuerun(h: &Bound<'_, PyAny>, tstop: f64, choice: EngineChoice) -> PyResult<()> {
    let py = h.py();
    if !tstop.is_finite() {
        return Err(PyValueError::new_err(format!(
            "continuerun runs until a finite time in ms, got {tstop}"
        )));
    }
    let now: f64 = h.getattr("t")?.extract()?;
    if tstop <= now {
        let message = format!(
            "continuerun({tstop}) ran nothing: the simulation is already at t = {now} ms. \
             continuerun runs until an absolute time; to run for a duration use \
             p.continuerun(p.t + duration)"
        );
        warn(py, &message)?;
        return Ok(());
    }
    check_can_continue(py)?;
    let threads = current_threads(py)?;
    if choice.threads != threads {
        // NEURON checks the delays between threads when it initialises only.
        return Err(EngineError::new_err(format!(
            "the simulation was initialised with {threads} thread{}: the thread count is \
             chosen when a run starts, with p.run(..., threads={}) (or p.finitialize() \
             after changing it)",
            if threads == 1 { "" } else { "s" },
            choice.threads
        )));
    }
    check(py, choice)?;
    warn_before_continuing(py, "continuerun")?;
    with_engine(py, choice, || {
        without_garbage_collection(py, || advance_to(h, tstop, choice, None))
    })
}

/// One time step.
pub fn fadvance(h: &Bound<'_, PyAny>) -> PyResult<()> {
    let py = h.py();
    check_can_continue(py)?;
    warn_before_continuing(py, "fadvance")?;
    without_garbage_collection(py, || neuron_call(py, || h.call_method0("fadvance")))?;
    Ok(())
}

/// Runs from the current time to `tstop`: psolve in parallel runs, on CoreNEURON (which
/// only psolve starts) and on several threads (psolve hands each thread many steps at
/// once; continuerun synchronises them at every step: 1.4x slower on 2 threads),
/// continuerun otherwise; `after_piece` is told the time reached after each piece.
fn advance_to(
    h: &Bound<'_, PyAny>,
    tstop: f64,
    choice: EngineChoice,
    after_piece: Option<&dyn Fn(f64) -> PyResult<()>>,
) -> PyResult<()> {
    let engine = choice.engine;
    let py = h.py();
    let pace = match engine {
        Engine::Neuron => Pace::NEURON,
        Engine::CoreNeuron => Pace::CORENEURON,
    };
    let pace = match after_piece {
        Some(after_piece) => pace.reporting(after_piece),
        None => pace,
    };
    match parallel_run(py) {
        Some(context) => run_parallel(&context, tstop, &pace),
        None if engine == Engine::CoreNeuron || choice.threads > 1 => {
            let neuron_context = neuron_parallel_context(py)?;
            advance(py, h, Some(&neuron_context), tstop, &pace)
        }
        None => advance(py, h, None, tstop, &pace),
    }
}

/// Runs `body` with Python's cyclic garbage collector paused. A collection during a run
/// could free a NEURON object (a NetStim, a synapse) that has events waiting in NEURON's
/// queue, which crashes NEURON when the event is delivered.
fn without_garbage_collection<T>(
    py: Python<'_>,
    body: impl FnOnce() -> PyResult<T>,
) -> PyResult<T> {
    let gc = py.import("gc")?;
    let was_enabled: bool = gc.call_method0("isenabled")?.extract()?;
    gc.call_method0("disable")?;
    let result = body();
    if was_enabled {
        gc.call_method0("enable")?;
    }
    result
}

/// A tqdm progress bar over simulated time, or a line on stderr without tqdm.
struct ProgressBar<'py> {
    py: Python<'py>,
    bar: Option<Bound<'py, PyAny>>,
    total: f64,
    shown: Cell<f64>,
}

impl<'py> ProgressBar<'py> {
    fn new(py: Python<'py>, total: f64) -> PyResult<ProgressBar<'py>> {
        // tqdm.auto draws a widget in notebooks, but warns without ipywidgets (which draw
        // it): then the text bar, which notebooks show too.
        let module = if py.import("ipywidgets").is_ok() {
            "tqdm.auto"
        } else {
            "tqdm"
        };
        let bar = match py.import(module) {
            Ok(tqdm) => {
                let options = PyDict::new(py);
                options.set_item("total", total)?;
                options.set_item("unit", "ms")?;
                options.set_item("desc", "simulating")?;
                options.set_item("bar_format", "{desc}: {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} ms [{elapsed}<{remaining}]")?;
                Some(tqdm.getattr("tqdm")?.call((), Some(&options))?)
            }
            Err(_) => None,
        };
        Ok(ProgressBar {
            py,
            bar,
            total,
            shown: Cell::new(0.0),
        })
    }

    fn update(&self, now: f64) -> PyResult<()> {
        // NEURON's last step may end a rounding error past the end: tqdm warns beyond it.
        let now = now.min(self.total);
        let step = now - self.shown.replace(now);
        match &self.bar {
            Some(bar) => bar.call_method1("update", (step,)).map(drop),
            None => {
                let line = format!(
                    "\rsimulating: {:5.1}% ({now:.1}/{:.1} ms)",
                    100.0 * now / self.total,
                    self.total
                );
                self.py
                    .import("sys")?
                    .getattr("stderr")?
                    .call_method1("write", (line,))
                    .map(drop)
            }
        }
    }

    fn close(self) -> PyResult<()> {
        match &self.bar {
            Some(bar) => bar.call_method0("close").map(drop),
            None => self
                .py
                .import("sys")?
                .getattr("stderr")?
                .call_method1("write", ("\n",))
                .map(drop),
        }
    }
}
