//! Layer 4: what Python calls first: the interpreter `p` and the `patch.core` functions.
//! Uses every layer below.

pub mod core;
pub mod diagnostics;
pub mod engines;
pub mod interpreter;
pub mod run;
