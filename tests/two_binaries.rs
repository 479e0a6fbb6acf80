//! The two binaries: `mpi-tutor`, which users type and which starts every
//! job, links no MPI (loading one costs each run milliseconds before
//! mpiexec starts); `mpi-tutor-rank`, beside it, runs a lesson's ranks.

mod common;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use object::elf;
use object::read::elf::{Dyn, FileHeader, SectionHeader};
use object::Endianness;

const LIMIT: Duration = Duration::from_secs(60);

/// The libraries the ELF file at `path` names as NEEDED.
fn needed(path: &Path) -> Vec<String> {
    let data = std::fs::read(path).expect("the binary");
    let header = elf::FileHeader64::<Endianness>::parse(&*data).expect("an ELF file");
    let endian = header.endian().unwrap();
    let sections = header.sections(endian, &*data).unwrap();
    let mut names = Vec::new();
    for section in sections.iter() {
        let Ok(Some((entries, link))) = section.dynamic(endian, &*data) else {
            continue;
        };
        let strings = sections.strings(endian, &*data, link).unwrap();
        for entry in entries {
            if entry.d_tag(endian) == u64::from(elf::DT_NEEDED) {
                let name = strings.get(entry.d_val(endian) as u32).unwrap();
                names.push(String::from_utf8_lossy(name).into_owned());
            }
        }
    }
    names
}

fn is_mpi(library: &str) -> bool {
    library.starts_with("libmpi")
}

#[test]
fn the_typed_mpi_tutor_links_no_mpi_library() {
    let front = needed(Path::new(common::bin()));
    assert!(!front.is_empty(), "a dynamically linked program");
    assert!(
        !front.iter().any(|l| is_mpi(l)),
        "mpi-tutor needs {front:?}"
    );
    // The reading finds MPI where it is.
    let ranks = needed(Path::new(env!("CARGO_BIN_EXE_mpi-tutor-rank")));
    assert!(
        ranks.iter().any(|l| is_mpi(l)),
        "mpi-tutor-rank needs {ranks:?}"
    );
}

#[test]
fn a_missing_rank_program_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    // mpi-tutor alone, without the rank program built beside it.
    let lonely = dir.path().join("mpi-tutor");
    std::fs::copy(common::bin(), &lonely).unwrap();
    let mut typed = Command::new(&lonely);
    typed.args(["lesson", "hello", "--headless"]);
    let mut on_ranks = Command::new(common::mpiexec());
    on_ranks
        .args(["-n", "2"])
        .arg(&lonely)
        .args(["lesson", "hello", "--headless"]);
    for cmd in [typed, on_ranks] {
        let run = common::run(cmd, LIMIT);
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
        assert!(run.stderr.contains("mpi-tutor-rank is missing"), "{run:#?}");
        assert!(run.stdout.is_empty(), "{run:#?}");
    }
}

#[test]
fn the_rank_program_runs_lessons_only() {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_mpi-tutor-rank"));
    cmd.arg("list");
    let run = common::run(cmd, LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(run.stderr.contains("type `mpi-tutor`"), "{run:#?}");
}
