//! NMODL mechanisms: Patch's own (VecStim) and the user's, compiled with `nrnivmodl` into
//! the per-user cache and loaded into NEURON once.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use nrn::mechanisms::{default_cache_root, MechanismCompiler};
use pyo3::prelude::*;

use crate::neuron::attach::attach;
use crate::neuron::capture::neuron_call;
use crate::neuron::errors::PatchResult;
use crate::neuron::types::neuron_types;

static LOADED: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

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
