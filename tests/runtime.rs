//! The instrumented runtime end to end: the real binary under the real
//! mpiexec, checked the way a user would check it.

mod common;

use std::time::Duration;

use common::{alone, mpi, read};
use mpi_tutor::trace::{EventKind, Op};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn send_recv_on_five_ranks_logs_the_message_and_records_every_event() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    let run = mpi(
        5,
        &[
            "lesson",
            "send-recv",
            "--headless",
            "--record",
            path.to_str().unwrap(),
        ],
        LIMIT,
    );
    run.assert_ok();
    check_send_recv_log(&run.stdout);
    let trace = read(&path);
    check_send_recv_trace(&trace);
}

/// The headless log of send-recv on five ranks: the message, what each
/// rank said, nothing lost, the send before the receive that took it.
fn check_send_recv_log(log: &str) {
    assert!(
        log.contains(
            "rank 0  send     -> 1  tag 13  100 x f64 (800 B)  [0.0, 1.0, 2.0 … 99.0]   lessons/send_recv.rs:"
        ),
        "{log}"
    );
    assert!(log.contains("rank 1  recv     <- 0  tag 13"), "{log}");
    assert!(
        log.contains("rank 1  says     received 100 values from rank 0 with tag 13: 0 .. 99"),
        "{log}"
    );
    for r in 2..5 {
        assert!(
            log.contains(&format!("rank {r}  says     I've got nothing to do")),
            "{log}"
        );
    }
    assert!(log.contains("none lost"), "{log}");
    // Causal order: the send is logged before the receive that took it.
    let send_at = log.find("rank 0  send ").unwrap();
    let recv_done_at = log.find("rank 1  done     recv").unwrap();
    assert!(send_at < recv_done_at, "{log}");
}

/// The recording of that run: its header, every rank's events in order
/// and none lost, the receive naming the send it matched, how it ended.
fn check_send_recv_trace(trace: &mpi_tutor::trace::Trace) {
    assert_eq!(trace.header.lesson, "send-recv");
    assert_eq!(trace.header.world_size, 5);
    assert!(
        trace.header.mpi_library.contains("MPI"),
        "{:?}",
        trace.header
    );
    assert!(!trace.truncated);
    for r in 0..5u32 {
        let mine: Vec<_> = trace
            .events
            .iter()
            .filter(|e| e.rank == r && !matches!(e.event, EventKind::RunEnded { .. }))
            .collect();
        let Some(EventKind::Finished { events, .. }) = mine.last().map(|e| &e.event) else {
            panic!("rank {r} did not finish: {mine:?}");
        };
        assert_eq!(*events as usize, mine.len(), "rank {r} lost events");
        let seqs: Vec<u64> = mine.iter().map(|e| e.seq).collect();
        assert_eq!(seqs, (0..mine.len() as u64).collect::<Vec<_>>(), "rank {r}");
    }
    check_send_matched(trace);
    assert!(matches!(
        trace.events.last().map(|e| &e.event),
        Some(EventKind::RunEnded { .. })
    ));
}

/// Rank 1's receive names rank 0's send.
fn check_send_matched(trace: &mpi_tutor::trace::Trace) {
    let sent = trace
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::Begin(c) if c.op == Op::Send => c.send.as_ref().map(|s| s.msg),
            _ => None,
        })
        .expect("a send");
    let took = trace
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::End(end) if e.rank == 1 && end.op == Op::Recv => end.received[0].msg,
            _ => None,
        })
        .expect("a completed receive on rank 1");
    assert_eq!(took, sent, "the receive names the send it matched");
    assert_eq!((took.from, took.to, took.tag, took.k), (0, 1, 13, 0));
}

#[test]
fn send_recv_on_two_ranks_passes_its_check() {
    let run = mpi(2, &["lesson", "send-recv", "--headless"], LIMIT);
    run.assert_ok();
    assert!(run
        .stdout
        .contains("check    passed: rank 1 received 0..99 from rank 0"));
    assert!(!run.stdout.contains("nothing to do"));
}

#[test]
fn hello_on_three_ranks_greets_from_each() {
    let run = mpi(3, &["lesson", "hello", "--headless"], LIMIT);
    run.assert_ok();
    for r in 0..3 {
        assert!(
            run.stdout.contains(&format!("hello from rank {r} of 3")),
            "{}",
            run.stdout
        );
    }
}

#[test]
fn too_few_ranks_fails_fast_with_one_line() {
    let run = mpi(1, &["lesson", "send-recv"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr.trim(),
        "mpi-tutor: lesson send-recv needs at least 2 ranks, not 1: run `mpiexec -n 5 mpi-tutor lesson send-recv`"
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn an_unknown_lesson_fails_fast_on_every_rank_and_alone() {
    let expected = "mpi-tutor: unknown lesson 'nope'; the lessons are: ";
    let run = mpi(3, &["lesson", "nope"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stderr.lines().count(), 1, "said once: {}", run.stderr);
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
    assert!(run.stderr.contains("send-recv"));

    let run = alone(&["lesson", "nope"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.starts_with(expected), "{}", run.stderr);
}

#[test]
fn without_mpiexec_it_starts_mpiexec_itself() {
    let run = alone(&["lesson", "send-recv", "--headless", "-n", "3"], LIMIT);
    run.assert_ok();
    assert!(run
        .stdout
        .contains("rank 2  says     I've got nothing to do"));
    assert!(
        !run.stdout.contains("rank 3 "),
        "-n 3 means three ranks:\n{}",
        run.stdout
    );
}

#[test]
fn list_names_every_lesson_with_its_ranks() {
    let run = alone(&["list"], LIMIT);
    run.assert_ok();
    for l in mpi_tutor::lessons::LESSONS {
        let line = run
            .stdout
            .lines()
            .find(|line| line.trim_start().starts_with(&format!("{} ", l.name)))
            .unwrap_or_else(|| panic!("{} missing from:\n{}", l.name, run.stdout));
        assert!(
            line.contains(&l.ranks_text()) && line.contains(l.title),
            "{line}"
        );
    }
}

#[test]
fn a_reader_that_stops_early_ends_the_list_quietly() {
    // `mpi-tutor list | head -1`: the shell sees the first line, and no
    // panic or backtrace on stderr.
    let mut cmd = std::process::Command::new("sh");
    cmd.arg("-c")
        .arg(format!("{} list | head -1", common::bin()));
    let run = common::run(cmd, LIMIT);
    run.assert_ok();
    assert_eq!(run.stdout.lines().count(), 1, "{}", run.stdout);
    assert!(run.stderr.is_empty(), "said on stderr:\n{}", run.stderr);
}

#[test]
fn a_foreign_launcher_is_named_not_run_as_singletons() {
    // What an mpiexec of another MPI looks like to this binary: the launcher
    // announces 4 ranks, MPI starts a world of 1.
    let mut cmd = std::process::Command::new(common::bin());
    cmd.args(["lesson", "hello", "--headless"])
        .env("PMI_SIZE", "4");
    let run = common::run(cmd, LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("started by an mpiexec of another MPI"),
        "{}",
        run.stderr
    );
    assert!(
        run.stdout.is_empty(),
        "no singleton ran the lesson: {}",
        run.stdout
    );
}

#[test]
fn an_unknown_flag_or_bad_value_is_one_line_said_once() {
    let run = alone(&["lesson", "send-recv", "--nope"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr.trim(),
        "mpi-tutor: unexpected argument '--nope' found (see `mpi-tutor lesson --help`)"
    );
    let run = mpi(3, &["lesson", "send-recv", "--speed", "fast"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stderr.lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("invalid value 'fast' for '--speed"),
        "{}",
        run.stderr
    );
    assert!(run.elapsed < Duration::from_secs(5), "{:?}", run.elapsed);
}

#[test]
fn out_of_range_parameters_are_refused_before_anything_runs() {
    let run = mpi(2, &["lesson", "ring", "--iterations", "0"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(
        run.stderr.trim(),
        "mpi-tutor: --iterations 0 is out of range for lesson ring: use 1 to 10000"
    );
    let run = alone(&["lesson", "hello", "--size", "3"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert_eq!(run.stderr.trim(), "mpi-tutor: lesson hello has no --size");
    let run = alone(&["lesson", "send-recv", "-n", "99"], LIMIT);
    assert_eq!(run.code, Some(2));
    assert!(
        run.stderr.contains("needs at most 64 ranks"),
        "{}",
        run.stderr
    );
}
