//! Which engine can run a model: the rules NEURON and CoreNEURON enforce (some with a HOC
//! error at `finitialize`, some with a crash or silently wrong results), checked on facts
//! gathered from the model before anything runs.
//!
//! The rules, from NEURON 9.0.2's sources and measured on its wheel:
//! * CoreNEURON (`nrncore_utils.cpp`, `model_ready`): fixed step only; no extracellular
//!   mechanism; no LinearMechanism (or other extra equations); every NetCon watching a
//!   voltage needs its source to carry a GID; only mechanisms compiled for CoreNEURON
//!   (an unknown one ends the process: "APCount mechanism does not exist"); NetCon
//!   callbacks are never called.
//! * Threads (`netpar.cpp`, `nrn_spike_exchange_init`): the shortest NetCon delay, less
//!   one step, must still be a step (so at least 2 dt); no extracellular or LinearMechanism
//!   ("NrnDAE only one thread allowed"); mechanisms not THREADSAFE are refused by NEURON
//!   when it lays the threads out.

use std::fmt::Write;

/// The simulation engine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// NEURON's own solver.
    Neuron,
    /// CoreNEURON, run in memory from the model NEURON built.
    CoreNeuron,
}

impl Engine {
    /// The name users pass (`engine="coreneuron"`).
    #[must_use]
    pub fn name(self) -> &'static str {
        match self {
            Engine::Neuron => "neuron",
            Engine::CoreNeuron => "coreneuron",
        }
    }

    /// The engine called `name`, if there is one.
    #[must_use]
    pub fn from_name(name: &str) -> Option<Engine> {
        match name.to_ascii_lowercase().as_str() {
            "neuron" => Some(Engine::Neuron),
            "coreneuron" => Some(Engine::CoreNeuron),
            _ => None,
        }
    }
}

/// What the check needs to know about a model. Lists hold names of NEURON objects.
#[derive(Debug, Clone, Default)]
pub struct ModelFacts {
    /// The time step, ms.
    pub dt: f64,
    /// Whether CVODE (variable step) is on.
    pub cvode_active: bool,
    /// Sections with the extracellular mechanism.
    pub extracellular_sections: Vec<String>,
    /// LinearMechanism objects.
    pub linear_mechanisms: Vec<String>,
    /// Whether NEURON solves with its general sparse matrix (`cvode.use_mxb()`): it
    /// switches to it for extracellular or a LinearMechanism, and never back.
    pub sparse_solver: bool,
    /// Spike sources (sections' voltages) that NetCons watch without a GID.
    pub sources_without_gid: Vec<String>,
    /// Point processes and artificial cells without a GID whose spikes are recorded
    /// (CoreNEURON returns the spikes of GIDs only).
    pub recorded_without_gid: Vec<String>,
    /// NetCons that call a Python function on each spike.
    pub netcon_callbacks: Vec<String>,
    /// Mechanisms in use that CoreNEURON has no compiled version of.
    pub mechanisms_missing_for_coreneuron: Vec<String>,
    /// NetCons with a source, and their delays (ms), shorter than two steps.
    pub short_delays: Vec<(String, f64)>,
}

/// NEURON's mechanisms that CoreNEURON has built in (`src/coreneuron/mechanism/mech/modfile`
/// in 9.0.2, with the membrane capacitance, the morphology and the ions).
pub const CORENEURON_BUILT_INS: [&str; 10] = [
    "capacitance",
    "morphology",
    "pas",
    "hh",
    "ExpSyn",
    "Exp2Syn",
    "NetStim",
    "PatternStim",
    "IClamp",
    "SEClamp",
];

/// Whether CoreNEURON knows the mechanism `name` without compiling it: a built-in, or an
/// ion (CoreNEURON makes the ions the mechanisms it has ask for).
#[must_use]
pub fn built_into_coreneuron(name: &str) -> bool {
    CORENEURON_BUILT_INS.contains(&name) || name.ends_with("_ion")
}

/// The mechanisms an NMODL file defines (SUFFIX, POINT_PROCESS, ARTIFICIAL_CELL).
#[must_use]
pub fn mechanisms_defined_in(nmodl: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut in_comment = false;
    for line in nmodl.lines() {
        let code = line.split(':').next().unwrap_or_default();
        match code.trim() {
            "COMMENT" => in_comment = true,
            "ENDCOMMENT" => in_comment = false,
            _ if !in_comment => words.extend(
                code.split(|c: char| c.is_whitespace() || c == '{' || c == '}')
                    .filter(|word| !word.is_empty()),
            ),
            _ => {}
        }
    }
    words
        .windows(2)
        .filter(|pair| matches!(pair[0], "SUFFIX" | "POINT_PROCESS" | "ARTIFICIAL_CELL"))
        .map(|pair| pair[1].to_string())
        .collect()
}

/// One object that stops an engine, with what to do about it.
#[derive(Debug, Clone, PartialEq)]
pub struct Blocker {
    /// What is wrong, naming the objects.
    pub problem: String,
    /// How to fix it.
    pub fix: String,
}

/// At most this many objects are named per problem; the rest are counted.
const NAMED: usize = 5;

/// What stops `engine` with `threads` threads from running the model `facts` describes.
#[must_use]
pub fn blockers(engine: Engine, threads: usize, facts: &ModelFacts) -> Vec<Blocker> {
    let mut found = Vec::new();
    let mut block = |problem: String, fix: &str| {
        found.push(Blocker {
            problem,
            fix: fix.to_string(),
        });
    };
    let core = engine == Engine::CoreNeuron;
    let many_threads = threads > 1;
    if core && facts.cvode_active {
        block(
            "CVODE (variable time step) is on; CoreNEURON only takes fixed steps".into(),
            "turn it off with p.cvode.active(0)",
        );
    }
    if (core || many_threads) && !facts.extracellular_sections.is_empty() {
        block(
            format!(
                "the extracellular mechanism is inserted in {}; {}",
                listing(&facts.extracellular_sections),
                needs(
                    core,
                    many_threads,
                    "CoreNEURON cannot simulate it",
                    "it runs on one thread only"
                )
            ),
            "delete those sections (NEURON cannot uninsert it), or run with engine=\"neuron\", \
             threads=1",
        );
    }
    if (core || many_threads) && !facts.linear_mechanisms.is_empty() {
        block(
            format!(
                "{} adds its own equations; {}",
                listing(&facts.linear_mechanisms),
                needs(
                    core,
                    many_threads,
                    "CoreNEURON cannot simulate them",
                    "they run on one thread only"
                )
            ),
            "let go of it, or run with engine=\"neuron\", threads=1",
        );
    }
    let sparse_only = facts.extracellular_sections.is_empty() && facts.linear_mechanisms.is_empty();
    if (core || many_threads) && facts.sparse_solver && sparse_only {
        block(
            "NEURON still solves with the sparse matrix it switched to for an earlier \
             extracellular mechanism or LinearMechanism (p.cvode.use_mxb() is 1), and never \
             switches back safely: runs on threads or CoreNEURON after it fail or give \
             wrong numbers"
                .into(),
            "run in a new process, or with engine=\"neuron\", threads=1 here",
        );
    }
    if core && !facts.sources_without_gid.is_empty() {
        block(
            format!(
                "NetCons watch the voltage of {} without a GID; CoreNEURON needs a GID on \
                 every spike source",
                listing(&facts.sources_without_gid)
            ),
            "give each source a GID (p.ParallelCon(source, gid)), or let Patch number them: \
             p.assign_gids()",
        );
    }
    if core && !facts.recorded_without_gid.is_empty() {
        block(
            format!(
                "the spikes of {} are recorded, but CoreNEURON returns the spikes of GIDs only",
                listing(&facts.recorded_without_gid)
            ),
            "give each a GID (p.ParallelCon(source, gid)), or let Patch number them: \
             p.assign_gids()",
        );
    }
    if core && !facts.netcon_callbacks.is_empty() {
        block(
            format!(
                "{} call{} Python on each spike; CoreNEURON never calls Python during a run",
                listing(&facts.netcon_callbacks),
                if facts.netcon_callbacks.len() == 1 {
                    "s"
                } else {
                    ""
                }
            ),
            "record the spikes into Vectors instead (netcon.record(vector)), or run with \
             engine=\"neuron\"",
        );
    }
    if core && !facts.mechanisms_missing_for_coreneuron.is_empty() {
        block(
            format!(
                "{} in use but not compiled for CoreNEURON (CoreNEURON would stop the \
                 process on it)",
                listing(&facts.mechanisms_missing_for_coreneuron)
            ),
            "load the mechanisms' .mod files with p.load_mechanisms(folder): Patch compiles \
             them for CoreNEURON too; NEURON's built-ins that CoreNEURON lacks (APCount, \
             AlphaSynapse, VClamp, ...) cannot be used with it",
        );
    }
    if many_threads && !facts.short_delays.is_empty() {
        let named: Vec<String> = facts
            .short_delays
            .iter()
            .map(|(name, delay)| format!("{name} ({delay} ms)"))
            .collect();
        block(
            format!(
                "{} {} a delay shorter than two time steps ({} ms); NEURON's threads exchange \
                 events once a step, so every delay must be at least 2 dt",
                listing(&named),
                if named.len() == 1 { "has" } else { "have" },
                2.0 * facts.dt
            ),
            "make the delays at least 2 dt, or run with threads=1",
        );
    }
    found
}

/// The message of the error that refuses to run.
#[must_use]
pub fn refusal(engine: Engine, threads: usize, blockers: &[Blocker]) -> String {
    let mut message = format!(
        "the model cannot run on {} with {threads} thread{}, nothing was run:",
        match engine {
            Engine::Neuron => "NEURON",
            Engine::CoreNeuron => "CoreNEURON",
        },
        if threads == 1 { "" } else { "s" }
    );
    for blocker in blockers {
        let _ = write!(message, "\n  - {}: {}", blocker.problem, blocker.fix);
    }
    message
}

/// Which of the two engines' limits a problem hits.
fn needs(core: bool, many_threads: bool, for_core: &str, for_threads: &str) -> String {
    match (core, many_threads) {
        (true, true) => format!("{for_core}, and {for_threads}"),
        (true, false) => for_core.to_string(),
        _ => for_threads.to_string(),
    }
}

/// "a, b and 3 more".
fn listing(names: &[String]) -> String {
    let shown = &names[..names.len().min(NAMED)];
    let mut text = shown.join(", ");
    if names.len() > NAMED {
        let _ = write!(text, " and {} more", names.len() - NAMED);
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts() -> ModelFacts {
        ModelFacts {
            dt: 0.025,
            ..ModelFacts::default()
        }
    }

    #[test]
    fn a_plain_model_runs_anywhere() {
        for engine in [Engine::Neuron, Engine::CoreNeuron] {
            for threads in [1, 2, 8] {
                assert!(blockers(engine, threads, &facts()).is_empty());
            }
        }
    }

    #[test]
    fn neurons_engine_on_one_thread_takes_everything() {
        let everything = ModelFacts {
            cvode_active: true,
            extracellular_sections: vec!["soma".into()],
            linear_mechanisms: vec!["LinearMechanism[0]".into()],
            sources_without_gid: vec!["soma".into()],
            recorded_without_gid: vec!["NetStim[0]".into()],
            netcon_callbacks: vec!["NetCon[0]".into()],
            mechanisms_missing_for_coreneuron: vec!["APCount".into()],
            short_delays: vec![("NetCon[1]".into(), 0.0)],
            ..facts()
        };
        assert!(blockers(Engine::Neuron, 1, &everything).is_empty());
        assert_eq!(blockers(Engine::Neuron, 2, &everything).len(), 3);
        assert_eq!(blockers(Engine::CoreNeuron, 1, &everything).len(), 7);
        assert_eq!(blockers(Engine::CoreNeuron, 2, &everything).len(), 8);
    }

    #[test]
    fn each_problem_names_its_objects() {
        let model = ModelFacts {
            sources_without_gid: (0..7).map(|i| format!("cell[{i}].soma")).collect(),
            ..facts()
        };
        let found = blockers(Engine::CoreNeuron, 1, &model);
        assert_eq!(found.len(), 1);
        assert!(found[0].problem.contains("cell[0].soma, cell[1].soma"));
        assert!(found[0].problem.contains("and 2 more"));
        assert!(found[0].fix.contains("assign_gids"));
        let message = refusal(Engine::CoreNeuron, 1, &found);
        assert!(message.starts_with("the model cannot run on CoreNEURON with 1 thread,"));
    }

    #[test]
    fn a_leftover_sparse_solver_stops_threads_and_coreneuron() {
        let model = ModelFacts {
            sparse_solver: true,
            ..facts()
        };
        assert!(blockers(Engine::Neuron, 1, &model).is_empty());
        assert!(blockers(Engine::Neuron, 2, &model)[0]
            .problem
            .contains("use_mxb"));
        let with_its_cause = ModelFacts {
            extracellular_sections: vec!["soma".into()],
            ..model
        };
        assert_eq!(blockers(Engine::Neuron, 2, &with_its_cause).len(), 1);
    }

    #[test]
    fn short_delays_stop_threads_only() {
        let model = ModelFacts {
            short_delays: vec![("NetCon[3]".into(), 0.025)],
            ..facts()
        };
        assert!(blockers(Engine::CoreNeuron, 1, &model).is_empty());
        let found = blockers(Engine::Neuron, 2, &model);
        assert!(found[0].problem.contains("NetCon[3] (0.025 ms)"));
        assert!(found[0].problem.contains("(0.05 ms)"));
    }

    #[test]
    fn mechanisms_are_found_in_nmodl() {
        let source = "COMMENT\nSUFFIX notme\nENDCOMMENT\nNEURON {\n  THREADSAFE\n  \
                      POINT_PROCESS Syn : a synapse\n}\nNEURON { SUFFIX kdr }\n";
        assert_eq!(
            mechanisms_defined_in(source),
            vec!["Syn".to_string(), "kdr".to_string()]
        );
        assert!(built_into_coreneuron("ca_ion"));
        assert!(built_into_coreneuron("ExpSyn"));
        assert!(!built_into_coreneuron("APCount"));
    }

    #[test]
    fn engines_have_names() {
        assert_eq!(Engine::from_name("CoreNEURON"), Some(Engine::CoreNeuron));
        assert_eq!(Engine::from_name("neuron"), Some(Engine::Neuron));
        assert_eq!(Engine::from_name("nest"), None);
        assert_eq!(Engine::CoreNeuron.name(), "coreneuron");
    }
}
