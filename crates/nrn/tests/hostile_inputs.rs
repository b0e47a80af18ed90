//! Inputs that would crash, abort or silently corrupt NEURON come back as `Err`, and NEURON
//! keeps working afterwards.
mod common;

use nrn::{Arg, NetConSpec, Neuron, NrnError, ObjectHandle, Result, SectionHandle, Source};

#[path = "../../../examples/hh_soma/model.rs"]
mod model;

type Case = fn(&'static Neuron) -> Result<()>;

/// Each case names the input and what NEURON would do with it unchecked.
const CASES: &[(&str, Case)] = &[
    ("unknown class (NULL symbol: SIGSEGV)", |n| {
        n.new_object("NoSuchClass", &[]).map(drop)
    }),
    ("function used as a class (NULL template: SIGSEGV)", |n| {
        n.new_object("finitialize", &[]).map(drop)
    }),
    ("Vector(\"abc\") (C++ exception: SIGABRT)", |n| {
        n.new_object("Vector", &[Arg::Str("abc")]).map(drop)
    }),
    ("NetCon(1, 2) (C++ exception: SIGABRT)", |n| {
        n.new_object("NetCon", &[Arg::Number(1.0), Arg::Number(2.0)])
            .map(drop)
    }),
    ("point process at x = 5 (C++ exception: SIGABRT)", |n| {
        let section = n.new_section("hostile_x")?;
        n.new_point_process("IClamp", &section, 5.0).map(drop)
    }),
    ("point process at x = NaN", |n| {
        let section = n.new_section("hostile_nan")?;
        n.new_point_process("IClamp", &section, f64::NAN).map(drop)
    }),
    ("unknown property set (NULL symbol: SIGSEGV)", |n| {
        let section = n.new_section("hostile_prop")?;
        let clamp = n.new_point_process("IClamp", &section, 0.5)?;
        n.set_property(&clamp, "no_such_prop", 1.0)
    }),
    ("method read as a property (wrong parameter index)", |n| {
        let section = n.new_section("hostile_method")?;
        let clamp = n.new_point_process("IClamp", &section, 0.5)?;
        n.property(&clamp, "get_loc").map(drop)
    }),
    ("property of a Vector (class without parameters)", |n| {
        let vector = n.new_object("Vector", &[])?;
        n.property(&vector, "size").map(drop)
    }),
    ("Vector data of a List (garbage values)", |n| {
        let list = n.new_object("List", &[])?;
        n.vector_data(&list).map(drop)
    }),
    (
        "inserting a class as a mechanism (silent wrong insert)",
        |n| {
            let section = n.new_section("hostile_insert")?;
            n.insert(&section, "Vector")
        },
    ),
    ("inserting an unknown mechanism", |n| {
        let section = n.new_section("hostile_unknown_mech")?;
        n.insert(&section, "no_such_mechanism")
    }),
    (
        "range variable of a mechanism not inserted (SIGABRT)",
        |n| {
            let section = n.new_section("hostile_range")?;
            n.range(&section, "gnabar_hh", 0.5).map(drop)
        },
    ),
    ("range variable outside the section", |n| {
        let section = n.new_section("hostile_range_x")?;
        n.range(&section, "v", 1.5).map(drop)
    }),
    ("HOC syntax error", |n| n.hoc("x = = 1")),
    ("HOC call of an undefined function", |n| {
        n.hoc("no_such_function()")
    }),
    ("method with a wrong argument type (SIGABRT)", |n| {
        let vector = n.new_object("Vector", &[])?;
        n.call_method(&vector, "resize", &[Arg::Str("abc")])
            .map(drop)
    }),
    ("method with too few arguments", |n| {
        let vector = n.new_object("Vector", &[])?;
        n.call_method(&vector, "resize", &[]).map(drop)
    }),
    ("unknown method (NULL symbol)", |n| {
        let vector = n.new_object("Vector", &[])?;
        n.call_method(&vector, "no_such_method", &[]).map(drop)
    }),
    ("recording a number instead of a pointer", |n| {
        let vector = n.new_object("Vector", &[])?;
        n.call_method(&vector, "record", &[Arg::Number(4.0)])
            .map(drop)
    }),
    ("recording a HOC variable by address (wrong pointer)", |n| {
        n.hoc("hostile_user_variable = 1")?;
        let vector = n.new_object("Vector", &[])?;
        n.call_method(
            &vector,
            "record",
            &[Arg::VariableRef("hostile_user_variable")],
        )
        .map(drop)
    }),
    ("calling a variable as a function", |n| {
        n.call_function("celsius", &[]).map(drop)
    }),
    ("calling an object reference as a function", |n| {
        n.hoc("objref hostile_objref")?;
        n.call_function("hostile_objref", &[]).map(drop)
    }),
    ("unknown global", |n| n.set_global("no_such_global", 1.0)),
    ("setting a function as a global", |n| {
        n.set_global("finitialize", 1.0)
    }),
    ("global name with HOC code in it", |n| {
        n.global("celsius; quit()").map(drop)
    }),
    ("NaN as a global value", |n| {
        n.set_global("celsius", f64::NAN)
    }),
    ("non-positive and non-finite geometry", |n| {
        let section = n.new_section("hostile_geometry")?;
        for bad in [0.0, -3.0, f64::NAN, f64::INFINITY] {
            assert!(n.set_length(&section, bad).is_err(), "L = {bad}");
            assert!(n.set_diameter(&section, bad).is_err(), "diam = {bad}");
            assert!(n.set_axial_resistance(&section, bad).is_err(), "Ra = {bad}");
        }
        n.set_segment_count(&section, 0)
    }),
    ("name with a NUL byte", |n| {
        n.new_section("bad\0name").map(drop)
    }),
    ("connecting a section to itself", |n| {
        let section = n.new_section("hostile_self")?;
        n.connect(&section, &section, 1.0)
    }),
    (
        "using a section deleted through HOC (dangling pointer)",
        |n| {
            let section = n.new_section("hostile_deleted")?;
            n.push_section(&section)?;
            n.hoc("delete_section()")?;
            assert!(!section.is_alive());
            n.set_length(&section, 10.0)
        },
    ),
    (
        "NetCon into an IClamp (NEURON leaves a freed spike detector on the node)",
        |n| {
            let section = n.new_section("hostile_iclamp_target")?;
            let clamp = n.new_point_process("IClamp", &section, 0.5)?;
            n.new_netcons(&[voltage_to(&section, &clamp)]).map(drop)
        },
    ),
    (
        "NetCon into an unplaced ExpSyn (the same freed spike detector)",
        |n| {
            let section = n.new_section("hostile_unplaced_target")?;
            let synapse = n.new_object("ExpSyn", &[])?;
            n.new_netcons(&[voltage_to(&section, &synapse)]).map(drop)
        },
    ),
];

/// A NetCon from the middle of `section` to `target`.
fn voltage_to<'a>(section: &'a SectionHandle, target: &'a ObjectHandle) -> NetConSpec<'a> {
    NetConSpec {
        source: Source::Voltage { section, x: 0.5 },
        target: Some(target),
        threshold: -20.0,
        delay: 1.0,
        weight: 0.0,
    }
}

#[test]
fn every_hostile_input_is_an_error_and_neuron_keeps_working() {
    let (neuron, _turn) = common::neuron();
    for (name, case) in CASES {
        let outcome = case(neuron);
        assert!(
            outcome.is_err(),
            "{name}: expected an error, got {outcome:?}"
        );
        let message = outcome.unwrap_err().to_string();
        assert!(!message.is_empty(), "{name}: the error has a message");
        neuron
            .hoc("hostile_check = 1 + 1")
            .unwrap_or_else(|error| panic!("{name}: NEURON unusable afterwards: {error}"));
        assert_eq!(neuron.global("hostile_check").ok(), Some(2.0), "{name}");
    }
}

#[test]
fn every_kind_of_function_can_be_called() {
    let (neuron, _turn) = common::neuron();
    let root = neuron.call_function("sqrt", &[Arg::Number(16.0)]).unwrap();
    assert_eq!(root.as_number(), Some(4.0));
    neuron
        .hoc("func hostile_twice() { return 2 * $1 }")
        .unwrap();
    let twice = neuron
        .call_function("hostile_twice", &[Arg::Number(21.0)])
        .unwrap();
    assert_eq!(twice.as_number(), Some(42.0));
    neuron
        .hoc("obfunc hostile_vector() { return new Vector(3) }")
        .unwrap();
    let vector = neuron
        .call_function("hostile_vector", &[])
        .unwrap()
        .into_object()
        .unwrap();
    assert_eq!(neuron.vector_data(&vector).unwrap(), vec![0.0; 3]);
    neuron
        .hoc("obfunc hostile_null() { localobj o return o }")
        .unwrap();
    let null = neuron.call_function("hostile_null", &[]).unwrap();
    assert!(
        matches!(null, nrn::Value::Object(None)),
        "NULLobject is no object: {null:?}"
    );
    let section = neuron.new_section("callable_section").unwrap();
    neuron.push_section(&section).unwrap();
    let name = neuron.call_function("secname", &[]);
    neuron.pop_section().unwrap();
    assert!(matches!(name.unwrap(), nrn::Value::Str(text) if text == "callable_section"));
}

#[test]
fn errors_say_what_was_wrong() {
    let (neuron, _turn) = common::neuron();
    let unknown = neuron.new_object("NoSuchClass", &[]).unwrap_err();
    assert!(
        matches!(unknown, NrnError::UnknownName { .. }),
        "{unknown:?}"
    );
    assert!(unknown.to_string().contains("NoSuchClass"));

    let syntax = neuron.hoc("x = = 1").unwrap_err();
    assert_eq!(syntax, NrnError::Hoc("syntax error".to_string()));

    let list = neuron.new_object("List", &[]).unwrap();
    let wrong_class = neuron.vector_data(&list).unwrap_err();
    assert_eq!(
        wrong_class,
        NrnError::WrongClass {
            expected: "Vector",
            actual: "List".to_string()
        }
    );

    let vector = neuron.new_object("Vector", &[]).unwrap();
    let wrong_type = neuron
        .call_method(&vector, "resize", &[Arg::Str("abc")])
        .unwrap_err();
    assert!(
        wrong_type.to_string().contains("expecting double"),
        "{wrong_type}"
    );
}

#[test]
fn a_simulation_after_every_hostile_input_still_matches() {
    let (neuron, _turn) = common::neuron();
    for (_, case) in CASES {
        let _ = case(neuron);
    }
    let first = model::simulate(neuron).expect("runs");
    let second = model::simulate(neuron).expect("runs again");
    assert_eq!(first.voltage, second.voltage);
    assert!(first.spike_count() >= 2);
}

#[test]
fn batches_build_many_objects_and_leave_nothing_behind_on_errors() {
    let (neuron, _turn) = common::neuron();
    let soma = neuron.new_section("batch_soma").unwrap();
    neuron.insert(&soma, "hh").unwrap();
    let stimuli = neuron.new_artificial_cells("NetStim", 50).unwrap();
    let locations: Vec<_> = (0..50).map(|_| (&soma, 0.5)).collect();
    let synapses = neuron.new_point_processes("ExpSyn", &locations).unwrap();
    let specs: Vec<_> = stimuli
        .iter()
        .zip(&synapses)
        .enumerate()
        .map(|(index, (stimulus, synapse))| nrn::NetConSpec {
            source: nrn::Source::Object(stimulus),
            target: Some(synapse),
            threshold: 10.0,
            delay: 1.0 + index as f64,
            weight: 0.5,
        })
        .collect();
    let netcons = neuron.new_netcons(&specs).unwrap();
    assert_eq!(netcons.len(), 50);
    assert_eq!(
        neuron
            .call_method(&netcons[7], "wcnt", &[])
            .unwrap()
            .as_number(),
        Some(1.0)
    );
    let delays: Vec<f64> = (0..50).map(|index| 1.0 + f64::from(index)).collect();
    assert_eq!(
        neuron.parameters(&stimuli, "interval").unwrap(),
        vec![10.0; 50]
    );
    neuron
        .set_parameters(&stimuli, "interval", &delays)
        .unwrap();
    assert_eq!(neuron.parameters(&stimuli, "interval").unwrap(), delays);

    let detector = neuron
        .new_netcons(&[nrn::NetConSpec {
            source: nrn::Source::Voltage {
                section: &soma,
                x: 0.5,
            },
            target: None,
            threshold: -20.0,
            delay: 1.0,
            weight: 0.0,
        }])
        .unwrap();
    assert_eq!(detector.len(), 1);

    // Errors: validated, or thrown by NEURON part way with the section stack intact.
    let bad_location = neuron.new_point_processes("ExpSyn", &[(&soma, 2.0)]);
    assert!(matches!(bad_location, Err(NrnError::InvalidArgument(_))));
    let mixed: Vec<_> = synapses
        .iter()
        .cloned()
        .chain(stimuli.iter().cloned())
        .collect();
    assert!(matches!(
        neuron.set_parameters(&mixed, "tau", &vec![1.0; 100]),
        Err(NrnError::WrongClass { .. })
    ));
    assert!(neuron.set_parameters(&stimuli, "interval", &[1.0]).is_err());
    assert!(neuron
        .set_parameters(&stimuli, "no_such", &[1.0; 50])
        .is_err());

    let marker = neuron.new_section("batch_marker").unwrap();
    neuron.push_section(&marker).unwrap();
    let not_a_point_process = neuron.new_point_processes("NetCon", &[(&soma, 0.5), (&soma, 0.5)]);
    assert!(not_a_point_process.is_err());
    let accessed = neuron.call_function("secname", &[]).unwrap();
    assert!(matches!(accessed, nrn::Value::Str(name) if name == "batch_marker"));
    neuron.pop_section().unwrap();
}

#[test]
fn netcon_numbers_are_parameters() {
    let (neuron, _turn) = common::neuron();
    let stimuli = neuron.new_artificial_cells("NetStim", 3).unwrap();
    let targets = neuron.new_artificial_cells("IntFire1", 3).unwrap();
    let specs: Vec<_> = stimuli
        .iter()
        .zip(&targets)
        .map(|(stimulus, target)| nrn::NetConSpec {
            source: nrn::Source::Object(stimulus),
            target: Some(target),
            threshold: 0.0,
            delay: 1.0,
            weight: 0.1,
        })
        .collect();
    let netcons = neuron.new_netcons(&specs).unwrap();
    for name in ["delay", "weight", "threshold"] {
        neuron
            .set_parameters(&netcons, name, &[2.0, 3.0, 4.0])
            .unwrap();
        assert_eq!(
            neuron.parameters(&netcons, name).unwrap(),
            vec![2.0, 3.0, 4.0],
            "{name}"
        );
    }
    let weight = neuron.call_method(&netcons[1], "wcnt", &[]).unwrap();
    assert_eq!(weight.as_number(), Some(1.0));
    assert!(
        neuron.parameters(&netcons, "wcnt").is_err(),
        "methods are not parameters"
    );
}

#[test]
fn neuron_cannot_be_reached_from_another_thread() {
    let (neuron, _turn) = common::neuron();
    assert!(neuron.version().starts_with(nrn::VERIFIED_RELEASES));
    let outcome = std::thread::spawn(|| {
        let options = nrn::Standalone {
            library: Some(common::libnrniv()),
            neuron_home: None,
        };
        (
            nrn::Neuron::get().is_none(),
            nrn::Neuron::standalone(&options).err(),
        )
    })
    .join()
    .expect("the thread ends");
    assert_eq!(outcome, (true, Some(nrn::NrnError::OtherThread)));
}

/// A panic inside the guard ends the process with an abort (never undefined behaviour):
/// run in a child process of this test binary.
#[test]
fn a_panic_inside_the_guard_aborts_the_process() {
    if std::env::var_os("NRN_RS_PANIC_CHILD").is_some() {
        let (neuron, _turn) = common::neuron();
        let _ = neuron.guarded(|_| panic!("a bug inside a guarded body"));
        return;
    }
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "a_panic_inside_the_guard_aborts_the_process",
            "--nocapture",
        ])
        .env("NRN_RS_PANIC_CHILD", "1")
        .output()
        .unwrap();
    assert_eq!(
        std::os::unix::process::ExitStatusExt::signal(&output.status),
        Some(libc::SIGABRT),
        "{output:?}"
    );
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("a Rust panic inside a guarded NEURON call"),
        "{stderr}"
    );
}
