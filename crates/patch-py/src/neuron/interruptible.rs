//! Runs that Ctrl-C stops. NEURON ignores Ctrl-C while it simulates, so Patch advances in
//! pieces of about a quarter of a second of wall time and lets Python's signal handlers
//! run between them: a run stops within about a second, at the end of a piece (a
//! consistent state, from which `p.continuerun` goes on). Under MPI the ranks agree after
//! each piece whether any was interrupted, and all stop at the same time.
//!
//! Splitting changes nothing in the results: NEURON's fixed step takes the same steps
//! whatever the stops in between, and a piece costs one call into NEURON (a few per
//! second).

use std::time::{Duration, Instant};

use pyo3::exceptions::PyKeyboardInterrupt;
use pyo3::prelude::*;

use crate::neuron::capture::neuron_call;
use crate::neuron::types::hoc_attribute;

/// How a run is cut: the wall time a piece aims at, and what to do after each (a
/// progress bar's update, given the time reached).
pub struct Pace<'a> {
    pub piece: Duration,
    /// How much longer a piece may be than the last, when the last was short.
    pub growth: f64,
    pub after_piece: &'a dyn Fn(f64) -> PyResult<()>,
}

impl Pace<'_> {
    /// NEURON's engine: a quarter of a second, so Ctrl-C answers at once.
    pub const NEURON: Pace<'static> = Pace {
        piece: Duration::from_millis(250),
        growth: 2.0,
        after_piece: &|_| Ok(()),
    };
    /// CoreNEURON copies the model in and out at every call (about 70 ms for 1,000
    /// two-section cells on 2 threads): few pieces of about ten seconds, reached in a
    /// leap from the first short one, keep that near 1% of a run.
    pub const CORENEURON: Pace<'static> = Pace {
        piece: Duration::from_secs(10),
        growth: 1000.0,
        after_piece: &|_| Ok(()),
    };

    /// The pace of NEURON's current engine (`neuron.coreneuron.enable`), for runs that
    /// take NEURON's settings as they are (`p.parallel.psolve`).
    pub fn of_current_engine(py: Python<'_>) -> PyResult<Pace<'static>> {
        let settings = py.import("neuron.coreneuron")?;
        Ok(if settings.getattr("enable")?.extract()? {
            Pace::CORENEURON
        } else {
            Pace::NEURON
        })
    }

    /// The same pace, reporting each piece's end to `after_piece`.
    pub fn reporting<'a>(&self, after_piece: &'a dyn Fn(f64) -> PyResult<()>) -> Pace<'a> {
        Pace {
            piece: self.piece,
            growth: self.growth,
            after_piece,
        }
    }
}
/// The first piece, in time steps: short, until the speed of the model is known.
const FIRST_PIECE_STEPS: f64 = 10.0;

/// Advances NEURON's simulation until `tstop` ms (NEURON's `continuerun`, or `psolve` of
/// the ParallelContext `parallel` on several ranks), in pieces.
pub fn advance(
    py: Python<'_>,
    h: &Bound<'_, PyAny>,
    parallel: Option<&Bound<'_, PyAny>>,
    tstop: f64,
    pace: &Pace<'_>,
) -> PyResult<()> {
    let dt: f64 = h.getattr(pyo3::intern!(py, "dt"))?.extract()?;
    let mut length = FIRST_PIECE_STEPS * dt;
    loop {
        let now: f64 = h.getattr(pyo3::intern!(py, "t"))?.extract()?;
        if now >= tstop - dt / 2.0 {
            return Ok(());
        }
        let target = (now + length).min(tstop);
        let started = Instant::now();
        match parallel {
            Some(context) => neuron_call(py, || context.call_method1("psolve", (target,)))?,
            None => neuron_call(py, || h.call_method1("continuerun", (target,)))?,
        };
        let elapsed = started.elapsed();
        let interrupted = py.check_signals().err();
        let (anyone_interrupted, slowest) = match parallel {
            Some(context) => agree(context, interrupted.is_some(), elapsed)?,
            None => (interrupted.is_some(), elapsed),
        };
        if anyone_interrupted {
            return Err(interrupted.unwrap_or_else(|| {
                PyKeyboardInterrupt::new_err("another rank was interrupted (Ctrl-C)")
            }));
        }
        let after: f64 = h.getattr(pyo3::intern!(py, "t"))?.extract()?;
        (pace.after_piece)(after)?;
        if after <= now {
            // NEURON stopped on its own (`stoprun`): so does the run.
            return Ok(());
        }
        length = next_length(length, slowest, dt, pace);
    }
}

/// The next piece's simulated length, from how long the last one took.
fn next_length(length: f64, took: Duration, dt: f64, pace: &Pace<'_>) -> f64 {
    let piece = pace.piece;
    if took < piece / 2 {
        let aimed = piece.as_secs_f64() / took.as_secs_f64().max(1e-9);
        length * aimed.clamp(2.0, pace.growth.max(2.0))
    } else if took > piece * 2 {
        (length / 2.0).max(dt)
    } else {
        length
    }
}

/// Whether any rank was interrupted, and the longest any took: the same answer on every
/// rank (one allreduce), so all take the same pieces.
fn agree(
    context: &Bound<'_, PyAny>,
    interrupted: bool,
    took: Duration,
) -> PyResult<(bool, Duration)> {
    let py = context.py();
    let mine = vec![f64::from(u8::from(interrupted)), took.as_secs_f64()];
    let vector = hoc_attribute(py, "Vector")?.call1((mine,))?;
    // 2: the maximum.
    context.call_method1(pyo3::intern!(py, "allreduce"), (&vector, 2))?;
    let agreed: Vec<f64> = vector
        .call_method0(pyo3::intern!(py, "to_python"))?
        .extract()?;
    Ok((agreed[0] > 0.0, Duration::from_secs_f64(agreed[1].max(0.0))))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pieces_grow_while_fast_and_shrink_when_slow() {
        let dt = 0.025;
        let pace = Pace::NEURON;
        assert_eq!(next_length(1.0, Duration::from_millis(10), dt, &pace), 2.0);
        assert_eq!(next_length(1.0, Duration::from_millis(250), dt, &pace), 1.0);
        assert_eq!(next_length(1.0, Duration::from_secs(2), dt, &pace), 0.5);
        assert_eq!(next_length(dt, Duration::from_secs(2), dt, &pace), dt);
    }

    #[test]
    fn coreneuron_pieces_leap_to_their_length() {
        let pace = Pace::CORENEURON;
        assert_eq!(
            next_length(1.0, Duration::from_millis(100), 0.025, &pace),
            100.0
        );
        assert_eq!(
            next_length(1.0, Duration::from_millis(1), 0.025, &pace),
            1000.0
        );
        assert_eq!(next_length(1.0, Duration::from_secs(10), 0.025, &pace), 1.0);
    }
}
