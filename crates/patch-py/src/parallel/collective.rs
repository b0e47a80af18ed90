//! Every rank must make the same collective calls in the same order, or MPI waits forever
//! (or silently pairs a barrier with a spike exchange). Before each of Patch's collectives,
//! the ranks first agree on what they are about to do; when they disagree, every rank
//! raises `ParallelError` naming what each rank called, instead of hanging.

use pyo3::prelude::*;

use crate::neuron::exceptions::ParallelError;
use crate::neuron::types::hoc_attribute;

/// Patch's collective operations, with the argument every rank must give alike.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Collective {
    /// The end of the script (Patch's exit handler).
    Finish,
    Barrier,
    Broadcast {
        root: usize,
    },
    /// `recorded`: this rank called `spike_record` first.
    GatherSpikes {
        root: usize,
        recorded: bool,
    },
    Initialise,
    Run {
        tstop: f64,
    },
    /// The check before a run on another engine or on threads; `engine` counts threads,
    /// negative for CoreNEURON.
    CheckEngine {
        engine: f64,
    },
}

impl Collective {
    fn code(self) -> f64 {
        match self {
            Collective::Finish => 1.0,
            Collective::Barrier => 2.0,
            Collective::Broadcast { .. } => 3.0,
            Collective::GatherSpikes { .. } => 4.0,
            Collective::Initialise => 5.0,
            Collective::Run { .. } => 6.0,
            Collective::CheckEngine { .. } => 7.0,
        }
    }

    fn argument(self) -> f64 {
        match self {
            Collective::Broadcast { root } => root as f64,
            // Negative: nothing to gather on this rank.
            Collective::GatherSpikes { root, recorded } if !recorded => -1.0 - root as f64,
            Collective::GatherSpikes { root, .. } => root as f64,
            Collective::Run { tstop } => tstop,
            Collective::CheckEngine { engine } => engine,
            Collective::Finish | Collective::Barrier | Collective::Initialise => 0.0,
        }
    }

    fn describe(code: f64, argument: f64) -> String {
        match code as u8 {
            1 => "reached the end of its script".to_string(),
            2 => "called barrier()".to_string(),
            3 => format!("called broadcast(root={argument})"),
            4 if argument < 0.0 => "called gather_spikes() without spike_record()".to_string(),
            4 => format!("called gather_spikes(root={argument})"),
            5 => "called finitialize()".to_string(),
            6 => format!("runs to t = {argument} ms"),
            7 if argument < 0.0 => format!("runs on CoreNEURON with {} threads", -argument),
            7 => format!("runs on NEURON with {argument} threads"),
            _ => "called a collective operation outside Patch".to_string(),
        }
    }
}

/// Checks with every other rank that they are all about to make `call`; raises
/// `ParallelError` on every rank when they are not. `context` is NEURON's ParallelContext
/// of `hosts` ranks: with one, there is nobody to agree with.
pub fn agree(context: &Bound<'_, PyAny>, hosts: usize, call: Collective) -> PyResult<()> {
    let py = context.py();
    if hosts <= 1 {
        return Ok(());
    }
    let (code, argument) = (call.code(), call.argument());
    // One allreduce (maximum) of each value and its negative gives every rank the range.
    let mine = [code, -code, argument, -argument];
    let vector = hoc_attribute(py, "Vector")?.call1((mine.to_vec(),))?;
    context.call_method1("allreduce", (&vector, 2))?;
    let agreed: Vec<f64> = vector.call_method0("to_python")?.extract()?;
    let same = |index: usize| agreed[index] == -agreed[index + 1];
    if same(0) && same(2) {
        return Ok(());
    }
    // Every rank saw the disagreement, so every rank can gather what the others called.
    let calls: Vec<(f64, f64)> = context
        .call_method1("py_allgather", ((code, argument),))?
        .extract()?;
    let rank: usize = context.call_method0("id")?.extract::<f64>()? as usize;
    let each = calls
        .iter()
        .enumerate()
        .map(|(other, (code, argument))| {
            format!("rank {other} {}", Collective::describe(*code, *argument))
        })
        .collect::<Vec<_>>()
        .join(", ");
    Err(ParallelError::new_err(format!(
        "the ranks disagree on the next collective call ({each}), so rank {rank} stops \
         instead of waiting forever. Every rank must make the same collective calls, in \
         the same order and with the same arguments"
    )))
}

#[cfg(test)]
mod tests {
    use super::Collective;

    #[test]
    fn each_collective_has_its_own_code_and_description() {
        let calls = [
            Collective::Finish,
            Collective::Barrier,
            Collective::Broadcast { root: 1 },
            Collective::GatherSpikes {
                root: 0,
                recorded: true,
            },
            Collective::Initialise,
            Collective::Run { tstop: 5.0 },
        ];
        let codes: std::collections::HashSet<u8> =
            calls.iter().map(|call| call.code() as u8).collect();
        assert_eq!(codes.len(), calls.len());
        assert_eq!(Collective::describe(3.0, 1.0), "called broadcast(root=1)");
        assert_eq!(Collective::describe(6.0, 5.0), "runs to t = 5 ms");
    }
}
