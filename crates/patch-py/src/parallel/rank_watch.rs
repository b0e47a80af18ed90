//! A rank that vanishes without a word (killed, out of memory, `os._exit`) can leave the
//! others waiting in a collective forever: MPICH's launcher does not always end the job.
//! Each rank watches the processes of the other ranks on its machine and ends the job
//! when one disappears before the end of the script.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use pyo3::prelude::*;

/// Set once this rank reached the end of its script: from then on, others may exit.
static FINISHING: AtomicBool = AtomicBool::new(false);

/// How often the other ranks' processes are looked at.
const INTERVAL: Duration = Duration::from_millis(100);

/// Starts watching the ranks that run on this machine. Collective: call on every rank.
pub fn watch_other_ranks(context: &Bound<'_, PyAny>, rank: usize) -> PyResult<()> {
    let py = context.py();
    let host: String = py
        .import("socket")?
        .call_method0("gethostname")?
        .extract()?;
    let me = (host, std::process::id());
    let everyone: Vec<(String, u32)> = context
        .call_method1("py_allgather", (me.clone(),))?
        .extract()?;
    let neighbours: Vec<(usize, u32)> = everyone
        .into_iter()
        .enumerate()
        .filter(|(other, (host, _))| *other != rank && *host == me.0)
        .map(|(other, (_, pid))| (other, pid))
        .collect();
    if neighbours.is_empty() {
        return Ok(());
    }
    // No Python and no MPI in here: the main thread may hold the GIL inside a collective.
    std::thread::Builder::new()
        .name("patch-rank-watch".into())
        .spawn(move || watch(rank, &neighbours))
        .map(drop)
        .map_err(|error| pyo3::exceptions::PyOSError::new_err(error.to_string()))
}

/// From now on the other ranks may end: this one is at the end of its script too.
pub fn finishing() {
    FINISHING.store(true, Ordering::SeqCst);
}

fn watch(rank: usize, neighbours: &[(usize, u32)]) {
    // A rank that is gone twice in a row, so that a rank stopping for a reason it reports
    // itself gets to say so first.
    let mut missing: Option<usize> = None;
    loop {
        std::thread::sleep(INTERVAL);
        if FINISHING.load(Ordering::SeqCst) {
            return;
        }
        let gone = neighbours.iter().find(|(_, pid)| !is_running(*pid));
        match (gone, missing) {
            (Some((other, pid)), Some(seen)) if seen == *other => {
                eprintln!(
                    "patch: rank {other} (process {pid}) ended before the end of the script, \
                     without a Python exception (killed, out of memory, a crash or os._exit); \
                     rank {rank} ends the job instead of waiting for it"
                );
                // Not `exit`: its handlers would call into MPI, which may be waiting.
                // SAFETY: `_exit` ends the process at once; nothing after it runs.
                unsafe { libc::_exit(1) };
            }
            (Some((other, _)), _) => missing = Some(*other),
            (None, _) => missing = None,
        }
    }
}

/// Whether the process exists (it may be a zombie whose parent has not yet reaped it).
fn is_running(pid: u32) -> bool {
    let Ok(pid) = libc::pid_t::try_from(pid) else {
        return false;
    };
    // SAFETY: signal 0 only checks that the process exists; it sends nothing.
    if unsafe { libc::kill(pid, 0) } != 0 {
        return std::io::Error::last_os_error().raw_os_error() != Some(libc::ESRCH);
    }
    !is_zombie(pid)
}

fn is_zombie(pid: libc::pid_t) -> bool {
    std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .ok()
        .and_then(|stat| {
            // The state follows the command name, which is in parentheses.
            let after_name = &stat[stat.rfind(')')? + 1..];
            after_name
                .split_whitespace()
                .next()
                .map(|state| state == "Z")
        })
        .unwrap_or(false)
}
