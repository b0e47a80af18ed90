//! The arguments of `Section.iclamp` and `Section.vclamp`: NEURON's names (`dur`, `amp`)
//! next to Patch's (`duration`, `amplitude`), and the orders people bring from NEURON or
//! mix up, refused with the call they meant.

use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;

/// An amplitude (nA) this large, with a delay this short, is a swap, not a stimulus.
const SWAPPED_AMPLITUDE: f64 = 10.0;
const SWAPPED_DELAY: f64 = 1.0;

/// One value given under Patch's name or NEURON's, not both.
pub fn either<T>(patch: Option<T>, neuron: Option<T>, names: (&str, &str)) -> PyResult<Option<T>> {
    match (patch, neuron) {
        (Some(_), Some(_)) => Err(PyTypeError::new_err(format!(
            "give the {} once: `{}=` or `{}=`",
            names.0, names.0, names.1
        ))),
        (one, None) | (None, one) => Ok(one),
    }
}

/// `x` must be a position on the section; NEURON's clamps take delay, duration and
/// amplitude first, so a number outside 0-1 is most likely one of those.
pub fn check_position(clamp: &str, x: f64, rest: &[f64]) -> PyResult<()> {
    if (0.0..=1.0).contains(&x) {
        return Ok(());
    }
    let meant = match (clamp, rest) {
        ("iclamp", [duration, amplitude, ..]) => format!(
            " If you meant NEURON's order (delay, duration, amplitude), write \
             section.iclamp(0.5, delay={x}, duration={duration}, amplitude={amplitude})."
        ),
        _ => String::new(),
    };
    Err(PyValueError::new_err(format!(
        "x={x} is outside the section: the first argument of {clamp} is the position x \
         (0 to 1), then the delay and the duration in ms.{meant}"
    )))
}

/// `iclamp(0.5, 0.3, 5, 30)`: 30 nA after 0.3 ms is an amplitude, a delay and a duration
/// given in another order. Only for the `amplitude` argument: `amp=30` says it is meant.
pub fn check_amplitude_order(
    delay: f64,
    duration: f64,
    amplitude: &Bound<'_, PyAny>,
) -> PyResult<()> {
    let Ok(amplitude) = amplitude.extract::<f64>() else {
        return Ok(());
    };
    // A zero "delay" would be a zero amplitude in the other order: nothing to swap to.
    let swapped = amplitude.abs() >= SWAPPED_AMPLITUDE && delay > 0.0 && delay < SWAPPED_DELAY;
    if !swapped {
        return Ok(());
    }
    Err(PyValueError::new_err(format!(
        "iclamp(x, {delay}, {duration}, {amplitude}) reads as delay={delay} ms, \
         duration={duration} ms and an amplitude of {amplitude} nA, which looks like the \
         amplitude, delay and duration in another order. For {delay} nA from {duration} ms \
         for {amplitude} ms write section.iclamp(0.5, delay={duration}, \
         duration={amplitude}, amplitude={delay}); to inject {amplitude} nA indeed, pass \
         it as amp={amplitude}"
    )))
}
