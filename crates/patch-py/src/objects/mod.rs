//! Patch's wrappers of NEURON objects.

pub mod base;
pub mod batch;
pub mod callable;
pub mod cell;
pub mod clamp_arguments;
pub mod classes;
pub mod collection;
pub mod display;
pub mod morphology;
pub mod netcon;
pub mod neuron_ref;
pub mod point_process;
pub mod pointer;
pub mod protocol;
pub mod references;
pub mod registry;
pub mod section;
pub mod section_ref;
pub mod section_stack;
pub mod segment;
pub mod spike_recordings;
pub mod time;
pub mod vecstim;
pub mod vector;
