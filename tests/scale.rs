//! 32 ranks on whatever the machine has (2 cores on the project's): `ring`
//! and `halo` under the real mpiexec, headless, complete with every rank's
//! check passed, no event lost, and in seconds, not minutes. 64 ranks are
//! measured by `scripts/scale.sh` (benches/scale.rs).

mod common;

use std::time::Duration;

use common::{mpi, read};

const RANKS: u32 = 32;
/// Killed after this: a hang.
const LIMIT: Duration = Duration::from_secs(90);
/// About 1.5 s alone on 2 cores; the suite runs two tests at a time.
const SLOW: Duration = Duration::from_secs(30);

fn run_at_scale(lesson: &str) -> mpi_tutor::trace::Trace {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let run = mpi(
        RANKS,
        &[
            "lesson",
            lesson,
            "--headless",
            "--record",
            path.to_str().unwrap(),
        ],
        LIMIT,
    );
    assert_eq!(run.code, Some(0), "{lesson} on {RANKS} ranks:\n{run:#?}");
    let want = format!("checks: {RANKS} passed, 0 failed");
    assert!(
        run.stdout.contains(&want),
        "{lesson}: no `{want}`:\n{run:#?}"
    );
    assert!(
        run.stdout.contains("none lost"),
        "{lesson}: events lost:\n{}",
        run.stdout
    );
    assert!(
        run.elapsed < SLOW,
        "{lesson} on {RANKS} ranks took {:?} (about 1.5 s expected)",
        run.elapsed
    );
    read(&path)
}

#[test]
fn ring_completes_on_32_ranks() {
    let trace = run_at_scale("ring");
    assert_eq!(trace.header.world_size, RANKS);
}

#[test]
fn halo_completes_on_32_ranks_on_a_grid_grown_to_fit() {
    let trace = run_at_scale("halo");
    // 32 ranks form 8 x 4 blocks of a 32 x 32 grid (16 would leave each
    // block 2 rows).
    let size = trace.header.params.iter().find(|(k, _)| k == "size");
    assert_eq!(size.map(|(_, v)| v.as_str()), Some("32"));
    let fields = trace
        .events
        .iter()
        .filter_map(|e| match &e.event {
            mpi_tutor::trace::EventKind::Field(f) => Some(f),
            _ => None,
        })
        .filter(|f| f.iteration == 0);
    let mut cells = 0;
    for f in fields {
        assert_eq!((f.rows, f.cols), (4, 8), "{f:?}");
        cells += f.rows * f.cols;
    }
    assert_eq!(cells, 32 * 32, "every cell in exactly one block");
}
