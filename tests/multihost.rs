//! Runs across machines, on hosts simulated on this one (scripts/simhosts):
//! the harness itself; a lesson and `watch` of a C program typed on the
//! teacher's host h0 with their ranks on other hosts, by `--hosts`,
//! `--hostfile` and the user's own mpiexec; each rank's host in the log
//! and in the recording. Skipped, with the harness's reason, where the
//! machine cannot make namespaces.
//!
//! Under MPICH the ranks share one remote host: Debian's MPICH 4.0.2 hangs
//! in `MPI_Finalize` when ranks talk TCP across hosts
//! (docs/multihost-facts.md); under Open MPI they spread over three.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::hosts::{host_flag, open_mpi, Layout};

const LIMIT: Duration = Duration::from_secs(90);

/// The hosts the ranks go on, as `--hosts` takes them, and each rank's
/// host in rank order.
fn spread() -> (&'static str, Vec<&'static str>) {
    if open_mpi() {
        ("h1:2,h2:2,h3:2", vec!["h1", "h1", "h2", "h2", "h3", "h3"])
    } else {
        ("h1:2", vec!["h1", "h1"])
    }
}

fn hosts_of(trace: &Path) -> Vec<String> {
    common::read(trace).header.hosts
}

/// The headless log's line that says where the ranks run.
fn hosts_line(log: &str) -> &str {
    log.lines()
        .find(|l| l.starts_with("-- hosts:"))
        .unwrap_or_else(|| panic!("no hosts line in:\n{log}"))
}

#[test]
fn the_harness_runs_each_rank_on_the_host_it_was_given() {
    let script = format!(
        "hostname; {} {} -n 3 hostname",
        common::mpiexec(),
        host_flag("h1,h2,h3")
    );
    let Some(run) = Layout::hosts(4).run(&script, LIMIT) else {
        return;
    };
    run.assert_ok();
    let mut names: Vec<&str> = run.stdout.lines().collect();
    names.sort_unstable();
    assert_eq!(names, ["h0", "h1", "h2", "h3"], "{run:#?}");
}

#[test]
fn a_lesson_typed_on_one_host_runs_on_the_hosts_given() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("ring.jsonl");
    let (hosts, each) = spread();
    // No -n: the hosts' slots are the rank count.
    let script = format!(
        "{} lesson ring --headless --hosts {hosts} --record {}",
        common::bin(),
        trace.display()
    );
    let Some(run) = Layout::hosts(4).run(&script, LIMIT) else {
        return;
    };
    run.assert_ok();
    assert_eq!(hosts_of(&trace), each);
    let line = hosts_line(&run.stdout);
    for host in &each {
        assert!(line.contains(host), "{host} not named in {line:?}");
    }
    assert!(!line.contains("h0"), "{line}");
    assert!(run.stdout.contains(", 0 failed"), "{}", run.stdout);
}

/// tests/programs/NAME.c compiled with `mpicc -g` into `dir`.
fn compile(dir: &Path, name: &str) -> PathBuf {
    common::watch::hooks_built();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(format!("{name}.c"));
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into());
    let out = dir.join(name);
    let ok = Command::new(mpicc)
        .args(["-g", "-o"])
        .arg(&out)
        .arg(&source)
        .status()
        .expect("mpicc is installed (make setup)")
        .success();
    assert!(ok, "mpicc failed on {name}.c");
    out
}

#[test]
fn watch_runs_a_c_program_on_the_hosts_of_a_hostfile() {
    let dir = tempfile::tempdir().unwrap();
    let program = compile(dir.path(), "ring");
    let (hosts, each) = spread();
    // One host a line, each MPI's way in turn.
    let file: Vec<String> = hosts
        .split(',')
        .enumerate()
        .map(|(i, entry)| match (i % 2, entry.split_once(':')) {
            (1, Some((name, slots))) => format!("{name} slots={slots}"),
            _ => entry.to_string(),
        })
        .collect();
    let hostfile = dir.path().join("hostfile");
    std::fs::write(&hostfile, format!("# the lab\n{}\n", file.join("\n"))).unwrap();
    let trace = dir.path().join("watched.jsonl");
    let script = format!(
        "{} watch --headless --hostfile {} --record {} -- {}",
        common::bin(),
        hostfile.display(),
        trace.display(),
        program.display()
    );
    let Some(run) = Layout::hosts(4).run(&script, LIMIT) else {
        return;
    };
    run.assert_ok();
    assert_eq!(hosts_of(&trace), each);
    let expected = each.len() * (each.len() - 1);
    let said = format!("token after 2 rounds: {expected} (expected {expected})");
    assert!(run.stdout.contains(&said), "{run:#?}");
    // Each call named at its line of the C source.
    assert!(run.stdout.contains("ring.c:19"), "{}", run.stdout);
}

#[test]
fn the_users_own_mpiexec_places_the_ranks_with_its_own_flags() {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("own.jsonl");
    let (hosts, each) = spread();
    let script = format!(
        "{} {} -n {} {} lesson ring --headless --record {}",
        common::mpiexec(),
        host_flag(hosts),
        each.len(),
        common::bin(),
        trace.display()
    );
    let Some(run) = Layout::hosts(4).run(&script, LIMIT) else {
        return;
    };
    run.assert_ok();
    assert_eq!(hosts_of(&trace), each);
}

#[test]
fn host_lists_that_place_no_rank_are_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("no-such-hostfile");
    let missing = missing.to_str().unwrap();
    let cases: [&[&str]; 4] = [
        &["lesson", "ring", "--hosts", "h1:0"],
        &["lesson", "ring", "--hosts", ":2"],
        &["lesson", "ring", "--hostfile", missing],
        &["watch", "--hosts", "h1,,h2", "--", "true"],
    ];
    for args in cases {
        let run = common::alone(args, LIMIT);
        assert_eq!(run.code, Some(2), "{args:?}: {run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "{args:?}: {run:#?}");
        assert!(run.stderr.starts_with("mpi-tutor: "), "{run:#?}");
    }
}

#[test]
fn host_flags_under_the_users_own_mpiexec_are_refused() {
    let run = common::mpi(
        2,
        &["lesson", "ring", "--headless", "--hosts", "h1:2"],
        LIMIT,
    );
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stderr
            .contains("under your own mpiexec, give it the hosts"),
        "{run:#?}"
    );
}
