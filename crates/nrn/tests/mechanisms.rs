//! nrnivmodl builds into the cache once, also when several compile at the same time.
mod common;

use std::path::PathBuf;

use nrn::mechanisms::MechanismCompiler;

fn compiler(cache_root: PathBuf) -> MechanismCompiler {
    MechanismCompiler {
        nrnivmodl: common::python().with_file_name("nrnivmodl"),
        neuron_version: "test".to_string(),
        cache_root,
    }
}

fn vecstim_source() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../python/patch/mod/VecStim.mod")
}

#[test]
fn concurrent_first_use_builds_one_library() {
    let cache = std::env::temp_dir().join(format!("nrn-mechanisms-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&cache);
    let libraries: Vec<PathBuf> = std::thread::scope(|scope| {
        let builds: Vec<_> = (0..3)
            .map(|_| scope.spawn(|| compiler(cache.clone()).compile(&[vecstim_source()])))
            .collect();
        builds
            .into_iter()
            .map(|build| build.join().expect("no panic").expect("the build works"))
            .collect()
    });
    assert!(libraries.iter().all(|library| library == &libraries[0]));
    assert!(libraries[0].is_file());
    let version_dir = cache.join("test");
    let entries: Vec<_> = std::fs::read_dir(&version_dir).unwrap().collect();
    assert_eq!(entries.len(), 1, "one published build, no leftovers");

    // Cached: the second call does not run nrnivmodl (a broken one would fail).
    let mut broken = compiler(cache.clone());
    broken.nrnivmodl = PathBuf::from("/nonexistent/nrnivmodl");
    assert_eq!(broken.compile(&[vecstim_source()]).unwrap(), libraries[0]);
    let _ = std::fs::remove_dir_all(&cache);
}

#[test]
fn a_broken_mod_file_is_a_clear_error() {
    let folder = std::env::temp_dir().join(format!("nrn-broken-mod-{}", std::process::id()));
    std::fs::create_dir_all(&folder).unwrap();
    let broken = folder.join("broken.mod");
    std::fs::write(&broken, "NEURON { SUFFIX broken }\nTHIS IS NOT NMODL\n").unwrap();
    let error = compiler(folder.join("cache"))
        .compile(&[broken])
        .unwrap_err();
    assert!(
        error
            .to_string()
            .contains("compiling the mechanisms failed"),
        "{error}"
    );
    let _ = std::fs::remove_dir_all(&folder);
}

#[test]
fn a_missing_nrnivmodl_says_where_it_comes_from() {
    let mut missing = compiler(std::env::temp_dir().join("nrn-missing-nrnivmodl"));
    missing.nrnivmodl = PathBuf::from("/nonexistent/nrnivmodl");
    let error = missing.compile(&[vecstim_source()]).unwrap_err();
    assert!(error.to_string().contains("pip install neuron"), "{error}");
}
