//! `mpi-tutor export --format otf2`, read back with the reference OTF2
//! tools: real lesson runs (and a watched C program) are recorded under
//! mpiexec, exported, and printed by `otf2-print -Werror` (the library's
//! own reader, every warning an error; `scripts/setup.sh --for-tests`
//! installs it). What it prints is compared with the recorded trace: every
//! rank's events, the sends and receives of each pair of ranks as the
//! run's summary counts them, no receive ending before its send began,
//! the collectives with their root and sizes, the sub-communicators. A
//! broken trace is one line of error and no archive.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use mpi_tutor::model::Model;
use mpi_tutor::trace::{EventKind, Trace};

const LIMIT: Duration = Duration::from_secs(60);

/// One record `otf2-print` printed: its kind, location (rank), time and
/// the rest of its line.
#[derive(Debug, Clone)]
struct Record {
    kind: String,
    rank: u32,
    time: u64,
    rest: String,
}

impl Record {
    /// The number after `field: ` in the record's line.
    fn number(&self, field: &str) -> u64 {
        let at = self.rest.find(&format!("{field}: ")).unwrap_or_else(|| {
            panic!("no {field} in {self:?}");
        });
        let digits: String = self.rest[at + field.len() + 2..]
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        digits.parse().unwrap()
    }
}

/// Exports `trace` to `dir` (which must not exist yet).
fn export(trace: &Path, dir: &Path) -> common::Run {
    common::alone(
        &[
            "export",
            trace.to_str().unwrap(),
            "--format",
            "otf2",
            "-o",
            dir.to_str().unwrap(),
        ],
        LIMIT,
    )
}

/// What `otf2-print -Werror` prints of the archive in `dir` (with `args`),
/// after checking that it read it without a warning or an error.
fn otf2_print(dir: &Path, args: &[&str]) -> String {
    let out = Command::new("otf2-print")
        .arg("-Werror")
        .args(args)
        .arg(dir.join("traces.otf2"))
        .output()
        .expect("otf2-print is installed (scripts/setup.sh --for-tests installs otf2-tools)");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "otf2-print failed: {stderr}");
    assert!(stderr.trim().is_empty(), "otf2-print warned: {stderr}");
    String::from_utf8(out.stdout).unwrap()
}

/// The event records of the archive, in the order otf2-print gives them.
fn records(dir: &Path) -> Vec<Record> {
    otf2_print(dir, &[])
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let kind = words.next()?.to_string();
            let rank = words.next()?.parse().ok()?;
            let time = words.next()?.parse().ok()?;
            let rest = words.collect::<Vec<_>>().join(" ");
            Some(Record {
                kind,
                rank,
                time,
                rest,
            })
        })
        .collect()
}

/// Records `lesson` on `n` ranks into `dir`, exports it to `dir/otf2`.
fn record_and_export(lesson: &str, n: u32, dir: &Path) -> (Trace, PathBuf) {
    let trace = dir.join("run.jsonl");
    let t = trace.to_str().unwrap();
    let live = common::mpi(n, &["lesson", lesson, "--headless", "--record", t], LIMIT);
    live.assert_ok();
    let archive = dir.join("otf2");
    export(&trace, &archive).assert_ok();
    (common::read(&trace), archive)
}

/// The summary the tutor shows at the end of the run.
fn summary_pairs(trace: &Trace) -> Pairs {
    let mut model = Model::new(trace.header.clone());
    for e in &trace.events {
        model.apply(e);
    }
    let pairs = model.summary().pairs;
    pairs
        .into_iter()
        .map(|p| ((p.from, p.to), p.messages))
        .collect()
}

/// Messages per (from, to).
type Pairs = BTreeMap<(u32, u32), u64>;

/// Sends and receive times on one channel (from, to, tag).
type Channels = BTreeMap<(u32, u32, u64), (Vec<u64>, Vec<u64>)>;

/// Messages per (from, to) as the archive's sends and receives say them
/// (on the world communicator, where ranks are world ranks).
fn archive_pairs(records: &[Record]) -> (Pairs, Pairs) {
    let (mut sent, mut received) = (BTreeMap::new(), BTreeMap::new());
    for r in records {
        match r.kind.as_str() {
            "MPI_SEND" | "MPI_ISEND" => {
                *sent
                    .entry((r.rank, r.number("Receiver") as u32))
                    .or_insert(0) += 1;
            }
            "MPI_RECV" | "MPI_IRECV" => {
                *received
                    .entry((r.number("Sender") as u32, r.rank))
                    .or_insert(0) += 1;
            }
            _ => {}
        }
    }
    (sent, received)
}

/// Every rank of the run has its events, entered and left in pairs.
fn assert_every_rank_has_its_events(trace: &Trace, records: &[Record]) {
    for rank in 0..trace.header.world_size {
        let enters = records
            .iter()
            .filter(|r| r.rank == rank && r.kind == "ENTER")
            .count();
        let leaves = records
            .iter()
            .filter(|r| r.rank == rank && r.kind == "LEAVE")
            .count();
        assert!(enters > 0, "rank {rank} has no events");
        assert_eq!(enters, leaves, "rank {rank} enters and leaves in pairs");
        let calls = trace
            .events
            .iter()
            .filter(|e| e.rank == rank && matches!(e.event, EventKind::Begin(_)))
            .count();
        let regions = records
            .iter()
            .filter(|r| r.rank == rank && r.kind == "ENTER" && r.rest.contains("\"MPI_"))
            .count();
        assert_eq!(regions, calls, "rank {rank}: a region per MPI call");
    }
}

/// Point-to-point: the sends and receives of each pair are what the
/// summary counts, and no receive ends before its send began (the k-th
/// send on a channel is the k-th receive from it).
fn assert_messages_match(trace: &Trace, records: &[Record]) {
    let (sent, received) = archive_pairs(records);
    let summary = summary_pairs(trace);
    assert!(!summary.is_empty(), "the run sent messages");
    assert_eq!(sent, summary, "sends per pair");
    assert_eq!(received, summary, "receives per pair");
    let mut channels = Channels::new();
    for r in records {
        match r.kind.as_str() {
            "MPI_SEND" | "MPI_ISEND" => {
                let key = (r.rank, r.number("Receiver") as u32, r.number("Tag"));
                channels.entry(key).or_default().0.push(r.time);
            }
            "MPI_RECV" | "MPI_IRECV" => {
                let key = (r.number("Sender") as u32, r.rank, r.number("Tag"));
                channels.entry(key).or_default().1.push(r.time);
            }
            _ => {}
        }
    }
    for (channel, (sends, receives)) in &channels {
        for (send, receive) in sends.iter().zip(receives) {
            assert!(
                receive > send,
                "{channel:?}: received at {receive}, sent at {send}"
            );
        }
    }
}

#[test]
fn send_recv_exports_every_rank_and_every_message() {
    let dir = tempfile::tempdir().unwrap();
    let (trace, archive) = record_and_export("send-recv", 3, dir.path());
    let records = records(&archive);
    assert_every_rank_has_its_events(&trace, &records);
    assert_messages_match(&trace, &records);
    let defs = otf2_print(&archive, &["-G"]);
    for rank in 0..3 {
        assert!(
            defs.contains(&format!("Name: \"rank {rank} main\"")),
            "{defs}"
        );
    }
    assert!(defs.contains("Ticks per Seconds: 1000000000"), "{defs}");
    // The program's output is in the archive's markers.
    let said = trace
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::Say { text } => Some(text.clone()),
            _ => None,
        })
        .expect("the lesson says something");
    let markers = std::fs::read(archive.join("traces.marker")).unwrap();
    let markers = String::from_utf8_lossy(&markers);
    assert!(markers.contains(&said), "{said:?} not in the markers");
}

#[test]
fn nonblocking_requests_begin_and_complete() {
    let dir = tempfile::tempdir().unwrap();
    let (trace, archive) = record_and_export("nonblocking", 4, dir.path());
    let records = records(&archive);
    assert_every_rank_has_its_events(&trace, &records);
    assert_messages_match(&trace, &records);
    let count = |kind: &str| records.iter().filter(|r| r.kind == kind).count();
    assert!(count("MPI_ISEND") > 0);
    assert_eq!(count("MPI_ISEND"), count("MPI_ISEND_COMPLETE"));
    assert!(count("MPI_IRECV_REQUEST") > 0);
    assert_eq!(count("MPI_IRECV_REQUEST"), count("MPI_IRECV"));
    for r in records.iter().filter(|r| r.kind == "MPI_IRECV") {
        let request = r.number("Request");
        let begun = records.iter().find(|b| {
            b.kind == "MPI_IRECV_REQUEST" && b.rank == r.rank && b.number("Request") == request
        });
        assert!(begun.is_some_and(|b| b.time <= r.time), "{r:?}");
    }
}

#[test]
fn collectives_begin_and_end_with_root_and_sizes() {
    let dir = tempfile::tempdir().unwrap();
    let (trace, archive) = record_and_export("broadcast", 4, dir.path());
    let records = records(&archive);
    assert_every_rank_has_its_events(&trace, &records);
    for rank in 0..4 {
        let collectives = trace
            .events
            .iter()
            .filter(|e| e.rank == rank)
            .filter(|e| matches!(&e.event, EventKind::Begin(c) if c.op.is_collective()))
            .count();
        let ends: Vec<_> = records
            .iter()
            .filter(|r| r.rank == rank && r.kind == "MPI_COLLECTIVE_END")
            .collect();
        let begins = records
            .iter()
            .filter(|r| r.rank == rank && r.kind == "MPI_COLLECTIVE_BEGIN")
            .count();
        assert!(collectives > 0);
        assert_eq!(
            (begins, ends.len()),
            (collectives, collectives),
            "rank {rank}"
        );
    }
    let bcast = records
        .iter()
        .find(|r| r.kind == "MPI_COLLECTIVE_END" && r.rest.contains("BCAST"))
        .expect("a broadcast");
    let root = bcast.number("Root");
    let call = trace
        .events
        .iter()
        .find_map(|e| match &e.event {
            EventKind::Begin(c) if c.op == mpi_tutor::trace::Op::Bcast => c.collective.clone(),
            _ => None,
        })
        .unwrap();
    assert_eq!(Some(root as u32), call.root);
    let sent = bcast.number("Sent");
    let received = bcast.number("Received");
    if u64::from(bcast.rank) == root {
        assert_eq!((sent, received), (call.bytes * 4, call.bytes));
    } else {
        assert_eq!((sent, received), (0, call.bytes));
    }
}

#[test]
fn a_watched_program_with_a_sub_communicator_defines_it() {
    common::watch::hooks_built();
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/comm_split.c");
    std::fs::copy(source, dir.path().join("comm_split.c")).unwrap();
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into());
    let compiled = Command::new(mpicc)
        .current_dir(dir.path())
        .args(["-g", "-o", "comm_split", "comm_split.c"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(compiled, "mpicc failed");
    let trace = dir.path().join("split.jsonl");
    let t = trace.to_str().unwrap();
    let run = common::watch::watch(
        dir.path(),
        &["-n", "4", "--headless", "--record", t],
        ["./comm_split"],
        LIMIT,
    );
    run.assert_ok();
    let archive = dir.path().join("otf2");
    export(&trace, &archive).assert_ok();
    let records = records(&archive);
    assert_every_rank_has_its_events(&common::read(&trace), &records);
    let defs = otf2_print(&archive, &["-G"]);
    let comms: Vec<&str> = defs.lines().filter(|l| l.starts_with("COMM ")).collect();
    assert_eq!(comms.len(), 3, "the world and the two halves: {defs}");
    let halves: Vec<&str> = defs
        .lines()
        .filter(|l| l.starts_with("GROUP ") && l.contains("communicator "))
        .collect();
    assert_eq!(halves.len(), 2, "{defs}");
    // The even half and the odd half, each by its members' world ranks.
    for members in [
        "0 (\"rank 0 main\" <0>), 2 (",
        "1 (\"rank 1 main\" <1>), 3 (",
    ] {
        let found = halves
            .iter()
            .any(|g| g.contains(&format!("2 Members: {members}")));
        assert!(found, "{members} in {halves:?}");
    }
    // Each rank's allreduce is on its half, not on the world.
    let allreduces: Vec<_> = records
        .iter()
        .filter(|r| r.kind == "MPI_COLLECTIVE_END" && r.rest.contains("ALLREDUCE"))
        .collect();
    assert_eq!(allreduces.len(), 4);
    assert!(
        allreduces
            .iter()
            .all(|r| !r.rest.contains("MPI_COMM_WORLD")),
        "{allreduces:?}"
    );
}

#[test]
fn a_broken_trace_is_one_line_and_no_archive() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/send_recv.jsonl");
    let text = std::fs::read_to_string(fixture).unwrap();
    // An event twice: the trace contradicts itself.
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(3, lines[2]);
    let broken = dir.path().join("broken.jsonl");
    std::fs::write(&broken, lines.join("\n") + "\n").unwrap();
    let archive = dir.path().join("otf2");
    let run = export(&broken, &archive);
    assert_ne!(run.code, Some(0));
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("no OTF2 archive written"),
        "{}",
        run.stderr
    );
    let left: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(
        left,
        vec![std::ffi::OsString::from("broken.jsonl")],
        "nothing else written"
    );

    // Cut off in its last line: not exported either.
    let cut = dir.path().join("cut.jsonl");
    std::fs::write(&cut, &text[..text.len() - 10]).unwrap();
    let run = export(&cut, &archive);
    assert_eq!(run.code, Some(1), "{run:?}");
    assert_eq!(run.stderr.trim().lines().count(), 1, "{}", run.stderr);
    assert!(!archive.exists());

    // No directory named: a usage error.
    let run = common::alone(
        &["export", broken.to_str().unwrap(), "--format", "otf2"],
        LIMIT,
    );
    assert_eq!(run.code, Some(2));
    assert!(run.stderr.contains("-o DIR"), "{}", run.stderr);
}
