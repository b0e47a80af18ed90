//! The one place where Rust errors become Python exceptions. The exception classes live in
//! `patch/exceptions.py` (so `HocError` can be both a `PatchError` and a `RuntimeError`).

use nrn::NrnError;
use pyo3::exceptions::{PyAttributeError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;

/// A failure in Patch: NEURON's, or one Python already raised.
#[derive(Debug)]
pub enum PatchErr {
    Nrn {
        error: NrnError,
        /// What NEURON printed while failing, kept for the message instead of the terminal.
        neuron_output: String,
    },
    Py(PyErr),
}

pub type PatchResult<T> = Result<T, PatchErr>;

impl PatchErr {
    pub fn with_output(error: NrnError, neuron_output: String) -> PatchErr {
        PatchErr::Nrn {
            error,
            neuron_output,
        }
    }
}

impl From<NrnError> for PatchErr {
    fn from(error: NrnError) -> PatchErr {
        PatchErr::with_output(error, String::new())
    }
}

impl From<PyErr> for PatchErr {
    fn from(error: PyErr) -> PatchErr {
        PatchErr::Py(error)
    }
}

impl From<pyo3::CastError<'_, '_>> for PatchErr {
    fn from(error: pyo3::CastError<'_, '_>) -> PatchErr {
        PatchErr::Py(error.into())
    }
}

impl From<PatchErr> for PyErr {
    fn from(error: PatchErr) -> PyErr {
        match error {
            PatchErr::Py(error) => error,
            PatchErr::Nrn {
                error,
                neuron_output,
            } => Python::attach(|py| to_python(py, &error, &neuron_output)),
        }
    }
}

fn to_python(py: Python<'_>, error: &NrnError, neuron_output: &str) -> PyErr {
    let message = with_neuron_output(&error.to_string(), neuron_output);
    let patch_exception = |name: &str| match exception_class(py, name) {
        Ok(class) => PyErr::from_type(class, message.clone()),
        Err(import_error) => import_error,
    };
    match error {
        NrnError::Hoc(_) => patch_exception("HocError"),
        NrnError::DeletedSection => patch_exception("DeletedSectionError"),
        NrnError::LostSection { .. } => patch_exception("HocSectionAccessError"),
        NrnError::UnknownName { .. } => PyAttributeError::new_err(message),
        NrnError::WrongKind { .. } | NrnError::WrongClass { .. } => PyTypeError::new_err(message),
        NrnError::InvalidArgument(_) => PyValueError::new_err(message),
        NrnError::NotEventTarget { .. } | NrnError::Unplaced { .. } => {
            patch_exception("HocConnectError")
        }
        NrnError::MechanismBuild(_) => patch_exception("MechanismError"),
        NrnError::LibraryNotFound { .. }
        | NrnError::LibraryLoad { .. }
        | NrnError::MissingSymbol { .. }
        | NrnError::UncheckedRelease { .. }
        | NrnError::OtherThread
        | NrnError::AlreadyInitialised { .. }
        | NrnError::InitFailed { .. }
        | NrnError::Foreign(_) => patch_exception("PatchError"),
    }
}

/// NEURON's printout repeats the message and adds where it happened (the HOC line);
/// keep the part that adds something.
fn with_neuron_output(message: &str, neuron_output: &str) -> String {
    // "near line 0" and what follows (a caret, HOC's echo of Python's call as `objref
    // hoc_obj_[2]` or `Vector[96].record(3)`) point at no line of the user's.
    let report = neuron_output
        .split_once(" near line 0\n")
        .map_or(neuron_output, |(reason, _position)| reason);
    let context: Vec<&str> = report
        .lines()
        .map(str::trim_end)
        .filter(|line| !line.trim().is_empty())
        .filter(|line| !line.trim_start_matches("NEURON: ").contains(message))
        .collect();
    if context.is_empty() {
        message.to_string()
    } else {
        format!("{message}\nNEURON reported:\n{}", context.join("\n"))
    }
}

/// NEURON's own `RuntimeError` ("hocobj_call error: hoc_execerror: ...") as a `HocError`
/// with the reason and what NEURON printed; other exceptions pass through.
pub fn hoc_exception(py: Python<'_>, error: PyErr, neuron_output: &str, class: &str) -> PyErr {
    let is_patch_error = exception_class(py, "PatchError")
        .map(|patch_error| error.is_instance(py, &patch_error))
        .unwrap_or(false);
    if is_patch_error || !error.is_instance_of::<pyo3::exceptions::PyRuntimeError>(py) {
        return error;
    }
    let reason = clean_neuron_message(&error.value(py).to_string());
    let message = with_neuron_output(&reason, neuron_output);
    match exception_class(py, class) {
        Ok(class) => {
            let typed = PyErr::from_type(class, message);
            typed.set_cause(py, Some(error));
            typed
        }
        Err(import_error) => import_error,
    }
}

/// NEURON's own exceptions for objects that lost their section, typed: the
/// `ReferenceError` of a deleted section becomes `DeletedSectionError`, the bare
/// `TypeError("No value")` of a point process without a section `HocSectionAccessError`.
pub fn typed_neuron_error(py: Python<'_>, error: PyErr, object: &Bound<'_, PyAny>) -> PyErr {
    let (class, message) = if is_deleted_section(py, &error) {
        ("DeletedSectionError", NrnError::DeletedSection.to_string())
    } else if error.is_instance_of::<PyTypeError>(py)
        && error.value(py).to_string() == "No value"
        && object
            .call_method0("has_loc")
            .and_then(|located| located.is_truthy())
            .is_ok_and(|located| !located)
    {
        let what = object
            .str()
            .map(|text| text.to_string())
            .unwrap_or_default();
        let message = format!(
            "{what} is not in a section (never placed, or its section was deleted): place it \
             with {what}.loc(section(x)) before using it"
        );
        ("HocSectionAccessError", message)
    } else {
        return error;
    };
    let typed = patch_error(py, class, &message);
    typed.set_cause(py, Some(error));
    typed
}

fn is_deleted_section(py: Python<'_>, error: &PyErr) -> bool {
    error.is_instance_of::<pyo3::exceptions::PyReferenceError>(py)
        && !exception_class(py, "PatchError").is_ok_and(|patch| error.is_instance(py, &patch))
        && error.value(py).to_string().contains("deleted section")
}

/// `result` of a call into NEURON's Python, with the exception NEURON 9 sometimes sets
/// while reporting success (for a string where a number goes), which would otherwise
/// surface at some later, unrelated call.
pub fn with_stray_error<T>(py: Python<'_>, result: PyResult<T>) -> PyResult<T> {
    let value = result?;
    PyErr::take(py).map_or(Ok(value), Err)
}

/// Recording something that cannot be recorded.
pub fn record_error(py: Python<'_>, target: &Bound<'_, PyAny>, error: PyErr) -> PyErr {
    let what = target
        .repr()
        .map(|text| text.to_string())
        .unwrap_or_else(|_| "the target".to_string());
    let typed = hoc_exception(py, error, "", "HocRecordError");
    let reason = typed.value(py).to_string();
    match exception_class(py, "HocRecordError") {
        Ok(class) if typed.is_instance(py, &class) => PyErr::from_type(
            class,
            format!(
                "cannot record {what}: {reason}\nRecord a Section, a Segment, a point process or a `_ref_` pointer such as `p._ref_t`."
            ),
        ),
        _ => typed,
    }
}

/// A `UserWarning` with `message`, pointing at the user's line that called Patch.
pub fn warn(py: Python<'_>, message: &str) -> PyResult<()> {
    let category = py.get_type::<pyo3::exceptions::PyUserWarning>();
    let message = std::ffi::CString::new(message).unwrap_or_default();
    PyErr::warn(py, &category, &message, 1)
}

/// A misuse of NEURON's section stack.
pub fn section_access_error(py: Python<'_>, message: &str) -> PyErr {
    patch_error(py, "HocSectionAccessError", message)
}

/// The exception `class` of `patch.exceptions` with `message`.
pub fn patch_error(py: Python<'_>, class: &str, message: &str) -> PyErr {
    match exception_class(py, class) {
        Ok(class) => PyErr::from_type(class, message.to_string()),
        Err(import_error) => import_error,
    }
}

/// NEURON prefixes its messages with where they were raised.
fn clean_neuron_message(message: &str) -> String {
    let mut message = message.trim();
    for prefix in ["hocobj_call error: ", "hoc_execerror: "] {
        message = message.strip_prefix(prefix).unwrap_or(message);
    }
    message.to_string()
}

fn exception_class<'py>(py: Python<'py>, name: &str) -> PyResult<Bound<'py, PyType>> {
    static MODULE: PyOnceLock<Py<PyModule>> = PyOnceLock::new();
    let module = MODULE.get_or_try_init(py, || py.import("patch.exceptions").map(Bound::unbind))?;
    Ok(module.bind(py).getattr(name)?.cast_into::<PyType>()?)
}

#[cfg(test)]
mod tests {
    use super::with_neuron_output;

    #[test]
    fn neuron_prefixes_are_removed() {
        assert_eq!(
            super::clean_neuron_message("hocobj_call error: hoc_execerror: bad stack"),
            "bad stack"
        );
        assert_eq!(super::clean_neuron_message("plain"), "plain");
    }

    #[test]
    fn neuron_output_adds_only_new_lines() {
        let printed = "NEURON: syntax error\n near line 1\n x = = 1\n     ^\n";
        let message = with_neuron_output("syntax error", printed);
        assert_eq!(
            message,
            "syntax error\nNEURON reported:\n near line 1\n x = = 1\n     ^"
        );
        assert_eq!(with_neuron_output("syntax error", ""), "syntax error");
    }
}
