//! Whether the MPI this is built against has the MPI-4 large-count calls
//! (`MPI_Send_c`: MPICH 4 has them, Open MPI 4 does not): the hooks for
//! them are built only then (`cfg(large_count)`), since a hook calling a
//! `PMPI_*_c` the library lacks would not load.

use std::path::PathBuf;
use std::process::Command;

fn main() {
    println!("cargo:rustc-check-cfg=cfg(large_count)");
    println!("cargo:rerun-if-env-changed=MPICC");
    println!("cargo:rerun-if-changed=build.rs");
    if headers().iter().any(|h| declares_large_count(h)) {
        println!("cargo:rustc-cfg=large_count");
    }
}

/// The MPI headers the compiler wrapper points at.
fn headers() -> Vec<PathBuf> {
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into());
    let shown = Command::new(&mpicc)
        .arg("-show")
        .output()
        .or_else(|_| Command::new(&mpicc).arg("--showme").output())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    let mut dirs: Vec<PathBuf> = shown
        .split_whitespace()
        .filter_map(|w| w.strip_prefix("-I"))
        .map(PathBuf::from)
        .collect();
    dirs.push(PathBuf::from("/usr/include"));
    dirs.iter()
        .flat_map(|d| [d.join("mpi.h"), d.join("mpi_proto.h")])
        .filter(|p| p.is_file())
        .collect()
}

fn declares_large_count(header: &std::path::Path) -> bool {
    std::fs::read_to_string(header).is_ok_and(|text| text.contains("PMPI_Send_c("))
}
