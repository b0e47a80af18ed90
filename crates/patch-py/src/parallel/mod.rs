//! Layer 3: MPI through NEURON's ParallelContext: the context class, GID wiring,
//! collectives every rank takes part in, and watching ranks end. Uses `neuron` and
//! `objects`.

pub mod collective;
pub mod context;
pub mod exit;
pub mod gid;
pub mod rank_watch;
