//! Builds the lessons' mpi4py twins (lessons/python/*.py) into the program,
//! for `mpi-tutor exercise NAME`: every file of the folder, so a new twin
//! needs no list kept by hand.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    // Read when the script runs, not when it was compiled: a copied build
    // directory must not read another checkout's twins.
    let manifest = std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let folder = PathBuf::from(manifest).join("lessons/python");
    println!("cargo:rerun-if-changed={}", folder.display());
    let mut twins: Vec<_> = std::fs::read_dir(&folder)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .map(|e| e.path())
                .filter(|p| p.extension().is_some_and(|x| x == "py"))
                .collect()
        })
        .unwrap_or_default();
    twins.sort();
    let mut table = String::from("pub static TWINS: &[(&str, &str)] = &[\n");
    for path in &twins {
        println!("cargo:rerun-if-changed={}", path.display());
        let name = path.file_name().unwrap().to_string_lossy();
        let _ = writeln!(
            table,
            "    ({name:?}, include_str!({:?})),",
            path.display().to_string()
        );
    }
    table.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).join("twins.rs");
    std::fs::write(out, table).expect("cannot write the twins' table");
}
