//! The one place where Rust errors become Python exceptions (the classes are in
//! `exceptions.rs`), with what NEURON printed while failing.

use nrn::NrnError;
use pyo3::exceptions::{
    PyAttributeError, PyReferenceError, PyRuntimeError, PyTypeError, PyUserWarning, PyValueError,
};
use pyo3::prelude::*;
use pyo3::PyTypeInfo;

use crate::neuron::exceptions::{
    DeletedSectionError, HocConnectError, HocError, HocRecordError, HocSectionAccessError,
    MechanismError, MorphologyError, PatchError,
};

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
            } => to_python(&error, &neuron_output),
        }
    }
}

/// The Python exception class a NEURON failure is raised as.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Exception {
    Hoc,
    DeletedSection,
    SectionAccess,
    Connect,
    Mechanism,
    Morphology,
    Patch,
    Attribute,
    Type,
    Value,
}

/// Which exception `error` is raised as: NEURON's refusals are `HocError`s, questions
/// about the argument are Python's own classes, set-up failures are `PatchError`s.
fn exception_for(error: &NrnError) -> Exception {
    match error {
        NrnError::Hoc(_) => Exception::Hoc,
        NrnError::DeletedSection => Exception::DeletedSection,
        NrnError::LostSection { .. } => Exception::SectionAccess,
        NrnError::UnknownName { .. } => Exception::Attribute,
        NrnError::WrongKind { .. } | NrnError::WrongClass { .. } => Exception::Type,
        NrnError::InvalidArgument(_) => Exception::Value,
        NrnError::NotEventTarget { .. } | NrnError::Unplaced { .. } => Exception::Connect,
        NrnError::MechanismBuild(_) => Exception::Mechanism,
        NrnError::Morphology { .. } => Exception::Morphology,
        NrnError::LibraryNotFound { .. }
        | NrnError::LibraryLoad { .. }
        | NrnError::MissingSymbol { .. }
        | NrnError::UncheckedRelease { .. }
        | NrnError::OtherThread
        | NrnError::AlreadyInitialised { .. }
        | NrnError::InitFailed { .. }
        | NrnError::Foreign(_) => Exception::Patch,
    }
}

fn to_python(error: &NrnError, neuron_output: &str) -> PyErr {
    let message = with_neuron_output(&error.to_string(), neuron_output);
    match exception_for(error) {
        Exception::Hoc => HocError::new_err(message),
        Exception::DeletedSection => DeletedSectionError::new_err(message),
        Exception::SectionAccess => HocSectionAccessError::new_err(message),
        Exception::Connect => HocConnectError::new_err(message),
        Exception::Mechanism => MechanismError::new_err(message),
        Exception::Morphology => MorphologyError::new_err(message),
        Exception::Patch => PatchError::new_err(message),
        Exception::Attribute => PyAttributeError::new_err(message),
        Exception::Type => PyTypeError::new_err(message),
        Exception::Value => PyValueError::new_err(message),
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
pub fn hoc_exception<E: PyTypeInfo>(py: Python<'_>, error: PyErr, neuron_output: &str) -> PyErr {
    if error.is_instance_of::<PatchError>(py) || !error.is_instance_of::<PyRuntimeError>(py) {
        return error;
    }
    let reason = clean_neuron_message(&error.value(py).to_string());
    let typed = PyErr::from_type(
        E::type_object(py),
        with_neuron_output(&reason, neuron_output),
    );
    typed.set_cause(py, Some(error));
    typed
}

/// NEURON's own exceptions for objects that lost their section, typed: the
/// `ReferenceError` of a deleted section becomes `DeletedSectionError`, the bare
/// `TypeError("No value")` of a point process without a section `HocSectionAccessError`.
pub fn typed_neuron_error(py: Python<'_>, error: PyErr, object: &Bound<'_, PyAny>) -> PyErr {
    let typed = if is_deleted_section(py, &error) {
        DeletedSectionError::new_err(NrnError::DeletedSection.to_string())
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
        HocSectionAccessError::new_err(message)
    } else {
        return error;
    };
    typed.set_cause(py, Some(error));
    typed
}

fn is_deleted_section(py: Python<'_>, error: &PyErr) -> bool {
    error.is_instance_of::<PyReferenceError>(py)
        && !error.is_instance_of::<PatchError>(py)
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
        .map_or_else(|_| "the target".to_string(), |text| text.to_string());
    let typed = hoc_exception::<HocRecordError>(py, error, "");
    if !typed.is_instance_of::<HocRecordError>(py) {
        return typed;
    }
    let reason = typed.value(py).to_string();
    HocRecordError::new_err(format!(
        "cannot record {what}: {reason}\nRecord a Section, a Segment, a point process or a `_ref_` pointer such as `p._ref_t`."
    ))
}

/// A `UserWarning` with `message`, pointing at the user's line that called Patch.
pub fn warn(py: Python<'_>, message: &str) -> PyResult<()> {
    let category = py.get_type::<PyUserWarning>();
    let message = std::ffi::CString::new(message).unwrap_or_default();
    PyErr::warn(py, &category, &message, 1)
}

/// NEURON prefixes its messages with where they were raised.
fn clean_neuron_message(message: &str) -> String {
    let mut message = message.trim();
    for prefix in ["hocobj_call error: ", "hoc_execerror: "] {
        message = message.strip_prefix(prefix).unwrap_or(message);
    }
    message.to_string()
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use nrn::NrnError;

    use super::{exception_for, with_neuron_output, Exception};

    #[test]
    fn each_neuron_failure_has_its_exception() {
        let class = || "ExpSyn".to_string();
        let path = || PathBuf::from("libnrniv.so");
        let cases = [
            (NrnError::Hoc("bad".into()), Exception::Hoc),
            (NrnError::DeletedSection, Exception::DeletedSection),
            (
                NrnError::LostSection { class: class() },
                Exception::SectionAccess,
            ),
            (
                NrnError::NotEventTarget { class: class() },
                Exception::Connect,
            ),
            (NrnError::Unplaced { class: class() }, Exception::Connect),
            (
                NrnError::MechanismBuild("nocmodl".into()),
                Exception::Mechanism,
            ),
            (
                NrnError::Morphology {
                    path: path(),
                    line: 3,
                    reason: "has 6 columns".into(),
                },
                Exception::Morphology,
            ),
            (
                NrnError::UnknownName {
                    kind: "mechanism",
                    name: "hhh".into(),
                    hint: String::new(),
                },
                Exception::Attribute,
            ),
            (
                NrnError::WrongKind {
                    name: "v".into(),
                    expected: "a function",
                    actual: "a variable".into(),
                },
                Exception::Type,
            ),
            (
                NrnError::WrongClass {
                    expected: "Vector",
                    actual: "List".into(),
                },
                Exception::Type,
            ),
            (NrnError::InvalidArgument("x".into()), Exception::Value),
            (
                NrnError::LibraryNotFound { env_var: "NRN_LIB" },
                Exception::Patch,
            ),
            (
                NrnError::LibraryLoad {
                    path: path(),
                    reason: "missing".into(),
                },
                Exception::Patch,
            ),
            (
                NrnError::MissingSymbol {
                    path: path(),
                    symbol: "nrn_init".into(),
                },
                Exception::Patch,
            ),
            (
                NrnError::UncheckedRelease {
                    what: "Patch".into(),
                    version: "9.1.0".into(),
                    verified: "9.0.",
                },
                Exception::Patch,
            ),
            (NrnError::OtherThread, Exception::Patch),
            (
                NrnError::AlreadyInitialised { path: path() },
                Exception::Patch,
            ),
            (NrnError::InitFailed { code: 1 }, Exception::Patch),
            (NrnError::Foreign("panic".into()), Exception::Patch),
        ];
        for (error, expected) in cases {
            assert_eq!(exception_for(&error), expected, "{error:?}");
        }
    }

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
