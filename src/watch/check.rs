//! What must be true of a program before it is watched, each refused with
//! one clear line: it exists, it is dynamically linked to an MPI library
//! (or is a Python interpreter, which loads MPI through mpi4py).

use std::path::{Path, PathBuf};

use object::elf;
use object::read::elf::{Dyn, FileHeader, SectionHeader};
use object::{Endianness, ReadCache, ReadRef};

use crate::error::Error;
use crate::launcher::beside_this_program;

/// The program as `exec` would find it: a path, or a name on `PATH`.
pub fn find_program(typed: &str) -> Result<PathBuf, Error> {
    let missing = || Error::Usage(format!("{typed}: no such program"));
    if typed.contains('/') {
        let path = PathBuf::from(typed);
        return if path.is_file() {
            Ok(std::fs::canonicalize(&path).unwrap_or(path))
        } else {
            Err(missing())
        };
    }
    let paths = std::env::var_os("PATH").ok_or_else(missing)?;
    std::env::split_paths(&paths)
        .map(|dir| dir.join(typed))
        .find(|p| p.is_file())
        .ok_or_else(missing)
}

/// Refuses a program whose MPI calls the preloaded hooks cannot see.
pub fn links_mpi(program: &Path) -> Result<(), Error> {
    let shown = program.display();
    let needed = libraries_needed_by(program)
        .map_err(|e| Error::Usage(format!("cannot read {shown}: {e}")))?;
    let needed = match needed {
        Some(needed) => needed,
        None if is_python(program) => return Ok(()),
        None => {
            return Err(Error::Usage(format!(
                "{shown} is not a compiled program (no ELF file): mpi-tutor watches compiled MPI programs"
            )))
        }
    };
    if is_python(program) {
        return Ok(());
    }
    if let Some(theirs) = needed.iter().find(|n| is_mpi_library(n)) {
        one_mpi(program, &needed)?;
        return same_mpi(program, theirs);
    }
    if needed.is_empty() {
        return Err(Error::Usage(format!(
            "{shown} is statically linked: mpi-tutor can only watch a program linked to MPI dynamically (build it with plain mpicc)"
        )));
    }
    Err(Error::Usage(format!(
        "{shown} does not use MPI (it links no libmpi): mpi-tutor watches MPI programs"
    )))
}

/// Refuses a program linked to both MPIs: each library's `MPI_Init`
/// would meet the other's calls, under either `mpiexec`. Debian's
/// `mpifort.openmpi` builds one while MPICH is the default MPI: its
/// `-lmpi` finds MPICH's `libmpi.so` beside Open MPI's Fortran libraries.
fn one_mpi(program: &Path, needed: &[String]) -> Result<(), Error> {
    let mut libraries = needed.iter().filter(|n| is_mpi_library(n));
    let Some(first) = libraries.next() else {
        return Ok(());
    };
    match libraries.find(|n| mpi_family(n) != mpi_family(first)) {
        Some(other) => Err(Error::Usage(format!(
            "{} is linked to two MPIs, {} ({first}) and {} ({other}), and cannot run under either: build it with one MPI's compiler (Open MPI's mpifort while MPICH is the default MPI needs -L/usr/lib/x86_64-linux-gnu/openmpi/lib)",
            program.display(),
            mpi_family(first),
            mpi_family(other),
        ))),
        None => Ok(()),
    }
}

/// Refuses a program linked to another MPI than this mpi-tutor (and its
/// hooks): preloaded there, the hooks would crash it.
fn same_mpi(program: &Path, theirs: &str) -> Result<(), Error> {
    match our_mpi_library() {
        Some(ours) if mpi_family(&ours) != mpi_family(theirs) => Err(Error::Usage(format!(
            "{} uses {} ({theirs}) but this mpi-tutor was built for {} ({ours}): use the mpi-tutor built for its MPI (Open MPI: `make test-mpi MPI=openmpi` builds target-openmpi/), or rebuild the program with this MPI's mpicc",
            program.display(),
            mpi_family(theirs),
            mpi_family(&ours),
        ))),
        _ => Ok(()),
    }
}

/// The MPI library this mpi-tutor was built for: the one its interposer
/// (beside it, built with it) is linked to. `mpi-tutor` itself links no
/// MPI (it starts every job and must start fast).
pub(super) fn our_mpi_library() -> Option<String> {
    mpi_library_of(&beside_this_program(super::HOOKS_FILE).ok()?)
}

/// The MPI library the ELF file at `path` (a program, a library, a
/// Python extension) is linked to, if it names one.
pub(super) fn mpi_library_of(path: &Path) -> Option<String> {
    let needed = libraries_needed_by(path).ok().flatten()?;
    needed.into_iter().find(|n| is_mpi_library(n))
}

/// The two MPIs mpi-tutor is built for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum MpiFamily {
    Mpich,
    OpenMpi,
}

impl std::fmt::Display for MpiFamily {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            MpiFamily::Mpich => "MPICH",
            MpiFamily::OpenMpi => "Open MPI",
        })
    }
}

/// The MPI the library or program at `path` is linked to, if any (by
/// MPICH's own library, whichever MPI library is named first).
pub(super) fn mpi_family_of(path: &Path) -> Option<MpiFamily> {
    let needed = libraries_needed_by(path).ok().flatten()?;
    let families: Vec<MpiFamily> = (needed.iter())
        .filter(|n| is_mpi_library(n))
        .map(|n| mpi_family(n))
        .collect();
    if families.contains(&MpiFamily::Mpich) {
        Some(MpiFamily::Mpich)
    } else {
        families.first().copied()
    }
}

/// Which MPI a library file name belongs to.
pub(super) fn mpi_family(library: &str) -> MpiFamily {
    if library.starts_with("libmpich") {
        MpiFamily::Mpich
    } else {
        MpiFamily::OpenMpi
    }
}

pub(super) fn is_python(program: &Path) -> bool {
    program
        .file_name()
        .is_some_and(|n| n.to_string_lossy().starts_with("python"))
}

/// `libmpi.so.12`, `libmpich.so.12`, `libmpi_cxx.so`, `libmpifort.so`.
pub(super) fn is_mpi_library(name: &str) -> bool {
    name.starts_with("libmpi")
}

/// The libraries the ELF file at `path` names as NEEDED, reading only
/// its headers and dynamic section (a program with debug information is
/// tens of megabytes, and `watch` starts on every rank).
pub(super) fn libraries_needed_by(path: &Path) -> std::io::Result<Option<Vec<String>>> {
    let cache = ReadCache::new(std::fs::File::open(path)?);
    Ok(needed_libraries(&cache))
}

/// The libraries an ELF file names as NEEDED (empty for a static one);
/// `None` for a file that is not a 64-bit ELF.
pub(super) fn needed_libraries<'data, R: ReadRef<'data>>(data: R) -> Option<Vec<String>> {
    let header = elf::FileHeader64::<Endianness>::parse(data).ok()?;
    let endian = header.endian().ok()?;
    let sections = header.sections(endian, data).ok()?;
    let mut needed = Vec::new();
    for section in sections.iter() {
        let Ok(Some((entries, link))) = section.dynamic(endian, data) else {
            continue;
        };
        let Ok(strings) = sections.strings(endian, data, link) else {
            continue;
        };
        for entry in entries {
            if entry.d_tag(endian) == u64::from(elf::DT_NEEDED) {
                let offset = u32::try_from(entry.d_val(endian)).ok();
                if let Some(Ok(name)) = offset.map(|at| strings.get(at)) {
                    needed.push(String::from_utf8_lossy(name).into_owned());
                }
            }
        }
    }
    Some(needed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_program_without_mpi_is_refused_in_words() {
        let ls = find_program("ls").unwrap();
        let said = links_mpi(&ls).unwrap_err().to_string();
        assert!(said.contains("does not use MPI"), "{said}");
    }

    #[test]
    fn the_mpi_family_read_from_the_libraries_is_the_one_that_runs() {
        // This test binary links the MPI the build is for, as the
        // interposer does; the library says which it is.
        let exe = std::env::current_exe().unwrap();
        let said = mpi::environment::library_version().unwrap();
        let expected = if said.contains("MPICH") {
            MpiFamily::Mpich
        } else {
            MpiFamily::OpenMpi
        };
        assert_eq!(mpi_family_of(&exe), Some(expected), "{said}");
        assert_eq!(mpi_family_of(&find_program("ls").unwrap()), None);
    }

    #[test]
    fn a_missing_program_is_named() {
        let said = find_program("./no-such-program").unwrap_err().to_string();
        assert_eq!(said, "./no-such-program: no such program");
    }

    #[test]
    fn a_script_is_not_a_compiled_program() {
        let dir = tempfile::tempdir().unwrap();
        let script = dir.path().join("run.sh");
        std::fs::write(&script, "#!/bin/sh\n").unwrap();
        let said = links_mpi(&script).unwrap_err().to_string();
        assert!(said.contains("not a compiled program"), "{said}");
    }
}
