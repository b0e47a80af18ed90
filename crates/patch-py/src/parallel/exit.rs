//! How a parallel run ends: every rank checks at start that NEURON sees all of them;
//! at exit the ranks wait for each other, and an uncaught exception on one rank ends the
//! whole job with its reason instead of leaving the others waiting.

use pyo3::prelude::*;

use crate::neuron::exceptions::ParallelError;
use crate::neuron::launch::launcher_size;
use crate::objects::protocol::unwrap;
use crate::parallel::collective::{agree, Collective};
use crate::parallel::context::{context, existing_context};
use crate::parallel::rank_watch::finishing;
use crate::parallel::rank_watch::watch_other_ranks;

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
        watch_other_ranks(&neuron_context, context.borrow().rank)?;
        let hook = wrap_pyfunction!(abort_on_uncaught_exception, py)?;
        py.import("sys")?.setattr("excepthook", hook)?;
        py.import("atexit")?
            .call_method1("register", (wrap_pyfunction!(finish_parallel_run, py)?,))?;
        return Ok(());
    }
    Err(ParallelError::new_err(format!(
        "the MPI launcher started {size} ranks but NEURON sees {hosts}: every rank would \
         run the whole model alone. Install the MPI library (`pip install mpich`, Patch's \
         mpi extra) \
         and import patch before neuron, or set NEURON_INIT_MPI=1 and MPI_LIB_NRN_PATH"
    )))
}

/// At the end of a parallel script, on every rank: wait for the others, then end MPI, so
/// the launcher sees a clean exit. A rank that ends while another waits for it in one of
/// Patch's collectives ends the job instead, with the reason.
#[pyfunction]
fn finish_parallel_run(py: Python<'_>) -> PyResult<()> {
    finishing();
    if let Some(context) = existing_context(py) {
        if let Err(error) = agree(
            &unwrap(context.as_any())?,
            context.borrow().hosts,
            Collective::Finish,
        ) {
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
    finishing();
    let rank = existing_context(py).map_or(0, |context| context.borrow().rank);
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
