//! The morphology reader and bulk builder from Rust: an SWC file's sections built in
//! NEURON with Import3d's geometry, and biophysics set on all of them.
mod common;

use std::ptr::NonNull;

use nrn::morphology::{parse_swc, Morphology};
use nrn::NrnError;

const BALL_AND_STICK: &str = "# soma of two points, a dendrite of two\n\
                              1 1 0 0 0 5 -1\n2 1 0 10 0 5 1\n3 3 0 10 0 1 2\n4 3 0 110 0 1 3\n";

#[test]
fn an_swc_cell_is_built_with_import3ds_geometry() {
    let (neuron, _turn) = common::neuron();
    let swc = parse_swc(BALL_AND_STICK).expect("a valid file");
    let morphology = Morphology::from_swc("ball.swc".as_ref(), swc).expect("sections");
    assert_eq!(morphology.names, ["soma[0]", "dend[0]"]);
    assert_eq!(morphology.geometry.sections[1].parent, Some((0, 1.0)));
    let sections = neuron
        .build_geometry(&morphology.geometry, |index, _| format!("rust_{index}"))
        .expect("built");
    assert_eq!(neuron.length(&sections[0]).unwrap(), 10.0);
    // The dendrite's first point repeats the soma's end: 100 µm of its own.
    assert_eq!(neuron.length(&sections[1]).unwrap(), 100.0);
    let pointers: Vec<_> = sections
        .iter()
        .map(|section| NonNull::new(section.live_ptr().unwrap()).unwrap())
        .collect();
    // SAFETY: `sections` holds both sections for these calls.
    unsafe {
        neuron
            .insert_mechanism(&pointers, "pas", &[("g", 2e-4)])
            .unwrap();
        neuron.set_on_sections(&pointers, &[("Ra", 150.0)]).unwrap();
        neuron
            .set_nseg_by_d_lambda(&pointers, &morphology.geometry, |index| index, 0.1, 100.0)
            .unwrap();
        let typo = neuron.insert_mechanism(&pointers, "pas", &[("gg", 1.0)]);
        assert!(
            matches!(typo, Err(NrnError::UnknownName { .. })),
            "{typo:?}"
        );
    }
    assert_eq!(neuron.range(&sections[1], "g_pas", 0.5).unwrap(), 2e-4);
    assert_eq!(neuron.axial_resistance(&sections[1]).unwrap(), 150.0);
    assert!(neuron.segment_count(&sections[1]).unwrap() % 2 == 1);
}

#[test]
fn a_malformed_file_names_its_line() {
    let error = Morphology::read("no/such/file.swc".as_ref()).unwrap_err();
    assert!(
        error
            .to_string()
            .starts_with("no/such/file.swc: cannot be read"),
        "{error}"
    );
    let (line, reason) = parse_swc("1 1 0 0 0 5 -1\n2 3 0 1 0 -1 1\n").unwrap_err();
    assert_eq!(line, 2);
    assert!(reason.contains("radius -1 is not positive"), "{reason}");
}
