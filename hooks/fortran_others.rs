//! The other calls' trampolines for Fortran (part of build.rs): where the
//! library's Fortran binding calls `PMPI_*` itself, the C `MPI_*`
//! trampolines never see the call, so the Fortran symbol gets one of its
//! own, which jumps to the binding's profiling twin:
//! - Open MPI: `mpi_type_commit_` (`use mpi`, `mpif.h`) to
//!   `pmpi_type_commit_`, `mpi_type_commit_f08_` to `pmpi_type_commit_f08_`;
//! - MPICH: only `mpi_f08`'s calls that call `PMPI_*` themselves
//!   (`mpi_comm_split_f08_` to `pmpir_comm_split_f08_`); the others call
//!   the C `MPI_*` and are seen there.
//!
//! Left out: the calls src/fortran.rs hooks, and the polls that have no
//! Fortran hook (each poll of a loop would be an event of its own).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::{names_given_to, symbols, Other};

/// Polls without a Fortran hook: not shown from Fortran.
const UNSHOWN: &[&str] = &["MPI_Testall", "MPI_Testany", "MPI_Testsome", "MPI_Improbe"];

/// The Fortran other calls' trampolines of the library in `dirs`, among
/// the C calls `shown` (their names as the log spells them).
pub fn others<'a>(
    family: &str,
    dirs: &[PathBuf],
    shown: impl Iterator<Item = &'a String>,
) -> Vec<Other> {
    let hooked = hooked_calls();
    let calls: Vec<&String> = shown
        .filter(|name| !UNSHOWN.contains(&name.as_str()))
        .filter(|name| !hooked.contains(&base(&name.to_lowercase())))
        .collect();
    match family {
        "openmpi" => open_mpi(dirs, &calls),
        _ => mpich(dirs, &calls),
    }
}

fn open_mpi(dirs: &[PathBuf], calls: &[&String]) -> Vec<Other> {
    let mpifh = exported(dirs, "libmpi_mpifh.so");
    let f08 = exported(dirs, "libmpi_usempif08.so");
    let mut others = Vec::new();
    for name in calls {
        let lower = name.to_lowercase();
        for (library, symbol) in [
            (&mpifh, format!("{lower}_")),
            (&f08, format!("{lower}_f08_")),
        ] {
            let target = format!("p{symbol}");
            if library.contains(&symbol) && library.contains(&target) {
                others.push(fortran(symbol, target, name));
            }
        }
    }
    others
}

fn mpich(dirs: &[PathBuf], calls: &[&String]) -> Vec<Other> {
    let Some(file) = library(dirs, "libmpichfort.so") else {
        return Vec::new();
    };
    let exported = symbols(&file, "--defined-only");
    let called = symbols(&file, "--undefined-only");
    let mut others = Vec::new();
    for name in calls {
        let lower = name.to_lowercase();
        let symbol = format!("{lower}_f08_");
        let target = format!("pmpir_{}_f08_", base(&lower));
        let bypasses = called.contains(&format!("P{name}"));
        if bypasses && exported.contains(&symbol) && exported.contains(&target) {
            others.push(fortran(symbol, target, name));
        }
    }
    others
}

fn fortran(symbol: String, target: String, name: &str) -> Other {
    Other {
        symbol,
        target,
        name: name.to_string(),
    }
}

/// The file of library `name` in `dirs`.
fn library(dirs: &[PathBuf], name: &str) -> Option<PathBuf> {
    dirs.iter().map(|d| d.join(name)).find(|f| f.exists())
}

/// The symbols library `name` defines (none when it is not installed).
fn exported(dirs: &[PathBuf], name: &str) -> BTreeSet<String> {
    library(dirs, name)
        .map(|file| symbols(Path::new(&file), "--defined-only"))
        .unwrap_or_default()
}

/// The calls src/fortran.rs hooks (`fortran!(send => mpi_send_, ...)`),
/// by their body's name: `send`.
fn hooked_calls() -> BTreeSet<String> {
    names_given_to("src/fortran.rs", "fortran!(")
}

/// `mpi_type_commit` without its `mpi_`: `type_commit`.
fn base(lower: &str) -> String {
    lower.strip_prefix("mpi_").unwrap_or(lower).to_string()
}
