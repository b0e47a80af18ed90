//! Shared set-up of the integration tests: NEURON standalone in this process, plain NEURON
//! through the project's Python for reference results.
#![allow(dead_code)]

use std::path::PathBuf;
use std::process::Command;
use std::sync::{Mutex, MutexGuard};

use nrn::{Neuron, Standalone, LIBRARY_ENV_VAR};

nrn::export_modl_reg!();

static ONE_AT_A_TIME: Mutex<()> = Mutex::new(());

/// NEURON is single-threaded: tests take turns.
pub fn neuron() -> (&'static Neuron, MutexGuard<'static, ()>) {
    let turn = ONE_AT_A_TIME
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    let options = Standalone {
        library: Some(libnrniv()),
        neuron_home: None,
    };
    // SAFETY: the tests take turns (`turn` is held while a test uses NEURON), so calls
    // from the test threads never overlap. The first test starts NEURON.
    let neuron = match unsafe { Neuron::get_serialized() } {
        Some(neuron) => neuron,
        None => Neuron::standalone(&options).expect("NEURON starts standalone"),
    };
    (neuron, turn)
}

/// The Python with the `neuron` wheel: `$PATCH_PYTHON`, else the project's `.venv`.
pub fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("PATCH_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.venv/bin/python");
    assert!(
        venv.exists(),
        "no Python with NEURON: run `make venv` (or `make test`), or set PATCH_PYTHON"
    );
    venv
}

/// `$PATCH_LIBNRNIV`, else the library of the `neuron` wheel next to [`python`].
pub fn libnrniv() -> PathBuf {
    if let Some(path) = std::env::var_os(LIBRARY_ENV_VAR) {
        return PathBuf::from(path);
    }
    let code = "import importlib.util, os; \
                spec = importlib.util.find_spec('neuron'); \
                print(os.path.join(spec.submodule_search_locations[0], '.data', 'lib', 'libnrniv.so'))";
    PathBuf::from(run_python(&["-c", code]).trim())
}

/// Runs the project's Python and returns its standard output.
pub fn run_python(args: &[&str]) -> String {
    let output = Command::new(python())
        .args(args)
        .output()
        .expect("the project's Python runs");
    assert!(
        output.status.success(),
        "python {args:?} failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}
