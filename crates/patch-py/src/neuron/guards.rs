//! NEURON calls that look at every object of the model, and abort NEURON (`assert`) on
//! some it cannot handle. Objects the user let go of may still exist then, held by Patch's
//! reference cycles until Python's cyclic collector runs (plain NEURON frees them at
//! once); so before such calls Patch lets the collector free them, and where NEURON would
//! still abort on objects that do exist, Patch refuses the call with a typed error.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::neuron::exceptions::HocError;
use crate::neuron::types::neuron_types;

/// What to do before a NEURON call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Guard {
    Nothing,
    /// Free unreachable Patch objects first: the call sees (or changes) the whole model.
    CollectGarbage,
    /// `nlayer_extracellular(n)`: NEURON changes the layer count, then fails when
    /// sections have `extracellular`, and aborts later.
    ExtracellularLayers,
    /// A BBSaveState save or restore: NEURON aborts on a NetCon source without a GID
    /// that feeds more than one NetCon.
    SaveState,
}

/// The guard of NEURON's function `name` on `h`.
pub fn of_function(name: &str) -> Guard {
    match name {
        "nlayer_extracellular" => Guard::ExtracellularLayers,
        // Not calls made once per cell (define_shape, SectionList): a collection costs
        // time in proportion to every Python object there is.
        "topology" | "BBSaveState" | "stdinit" | "init" => Guard::CollectGarbage,
        _ => Guard::Nothing,
    }
}

/// The guard of method `name` of an instance of NEURON's class `class`.
pub fn of_method(class: &str, name: &str) -> Guard {
    match (class, name) {
        (
            "BBSaveState",
            "save" | "restore" | "save_request" | "save_test" | "save_test_bin" | "restore_test"
            | "restore_test_bin",
        ) => Guard::SaveState,
        _ => Guard::Nothing,
    }
}

/// Runs the guard before a call with `args`.
pub fn before(
    py: Python<'_>,
    guard: Guard,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    if guard == Guard::Nothing {
        return Ok(());
    }
    collect_unreachable(py)?;
    match guard {
        Guard::ExtracellularLayers => check_extracellular_layers(py, args, kwargs),
        Guard::SaveState => check_netcon_sources_for_save_state(py),
        Guard::Nothing | Guard::CollectGarbage => Ok(()),
    }
}

/// Lets Python's cyclic collector free the Patch objects nobody can reach any more, so
/// NEURON does not see them (plain NEURON would have freed them when they were dropped).
pub fn collect_unreachable(py: Python<'_>) -> PyResult<()> {
    py.import("gc")?.call_method0("collect")?;
    Ok(())
}

fn check_extracellular_layers(
    py: Python<'_>,
    args: &Bound<'_, PyTuple>,
    kwargs: Option<&Bound<'_, PyDict>>,
) -> PyResult<()> {
    let h = neuron_types(py)?.h.bind(py);
    let Ok(wanted) = args.get_item(0).and_then(|layers| layers.extract::<f64>()) else {
        return Ok(()); // a question, or NEURON's own error for a bad argument
    };
    if kwargs.is_some_and(|kwargs| !kwargs.is_empty()) {
        return Ok(());
    }
    let current: f64 = h.call_method0("nlayer_extracellular")?.extract()?;
    if wanted.trunc() == current {
        return Ok(());
    }
    let mut users = Vec::new();
    for section in h.call_method0("allsec")?.try_iter()? {
        let section = section?;
        let has = section.call_method1("has_membrane", ("extracellular",))?;
        if has.is_truthy()? && users.len() < 3 {
            users.push(section.str()?.to_string());
        }
    }
    if users.is_empty() {
        return Ok(());
    }
    Err(HocError::new_err(format!(
        "nlayer_extracellular cannot change from {current} to {wanted} while sections \
         have extracellular inserted (such as {}): NEURON would be left inconsistent and \
         abort. Set the number of layers before inserting extracellular, or delete those \
         sections (drop every reference to them) first",
        users.join(", ")
    )))
}

fn check_netcon_sources_for_save_state(py: Python<'_>) -> PyResult<()> {
    let h = neuron_types(py)?.h.bind(py);
    let netcons = h.call_method1("List", ("NetCon",))?;
    let count: usize = netcons.call_method0("count")?.extract::<f64>()? as usize;
    // NetCons per source without a GID: NEURON's BBSaveState saves such a source's state
    // with its one NetCon, and asserts there is only one.
    let sources = PyDict::new(py);
    for index in 0..count {
        let netcon = netcons.call_method1("o", (index,))?;
        if netcon.call_method0("srcgid")?.extract::<f64>()? >= 0.0 {
            continue;
        }
        let source = match netcon.call_method0("pre")? {
            source if !source.is_none() => source,
            _ => netcon.call_method0("preseg")?,
        };
        if source.is_none() {
            continue;
        }
        let seen: usize = match sources.get_item(&source)? {
            Some(seen) => seen.extract()?,
            None => 0,
        };
        if seen >= 1 {
            return Err(HocError::new_err(format!(
                "BBSaveState cannot save or restore: {} is the source of more than one \
                 NetCon but has no GID (NEURON would abort). Give the source a GID \
                 (p.ParallelCon(source, gid)), or keep one NetCon per source without a \
                 GID; NetCons you dropped are gone once nothing refers to them",
                source.str()?
            )));
        }
        sources.set_item(&source, seen + 1)?;
    }
    Ok(())
}
