//! Finds the installed OTF2 library (pkg-config's `otf2`, else
//! `otf2-config`), links it, and generates its declarations.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    let include = find_library();
    let mut builder = bindgen::builder()
        .header_contents("wrapper.h", "#include <otf2/otf2.h>\n")
        .allowlist_function("OTF2_.*")
        .allowlist_type("OTF2_.*")
        .allowlist_var("OTF2_.*")
        .prepend_enum_name(false)
        .layout_tests(false);
    for dir in include {
        builder = builder.clang_arg(format!("-I{}", dir.display()));
    }
    let bindings = builder
        .generate()
        .expect("cannot generate OTF2's bindings: is libotf2-trace-dev installed? (make setup)");
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    bindings
        .write_to_file(out.join("otf2.rs"))
        .expect("cannot write OTF2's bindings");
}

/// Links the library and returns its include directories.
fn find_library() -> Vec<PathBuf> {
    if let Ok(lib) = pkg_config::Config::new()
        .atleast_version("2.0")
        .probe("otf2")
    {
        return lib.include_paths;
    }
    let config = |flag: &str| {
        Command::new("otf2-config")
            .arg(flag)
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
    };
    let (Some(libs), Some(cflags)) = (config("--libs"), config("--cflags")) else {
        panic!("the OTF2 library is missing: install libotf2-trace-dev (make setup)");
    };
    let ldflags = config("--ldflags").unwrap_or_default();
    for word in ldflags.split_whitespace() {
        if let Some(dir) = word.strip_prefix("-L") {
            println!("cargo:rustc-link-search=native={dir}");
        }
    }
    for word in libs.split_whitespace() {
        if let Some(name) = word.strip_prefix("-l") {
            println!("cargo:rustc-link-lib={name}");
        }
    }
    cflags
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("-I"))
        .map(PathBuf::from)
        .collect()
}
