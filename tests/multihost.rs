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

/// Runs the script `make(dir, trace)` gives on 4 simulated hosts, checks
/// that it ended well, and returns the run with the recording's hosts.
fn recorded(make: impl FnOnce(&Path, &Path) -> String) -> Option<(common::Run, Vec<String>)> {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("run.jsonl");
    let script = make(dir.path(), &trace);
    let run = Layout::hosts(4).run(&script, LIMIT)?;
    run.assert_ok();
    Some((run, common::read(&trace).header.hosts))
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

/// Pids of the live processes whose command line is `cmdline`.
fn processes(cmdline: &str) -> Vec<i32> {
    let entries = std::fs::read_dir("/proc").unwrap().flatten();
    let pids = entries.filter_map(|e| e.file_name().to_str()?.parse::<i32>().ok());
    pids.filter(|pid| {
        let line = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
        String::from_utf8_lossy(&line).replace('\0', " ").trim() == cmdline
    })
    .collect()
}

/// Polls `test` every 20 ms for up to `limit`; whether it came true.
fn within(limit: Duration, test: impl Fn() -> bool) -> bool {
    let start = std::time::Instant::now();
    while start.elapsed() < limit {
        if test() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    test()
}

#[test]
fn a_host_with_terminals_of_its_own_sees_none_of_the_teachers() {
    let mut layout = Layout::hosts(3);
    layout.own_pts = Some("others".into());
    // A terminal opened on h0, looked for there, on h1 and on h2 (0: found).
    let script = "python3 -c 'import os, pty, subprocess as s; m, t = pty.openpty(); \
        n = os.ttyname(t); print(n, s.call([\"test\", \"-e\", n]), \
        s.call([\"onhost\", \"h1\", \"test\", \"-e\", n]), s.call([\"ssh\", \"h2\", \"test -e \" + n]))'";
    let Some(run) = layout.run(script, LIMIT) else {
        return;
    };
    run.assert_ok();
    let found: Vec<&str> = run.stdout.split_whitespace().collect();
    assert!(found[0].starts_with("/dev/pts/"), "{run:#?}");
    assert_eq!(found[1..], ["0", "1", "1"], "{run:#?}");
}

#[test]
fn killing_the_harness_ends_everything_on_every_host() {
    if !common::hosts::available() {
        return;
    }
    // A command line no other test runs.
    let sleep = format!("sleep 300.{}", std::process::id());
    let script = format!("onhost h1 {sleep} & ssh h2 {sleep} & {sleep}");
    let running = common::start(Layout::hosts(3).command(&script));
    let started = within(LIMIT, || processes(&sleep).len() == 3);
    assert!(started, "the sleeps did not start on h0, h1 and h2");
    // SAFETY: killing the harness we started (not its process group).
    unsafe { libc::kill(running.pgid, libc::SIGKILL) };
    let _ = running.finish(LIMIT);
    let gone = within(Duration::from_secs(5), || processes(&sleep).is_empty());
    assert!(gone, "left running: {:?}", processes(&sleep));
}

#[test]
fn a_lesson_typed_on_one_host_runs_on_the_hosts_given() {
    let (hosts, each) = spread();
    // No -n: the hosts' slots are the rank count.
    let Some((run, recorded_hosts)) = recorded(|_, trace| {
        format!(
            "{} lesson ring --headless --hosts {hosts} --record {}",
            common::bin(),
            trace.display()
        )
    }) else {
        return;
    };
    assert_eq!(recorded_hosts, each);
    let line = hosts_line(&run.stdout);
    for host in &each {
        assert!(line.contains(host), "{host} not named in {line:?}");
    }
    assert!(!line.contains("h0"), "{line}");
    assert!(run.stdout.contains(", 0 failed"), "{}", run.stdout);
}

#[test]
fn sixty_four_ranks_on_four_hosts_complete_a_halo() {
    let hosts = if open_mpi() {
        "h1:16,h2:16,h3:16,h4:16"
    } else {
        "h1:64"
    };
    let script = format!(
        "{} lesson halo --headless --fast --hosts {hosts}",
        common::bin()
    );
    let Some(run) = Layout::hosts(5).run(&script, Duration::from_secs(150)) else {
        return;
    };
    run.assert_ok();
    assert!(
        run.stdout.contains("checks: 64 passed, 0 failed"),
        "{}",
        run.stdout
    );
    let line = hosts_line(&run.stdout);
    for entry in hosts.split(',') {
        let host = entry.split(':').next().unwrap();
        assert!(line.contains(host), "{host} not named in {line:?}");
    }
}

/// tests/programs/NAME.c compiled with `mpicc -g` into `dir`.
fn compile(dir: &Path, name: &str) -> PathBuf {
    let mpicc = common::watch::mpicc();
    common::watch::compile(dir, &format!("{name}.c"), &mpicc, &["-g"], name)
}

/// `hosts` (`h1:2,h2:2,...`) as a hostfile, a host a line, written each
/// MPI's way in turn (`h1:2`, `h2 slots=2`).
fn hostfile_text(hosts: &str) -> String {
    let lines: Vec<String> = hosts
        .split(',')
        .enumerate()
        .map(|(i, entry)| match (i % 2, entry.split_once(':')) {
            (1, Some((name, slots))) => format!("{name} slots={slots}"),
            _ => entry.to_string(),
        })
        .collect();
    format!("# the lab\n{}\n", lines.join("\n"))
}

#[test]
fn watch_runs_a_c_program_on_the_hosts_of_a_hostfile() {
    let (hosts, each) = spread();
    let Some((run, recorded_hosts)) = recorded(|dir, trace| {
        let hostfile = dir.join("hostfile");
        std::fs::write(&hostfile, hostfile_text(hosts)).unwrap();
        format!(
            "{} watch --headless --hostfile {} --record {} -- {}",
            common::bin(),
            hostfile.display(),
            trace.display(),
            compile(dir, "ring").display()
        )
    }) else {
        return;
    };
    assert_eq!(recorded_hosts, each);
    let expected = each.len() * (each.len() - 1);
    let said = format!("token after 2 rounds: {expected} (expected {expected})");
    assert!(run.stdout.contains(&said), "{run:#?}");
    // Each call named at its line of the C source.
    assert!(run.stdout.contains("ring.c:19"), "{}", run.stdout);
}

#[test]
fn the_users_own_mpiexec_places_the_ranks_with_its_own_flags() {
    let (hosts, each) = spread();
    let Some((_, recorded_hosts)) = recorded(|_, trace| {
        format!(
            "{} {} -n {} {} lesson ring --headless --record {}",
            common::mpiexec(),
            host_flag(hosts),
            each.len(),
            common::bin(),
            trace.display()
        )
    }) else {
        return;
    };
    assert_eq!(recorded_hosts, each);
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
