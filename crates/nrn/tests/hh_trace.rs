//! NEURON driven from Rust, without Python, gives plain NEURON's results.
mod common;

#[path = "../../../examples/hh_soma/model.rs"]
mod model;

/// The `TRACE t v` lines printed by `reference/hh_soma.py`.
fn plain_neuron_trace() -> (Vec<f64>, Vec<f64>) {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/reference/hh_soma.py");
    let output = common::run_python(&[script]);
    output
        .lines()
        .filter_map(|line| line.strip_prefix("TRACE "))
        .map(|pair| {
            let mut numbers = pair.split(' ').map(|n| n.parse::<f64>().expect("a number"));
            (
                numbers.next().expect("time"),
                numbers.next().expect("voltage"),
            )
        })
        .unzip()
}

fn max_difference(ours: &[f64], reference: &[f64]) -> f64 {
    ours.iter()
        .zip(reference)
        .map(|(a, b)| (a - b).abs())
        .fold(0.0, f64::max)
}

#[test]
fn hh_soma_matches_plain_neuron_within_1e_9_mv() {
    let (neuron, _turn) = common::neuron();
    let trace = model::simulate(neuron).expect("the model runs");
    let (time, voltage) = plain_neuron_trace();

    assert_eq!(trace.time.len(), 1601, "40 ms at dt 0.025 plus t = 0");
    assert_eq!(trace.time.len(), time.len());
    assert_eq!(trace.voltage.len(), voltage.len());
    let time_error = max_difference(&trace.time, &time);
    let voltage_error = max_difference(&trace.voltage, &voltage);
    assert!(time_error <= 1e-12, "time differs by {time_error} ms");
    assert!(
        voltage_error <= 1e-9,
        "voltage differs by {voltage_error} mV"
    );
    assert!(trace.spike_count() >= 2, "the clamp makes the soma fire");
}
