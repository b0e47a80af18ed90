//! Compiles the C++ exception guard (`src/guard.cpp`).

fn main() {
    println!("cargo:rerun-if-changed=src/guard.cpp");
    cc::Build::new()
        .cpp(true)
        .file("src/guard.cpp")
        .flag_if_supported("-std=c++17")
        .compile("nrn_guard");
    println!("cargo:rustc-link-lib=dylib=stdc++");
    // Standalone programs load libnrniv.so, whose one undefined symbol is `modl_reg`:
    // the executable defines it (nrn::export_modl_reg!) and must export it dynamically.
    for kind in ["tests", "examples"] {
        println!("cargo:rustc-link-arg-{kind}=-Wl,--export-dynamic-symbol=modl_reg");
    }
}
