//! The model of the `hh_soma` example; the `nrn` crate's tests run it too and compare it
//! with the same model in plain NEURON (`tests/reference/hh_soma.py`).
#![allow(dead_code)] // each user of the model reads part of it

use nrn::{Arg, Neuron, Result};

/// Recorded time (ms) and membrane potential (mV) at the middle of the soma.
pub struct Trace {
    pub time: Vec<f64>,
    pub voltage: Vec<f64>,
}

impl Trace {
    /// Upward crossings of 0 mV.
    pub fn spike_count(&self) -> usize {
        self.voltage
            .windows(2)
            .filter(|pair| pair[0] < 0.0 && pair[1] >= 0.0)
            .count()
    }
}

/// A 20 µm soma with `hh`, a 0.3 nA step from 5 to 35 ms, 40 ms at dt = 0.025 ms from -65 mV.
pub fn simulate(neuron: &'static Neuron) -> Result<Trace> {
    let soma = neuron.new_section("soma")?;
    neuron.set_length(&soma, 20.0)?;
    neuron.set_diameter(&soma, 20.0)?;
    neuron.set_axial_resistance(&soma, 100.0)?;
    neuron.insert(&soma, "hh")?;

    let clamp = neuron.new_point_process("IClamp", &soma, 0.5)?;
    neuron.set_property(&clamp, "del", 5.0)?;
    neuron.set_property(&clamp, "dur", 30.0)?;
    neuron.set_property(&clamp, "amp", 0.3)?;

    let voltage = neuron.new_object("Vector", &[])?;
    let time = neuron.new_object("Vector", &[])?;
    let v_at_middle = Arg::RangeRef {
        section: &soma,
        x: 0.5,
        variable: "v",
    };
    neuron.call_method(&voltage, "record", &[v_at_middle])?;
    neuron.call_method(&time, "record", &[Arg::VariableRef("t")])?;

    neuron.set_global("dt", 0.025)?;
    neuron.finitialize(-65.0)?;
    neuron.advance_until(40.0)?;
    Ok(Trace {
        time: neuron.vector_data(&time)?,
        voltage: neuron.vector_data(&voltage)?,
    })
}
