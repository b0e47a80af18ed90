//! The crate's one error type.

use std::path::PathBuf;

/// Everything that can go wrong between Rust and NEURON. Messages say what happened and
/// what to do about it; the Python bindings map each variant to one exception type.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NrnError {
    #[error(
        "could not find NEURON's libnrniv.so: pass its path explicitly or set {env_var} \
         (it lives at <site-packages>/neuron/.data/lib/libnrniv.so after `pip install neuron`)"
    )]
    LibraryNotFound { env_var: &'static str },

    #[error("could not load {path}: {reason}")]
    LibraryLoad { path: PathBuf, reason: String },

    #[error(
        "{path} does not export `{symbol}`: it is not a NEURON >= 9.0 libnrniv.so \
         (install `neuron>=9.0,<10`)"
    )]
    MissingSymbol { path: PathBuf, symbol: String },

    #[error(
        "{what} was checked against NEURON {verified}x, whose internals it relies on for \
         safety; this is NEURON {version}: install one of those (`pip install \
         \"neuron>={verified}0,<9.1\"`), or a Patch made for NEURON {version}"
    )]
    UncheckedRelease {
        what: String,
        version: String,
        verified: &'static str,
    },

    #[error(
        "NEURON belongs to the thread that attached or started it: it is one global, \
         single-threaded interpreter, so call it from that thread"
    )]
    OtherThread,

    #[error("NEURON is already initialised in this process from {path}")]
    AlreadyInitialised { path: PathBuf },

    #[error("NEURON failed to initialise (nrn_init returned {code})")]
    InitFailed { code: i32 },

    #[error("{0}")]
    Hoc(String),

    #[error("NEURON has no {kind} called '{name}'{hint}")]
    UnknownName {
        kind: &'static str,
        name: String,
        hint: String,
    },

    #[error("'{name}' is a {actual}, not a {expected}")]
    WrongKind {
        name: String,
        expected: &'static str,
        actual: String,
    },

    #[error("expected a {expected} object, got a {actual}")]
    WrongClass {
        expected: &'static str,
        actual: String,
    },

    #[error("{0}")]
    InvalidArgument(String),

    #[error(
        "a {class} cannot receive NetCon events (it has no NET_RECEIVE block): connect to a \
         synapse such as ExpSyn, or to an artificial cell"
    )]
    NotEventTarget { class: String },

    #[error(
        "the {class} is not in a section (never placed, or its section was deleted): place \
         it before connecting it"
    )]
    Unplaced { class: String },

    #[error(
        "the {class} lost its section (it was deleted) and its values with it: make a new \
         one on a section that exists"
    )]
    LostSection { class: String },

    #[error("the section was deleted; create a new one instead of using the deleted one")]
    DeletedSection,

    #[error("{0}")]
    MechanismBuild(String),

    /// A morphology file NEURON would be given nonsense from (or crash on).
    #[error("{}{}: {reason}", path.display(), line_suffix(*line))]
    Morphology {
        path: PathBuf,
        /// The line (from 1); 0 for the file as a whole.
        line: usize,
        reason: String,
    },

    #[error("an unexpected exception crossed the NEURON guard: {0}")]
    Foreign(String),
}

pub type Result<T> = std::result::Result<T, NrnError>;

fn line_suffix(line: usize) -> String {
    if line == 0 {
        String::new()
    } else {
        format!(", line {line}")
    }
}
