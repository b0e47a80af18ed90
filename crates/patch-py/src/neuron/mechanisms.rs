//! NMODL mechanisms: Patch's own (VecStim) and the user's, compiled with `nrnivmodl` into
//! the per-user cache and loaded into NEURON once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nrn::engine::mechanisms_defined_in;
use nrn::mechanisms::{default_cache_root, MechanismCompiler, Target};
use pyo3::prelude::*;

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::PatchResult;
use crate::neuron::exceptions::EngineError;
use crate::neuron::types::neuron_types;

static LOADED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);
/// The CoreNEURON library this process handed to NEURON: NEURON loads one, once.
static CORENEURON_LIBRARY: Mutex<Option<PathBuf>> = Mutex::new(None);

fn compiler(py: Python<'_>) -> PyResult<MechanismCompiler> {
    let executable: PathBuf = py.import("sys")?.getattr("executable")?.extract()?;
    let beside_python = executable.with_file_name("nrnivmodl");
    let nrnivmodl = if beside_python.is_file() {
        beside_python
    } else {
        PathBuf::from("nrnivmodl")
    };
    Ok(MechanismCompiler {
        nrnivmodl,
        neuron_version: py.import("neuron")?.getattr("__version__")?.extract()?,
        cache_root: default_cache_root(),
    })
}

/// Compiles (or finds in the cache) and loads the mechanisms in `mod_files`; returns the
/// library.
pub fn compile_and_load(py: Python<'_>, mod_files: &[PathBuf]) -> PatchResult<PathBuf> {
    let library = compiler(py)?.compile(mod_files)?;
    load_library(py, &library)?;
    Ok(library)
}

fn load_library(py: Python<'_>, library: &Path) -> PyResult<()> {
    let loaded = || {
        LOADED
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    };
    if loaded().get_or_insert_with(HashSet::new).contains(library) {
        return Ok(());
    }
    // Loaded without the lock: NEURON runs the library's registration, which may call
    // back into Patch. The GIL keeps two loads of one library from overlapping.
    let h = neuron_types(py)?.h.bind(py);
    let path = library.to_string_lossy().into_owned();
    neuron_call(py, || h.call_method1("nrn_load_dll", (path,)))?;
    // Names unknown so far may be the new mechanisms' (misses are remembered).
    attach(py)?.forget_segment_names();
    loaded()
        .get_or_insert_with(HashSet::new)
        .insert(library.to_owned());
    Ok(())
}

/// The mechanism libraries loaded through Patch.
pub fn loaded_libraries() -> Vec<PathBuf> {
    let loaded = LOADED
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut libraries: Vec<PathBuf> = loaded.iter().flatten().cloned().collect();
    libraries.sort();
    libraries
}

/// The `.mod` files of a folder (or the one file given).
pub fn mod_files_in(path: &Path) -> PyResult<Vec<PathBuf>> {
    if path.is_file() {
        return Ok(vec![path.to_owned()]);
    }
    let entries = std::fs::read_dir(path).map_err(|error| {
        pyo3::exceptions::PyFileNotFoundError::new_err(format!(
            "cannot read the mechanism folder {}: {error}",
            path.display()
        ))
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|file| file.extension().is_some_and(|extension| extension == "mod"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(pyo3::exceptions::PyValueError::new_err(format!(
            "{} has no .mod files",
            path.display()
        )));
    }
    Ok(files)
}

/// Makes Patch's own mechanisms (VecStim, PatchRelay) available, compiled on first use.
pub fn ensure_patch_mechanisms(py: Python<'_>) -> PatchResult<()> {
    let h = neuron_types(py)?.h.bind(py);
    if h.hasattr("VecStim")? && h.hasattr("PatchRelay")? {
        return Ok(());
    }
    let package: PathBuf = py.import("patch")?.getattr("__file__")?.extract()?;
    let sources = mod_files_in(&package.with_file_name("mod"))?;
    compile_and_load(py, &sources)?;
    Ok(())
}

/// The `.mod` files behind every library loaded through Patch: the copies in the cache
/// folder each was compiled in (`<folder>/<architecture>/libnrnmech.so`), so CoreNEURON
/// gets exactly what NEURON runs.
fn loaded_sources() -> PyResult<Vec<PathBuf>> {
    let mut sources = Vec::new();
    for library in loaded_libraries() {
        if let Some(folder) = library.parent().and_then(Path::parent) {
            sources.extend(mod_files_in(folder)?);
        }
    }
    Ok(sources)
}

/// The mechanisms the `.mod` files loaded through Patch define: those CoreNEURON gets
/// compiled.
pub fn mechanisms_loaded_through_patch() -> PyResult<HashSet<String>> {
    let mut names = HashSet::new();
    for file in loaded_sources()? {
        let source = std::fs::read_to_string(&file).unwrap_or_default();
        names.extend(mechanisms_defined_in(&source));
    }
    Ok(names)
}

/// CoreNEURON's library for the mechanisms loaded through Patch (its own among them),
/// compiled on first use into the same cache (`nrnivmodl -coreneuron`). NEURON loads one
/// CoreNEURON library per process, so a run after more mechanisms were loaded is refused
/// with the reason.
pub fn coreneuron_library(py: Python<'_>) -> PatchResult<PathBuf> {
    // Patch's own are always in: every rank then hands CoreNEURON the same mechanisms.
    ensure_patch_mechanisms(py)?;
    let wanted = compiler(py)?.compile_for(&loaded_sources()?, Target::CoreNeuron)?;
    let mut handed = CORENEURON_LIBRARY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    match &*handed {
        Some(handed) if *handed != wanted => Err(EngineError::new_err(
            "mechanisms were loaded after CoreNEURON first ran in this process, and NEURON \
             loads CoreNEURON's mechanisms once: load every mechanism (p.load_mechanisms) \
             before the first CoreNEURON run, or start a new process",
        )
        .into()),
        Some(_) => Ok(wanted),
        None => {
            *handed = Some(wanted.clone());
            Ok(wanted)
        }
    }
}
