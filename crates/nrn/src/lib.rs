//! NEURON's C API from Rust, with no Python involved.
//!
//! * [`Neuron::attach`] joins the `libnrniv.so` that `import neuron` already loaded;
//!   [`Neuron::standalone`] loads and initialises NEURON in a program without Python.
//! * Every call sequence runs inside a C++ exception guard and returns
//!   `Result<_, NrnError>`; inputs that would crash NEURON are rejected before the call.
//! * [`ObjectHandle`] and [`SectionHandle`] own a NEURON reference for as long as they live.
//!
//! NEURON is one global, single-threaded interpreter, and the types say so: `Neuron` is
//! neither `Send` nor `Sync`, [`Neuron::get`] answers only on the thread that attached or
//! started it, and handles cannot cross threads. A host that serialises every call some
//! other way (Patch's bindings, under the GIL) uses the unsafe [`Neuron::get_serialized`].

mod bulk;
mod call;
pub mod engine;
mod error;
pub mod ffi;
mod guard;
mod handle;
mod library;
pub mod mechanisms;
pub mod morphology;
mod netcon_ends;
mod run;
mod section;
mod segment;
pub mod suggest;
mod symbols;

pub use bulk::{NetConSpec, Source};
pub use call::{Arg, Value};
pub use error::{NrnError, Result};
pub use handle::{ObjectHandle, SectionHandle};
pub use library::{
    finalize_mpi, load_globally, Conversions, Neuron, Standalone, LIBRARY_ENV_VAR,
    VERIFIED_RELEASES,
};
pub use netcon_ends::EndChecks;
pub use segment::{DensityMechanism, RangeVariable, SegmentName};
pub use symbols::SymbolKind;

/// Defines `modl_reg`, the one symbol `libnrniv.so` expects its host executable to provide
/// (NEURON calls it to register compiled mechanisms). Invoke once in a standalone program;
/// the build must also export it (`-Wl,--export-dynamic-symbol=modl_reg`).
#[macro_export]
macro_rules! export_modl_reg {
    () => {
        #[no_mangle]
        pub extern "C" fn modl_reg() {}
    };
}
