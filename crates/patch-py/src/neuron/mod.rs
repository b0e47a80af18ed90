//! Layer 1: NEURON as Patch's wrappers see it. Attaching to the loaded library, the MPI
//! launch, errors and NEURON's output, NEURON's Python types and the handles behind raw
//! NEURON objects, mechanisms, run state. Uses only the `nrn` crate and PyO3; knows
//! nothing of Patch's wrapper classes.

pub mod attach;
pub mod capture;
pub mod errors;
pub mod exceptions;
pub mod guards;
pub mod handles;
pub mod hints;
pub mod interruptible;
pub mod launch;
pub mod mechanisms;
pub mod run_state;
pub mod types;
