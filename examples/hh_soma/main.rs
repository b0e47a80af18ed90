//! A Hodgkin-Huxley soma driven by a current clamp, built and run by NEURON without Python.
//!
//! ```text
//! make venv
//! PATCH_LIBNRNIV=$(.venv/bin/python -m patch --libnrniv) cargo run -p nrn --example hh_soma
//! ```
//! Prints `time voltage` for every step, and a summary on stderr.
use nrn::{Neuron, Standalone};

mod model;

nrn::export_modl_reg!();

fn main() {
    let trace = Neuron::standalone(&Standalone::default()).and_then(model::simulate);
    match trace {
        Ok(trace) => {
            for (time, voltage) in trace.time.iter().zip(&trace.voltage) {
                println!("{time:.3} {voltage:.6}");
            }
            eprintln!(
                "{} samples, {} spikes, peak {:.2} mV",
                trace.time.len(),
                trace.spike_count(),
                trace.voltage.iter().copied().fold(f64::MIN, f64::max)
            );
        }
        Err(error) => {
            eprintln!("error: {error}");
            std::process::exit(1);
        }
    }
}
