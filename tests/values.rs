//! Data you can see: under the real mpiexec, the headless log shows the
//! values messages carry, and the summary the bytes collectives moved.

mod common;

use std::time::Duration;

use common::mpi;

const LIMIT: Duration = Duration::from_secs(60);

fn headless(lesson: &str, n: u32, extra: &[&str]) -> String {
    let mut args = vec!["lesson", lesson, "--headless"];
    args.extend_from_slice(extra);
    let run = mpi(n, &args, LIMIT);
    assert_eq!(run.code, Some(0), "{run:#?}");
    run.stdout
}

/// The log lines of `rank`.
fn lines_of(log: &str, rank: u32) -> Vec<&str> {
    let tag = format!(" rank {rank:<2} ");
    log.lines().filter(|l| l.contains(&tag)).collect()
}

#[test]
fn send_recv_shows_the_values_travelling_from_rank_0_to_rank_1() {
    let log = headless("send-recv", 5, &[]);
    let values = "[0.0, 1.0, 2.0 … 99.0]";
    let sent = lines_of(&log, 0);
    assert!(
        sent.iter()
            .any(|l| l.contains("send     -> 1") && l.contains(values)),
        "{log}"
    );
    let got = lines_of(&log, 1);
    assert!(
        got.iter()
            .any(|l| l.contains("done     recv") && l.contains(&format!("got {values}"))),
        "{log}"
    );
}

#[test]
fn no_values_shows_none() {
    let log = headless("send-recv", 2, &["--no-values"]);
    assert!(log.contains("send     -> 1"), "{log}");
    assert!(!log.contains("[0.0"), "{log}");
}

#[test]
fn broadcast_counts_the_bytes_the_root_sent_each_rank() {
    let log = headless("broadcast", 4, &[]);
    assert!(
        log.contains("collective bcast: 1 call moved 72 B in 3 transfers (root -> all)"),
        "{log}"
    );
    assert!(!log.contains("messages: none"), "{log}");
    assert!(log.contains("got [2.0, 0.5, 0.25]"), "{log}");
}

#[test]
fn scatter_gather_counts_each_chunk_out_and_back() {
    let log = headless("scatter-gather", 4, &[]);
    for kind in ["scatter", "gather"] {
        let line = format!("collective {kind}: 1 call moved 96 B in 3 transfers");
        assert!(log.contains(&line), "{line}\n{log}");
    }
    assert!(log.contains("got [12.0, 13.0, 14.0, 15.0]"), "{log}");
}

#[test]
fn reduce_counts_every_contribution_with_its_operation() {
    let log = headless("reduce", 4, &[]);
    assert!(
        log.contains("collective reduce sum: 1 call moved 24 B in 3 transfers"),
        "{log}"
    );
    assert!(
        log.contains("collective allreduce sum: 1 call moved 96 B in 12 transfers"),
        "{log}"
    );
    assert!(
        log.contains("collective total: 120 B in 15 transfers"),
        "{log}"
    );
}
