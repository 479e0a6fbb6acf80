//! `mpi-tutor watch -- python3 PROGRAM.py` on real mpi4py programs
//! (tests/programs/python, the tutorial's own `mpi_demo.py` among them)
//! under the real mpiexec: each call is placed at the student's `.py`
//! line, every rank's prints come whole and in order, a deadlock and an
//! uncaught exception are named with their lines, and the live view
//! shows the `.py` source with each rank's marker.
//!
//! The interpreter is the one `scripts/setup.sh --for-tests` makes for
//! the MPI under test (`.python/mpich` or `.python/openmpi`), or
//! `MPI_TUTOR_TEST_PYTHON`; without one that imports mpi4py, each test
//! says why and skips.

mod common;

use std::ffi::OsStr;
use std::path::Path;
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;
use common::twin::{mpi_under_test, python};
use common::watch::{
    assert_rank_1_receives, at, at_call, lines_of, live_script, quits_cleanly, terminal_after,
};

use mpi_tutor::trace::{EventKind, Op};

const LIMIT: Duration = Duration::from_secs(60);

/// Copies `tests/programs/python/NAME` into `dir`: the log names it as
/// the working directory sees it.
fn program(dir: &Path, name: &str) {
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs/python")
        .join(name);
    std::fs::copy(&source, dir.join(name)).unwrap();
}

/// `tests/programs/python/NAME` copied into `dir`, then watched headless
/// on `ranks` ranks: `mpi-tutor watch -n RANKS --headless -- PYTHON NAME`.
fn headless(dir: &Path, python: &Path, ranks: &str, name: &str) -> common::Run {
    program(dir, name);
    watch(dir, &["-n", ranks, "--headless"], python, &[name])
}

/// [`headless`], recorded: the run, which ended well, and its recording.
fn recorded(
    dir: &Path,
    python: &Path,
    ranks: &str,
    name: &str,
) -> (common::Run, mpi_tutor::trace::Trace) {
    program(dir, name);
    let trace = dir.join("recorded.jsonl");
    let args = [
        "-n",
        ranks,
        "--headless",
        "--record",
        trace.to_str().unwrap(),
    ];
    let run = watch(dir, &args, python, &[name]);
    run.assert_ok();
    let recorded = common::read(&trace);
    (run, recorded)
}

/// `mpi-tutor watch ARGS -- PYTHON COMMAND...`, typed alone in `dir`.
fn watch(dir: &Path, args: &[&str], python: &Path, command: &[&str]) -> common::Run {
    let program = std::iter::once(python.as_os_str()).chain(command.iter().map(OsStr::new));
    common::watch::watch(dir, args, program, LIMIT)
}

/// What the tutorial's program must show, however it was started.
fn assert_the_seed_run(log: &str) {
    let zero = lines_of(log, 0);
    at(&zero, "says     0: Hello!");
    at(&zero, "says     0: sending [ 0.  1.  2.");
    let send = at(&zero, "send     -> 1  tag 13  100 x MPI_DOUBLE (800 B)");
    assert!(zero[send].ends_with("mpi_demo.py:13"), "{log}");
    assert!(zero[send].contains("[0.0, 1.0, 2.0 … 99.0]"), "{log}");
    assert_rank_1_receives(log, "says     1: received [ 0.  1.  2.", "mpi_demo.py:18");
    for rank in 2..5 {
        let lines = lines_of(log, rank);
        at(&lines, &format!("says     {rank}: I've got nothing to do"));
        assert!(
            !lines.iter().any(|l| l.contains(".py:")),
            "rank {rank} made no MPI call: {log}"
        );
    }
    assert!(log.contains("messages 0 -> 1: 1 message, 800 B"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn the_seed_shows_every_rank_and_the_py_lines_of_send_and_recv() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "5", "mpi_demo.py");
    run.assert_ok();
    assert_the_seed_run(&run.stdout);
}

#[test]
fn the_seed_run_by_mpi4pys_runner_shows_the_same() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "mpi_demo.py");
    let run = watch(
        dir.path(),
        &["-n", "5", "--headless"],
        &python,
        &["-m", "mpi4py", "mpi_demo.py"],
    );
    run.assert_ok();
    assert_the_seed_run(&run.stdout);
}

#[test]
fn the_seed_under_the_users_own_mpiexec_shows_the_same() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "mpi_demo.py");
    let mut cmd = Command::new(common::mpiexec());
    cmd.current_dir(dir.path())
        .args(["-n", "5", common::bin(), "watch", "--headless", "--"])
        .arg(&python)
        .arg("mpi_demo.py");
    let run = common::run(cmd, LIMIT);
    run.assert_ok();
    assert_the_seed_run(&run.stdout);
}

#[test]
fn a_recorded_seed_run_replays_with_its_py_lines_and_exports() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "mpi_demo.py");
    let trace = common::temp_trace(&dir, "demo.jsonl");
    let trace_arg = trace.to_str().unwrap();
    let args = ["-n", "5", "--headless", "--record", trace_arg];
    watch(dir.path(), &args, &python, &["mpi_demo.py"]).assert_ok();
    let recorded = common::read(&trace);
    assert_eq!(recorded.header.world_size, 5);
    assert_eq!(recorded.header.lesson, "mpi_demo.py", "named by its script");
    let replay = common::alone(&["replay", "--headless", trace_arg], LIMIT);
    replay.assert_ok();
    assert_the_seed_run(&replay.stdout);
    let export = common::alone(&["export", "--format", "chrome", trace_arg], LIMIT);
    export.assert_ok();
    assert!(
        export.stdout.contains("mpi_demo.py:13"),
        "{}",
        export.stdout
    );
}

#[test]
fn numpy_arrays_go_round_a_ring_at_their_lines() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "4", "exchange.py");
    run.assert_ok();
    let log = &run.stdout;
    for rank in 0..4u32 {
        let lines = lines_of(log, rank);
        let left = (rank + 3) % 4;
        let (send_line, recv_line) = if rank % 2 == 0 { (16, 17) } else { (20, 19) };
        let send = at(&lines, "send     -> ");
        assert!(lines[send].contains("10 x MPI_INT (40 B)"), "{log}");
        assert!(
            lines[send].ends_with(&format!("exchange.py:{send_line}")),
            "{log}"
        );
        let recv = at(&lines, &format!("recv     <- {left}  tag 7"));
        assert!(
            lines[recv].ends_with(&format!("exchange.py:{recv_line}")),
            "{log}"
        );
        let said = at(&lines, &format!("says     {rank}: got ten {left}s"));
        assert!(said > send && said > recv, "{log}");
    }
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn a_halo_with_proc_null_edges_and_buffer_collectives_at_their_lines() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "3", "halo.py");
    run.assert_ok();
    let log = &run.stdout;
    let exchange = [
        (0, "sendrecv -> 1  tag 0  4 x MPI_DOUBLE (32 B)  <- nobody   halo.py:15"),
        (1, "sendrecv -> 2  tag 0  4 x MPI_DOUBLE (32 B)  <- 0  tag any  room for 4 x MPI_DOUBLE   halo.py:15"),
        (2, "sendrecv -> nobody  <- 1  tag any  room for 4 x MPI_DOUBLE   halo.py:15"),
    ];
    for (rank, line) in exchange {
        let lines = lines_of(log, rank);
        at(&lines, line);
        at_call(
            &lines,
            "scatter  root 0  2 x MPI_DOUBLE (16 B)",
            "halo.py:17",
        );
        at_call(
            &lines,
            "allreduce 1 x MPI_DOUBLE (8 B)  op sum",
            "halo.py:19",
        );
        at_call(
            &lines,
            "gather   root 0  1 x MPI_DOUBLE (8 B)",
            "halo.py:21",
        );
        at(
            &lines,
            &format!("says     {rank}: ghost {}.0", rank as f64 - 1.0),
        );
    }
    at(&lines_of(log, 0), "says     0: ghosts [-1.  0.  1.]");
    assert!(log.contains("messages 0 -> 1: 1 message, 32 B"), "{log}");
    assert!(log.contains("messages 1 -> 2: 1 message, 32 B"), "{log}");
    assert!(
        !log.contains("messages 2 ->"),
        "nothing sent to nobody: {log}"
    );
}

/// No line of `log` shows one of mpi4py's own MPI calls inside a pickled
/// call: a matched probe, its receive, a byte count or the pickle's bytes.
fn assert_no_pickle_internals(log: &str) {
    for internal in [
        "mprobe",
        "mrecv",
        "MPI_BYTE",
        "MPI_COUNT",
        "MPI_INT ",
        "comm_dup",
    ] {
        assert!(!log.contains(internal), "{internal} shows: {log}");
    }
}

#[test]
fn a_pickled_send_and_recv_are_one_message_at_their_lines() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "2", "pickled.py");
    run.assert_ok();
    let log = &run.stdout;
    let zero = lines_of(log, 0);
    let send = at(
        &zero,
        "send     -> 1  tag 11  dict, 35 B pickled   pickled.py:10",
    );
    let one = lines_of(log, 1);
    // comm.recv is MPI_Mprobe + MPI_Mrecv inside: one receive is shown.
    let recv = at(
        &one,
        "recv     <- 0  tag 11  any pickled object   pickled.py:12",
    );
    let took = at(
        &one,
        "done     recv  <- 0  tag 11  35 B  (took message #0 of 0->1 tag 11)",
    );
    let got = at(&one, "says     1: got {'a': 7, 'b': 3.14}");
    assert!(recv < took && took < got && send < zero.len(), "{log}");
    for rank in 0..2 {
        let lines = lines_of(log, rank);
        assert_eq!(
            lines
                .iter()
                .filter(|l| l.contains(" bcast ") && !l.contains(" says ") && !l.contains(" done "))
                .count(),
            1,
            "one bcast, not the size then the pickle: {log}"
        );
        at(
            &lines,
            if rank == 0 {
                "bcast    root 0  dict, "
            } else {
                "bcast    root 0  object, "
            },
        );
        at(
            &lines,
            &format!("says     {rank}: bcast gave {{'step': 1}}"),
        );
    }
    // The root sees the pickle it sends: it names the object's type.
    at(&zero, "bcast    root 0  dict, 24 B pickled   pickled.py:14");
    assert_no_pickle_internals(log);
    // mpi4py's lock table (attributes under a keyval of its own) is not
    // the student's: each rank shows exactly the calls its lines make.
    let bcast = "bcast pickled.py:14";
    assert_eq!(calls_of(log, 0), ["send pickled.py:10", bcast], "{log}");
    assert_eq!(calls_of(log, 1), ["recv pickled.py:12", bcast], "{log}");
    assert!(log.contains("messages 0 -> 1: 1 message, 35 B"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

/// The type shows where the pickle is seen: the scatter's root, the
/// reductions' ranks that send theirs (rank 0 only collects).
fn assert_types_where_pickles_are_seen(lines: &[&str], rank: u32) {
    let (scatter, reduce, allreduce) = match rank {
        0 => (
            "scatter  root 0  dict, ",
            "reduce   root 0  object, ",
            "allreduce object, ",
        ),
        _ => (
            "scatter  root 0  object, ",
            "reduce   root 0  int, 5 B pickled",
            "allreduce int, 5 B pickled",
        ),
    };
    at(lines, scatter);
    at(lines, reduce);
    at(lines, allreduce);
}

#[test]
fn pickled_collectives_and_a_pickled_isend_are_one_call_each() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "3", "pickled_collectives.py");
    run.assert_ok();
    let log = &run.stdout;
    let calls = [
        ("scatter  root 0  ", 11),
        ("gather   root 0  object, 5 B pickled", 12),
        ("reduce   root 0  ", 13),
        ("allreduce ", 14),
    ];
    for rank in 0..3 {
        let lines = lines_of(log, rank);
        for (call, line) in calls {
            let name = call.split_whitespace().next().unwrap();
            let begun: Vec<&&str> = lines
                .iter()
                .filter(|l| l.contains(&format!(" {name} ")))
                .filter(|l| !l.contains(" done ") && !l.contains(" says "))
                .collect();
            assert_eq!(begun.len(), 1, "rank {rank}: one {name}: {log}");
            assert!(begun[0].contains(call), "{log}");
            assert!(
                begun[0].ends_with(&format!("pickled_collectives.py:{line}")),
                "{log}"
            );
        }
        at(&lines, &format!("says     {rank}: allreduce gave 6"));
        assert_types_where_pickles_are_seen(&lines, rank);
    }
    at(&lines_of(log, 0), "says     gathered [0, 10, 20], total 6");
    let zero = lines_of(log, 0);
    at(
        &zero,
        "isend    -> 1  tag 5  list, 25 B pickled  -> request #",
    );
    let one = lines_of(log, 1);
    at(&one, "irecv    <- 0  tag 5  any pickled object");
    let done = at(
        &one,
        "done     wait  <- 0  tag 5  25 B  (took message #0 of 0->1 tag 5)",
    );
    assert!(
        one[done - 1].ends_with("pickled_collectives.py:23"),
        "{log}"
    );
    at(&one, "says     1: irecv gave ['ping', 1]");
    assert_no_pickle_internals(log);
    assert_only_the_students_collectives(log);
    // The reductions' messages are mpi4py's own: only the student's isend
    // is a message between ranks.
    assert!(log.contains("messages 0 -> 1: 1 message, 25 B"), "{log}");
    assert!(!log.contains("messages 1 ->"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

/// Each call rank `rank` began, in order, as `CALL SITE`: the log
/// line's first word and its last, for every line but the ends of calls,
/// the rank's prints and its last word.
fn calls_of(log: &str, rank: u32) -> Vec<String> {
    let tag = format!(" rank {rank}  ");
    let calls = log.lines().filter_map(|line| {
        let mut words = line.split_once(&tag)?.1.split_whitespace();
        let call = words.next()?;
        let site = words.next_back().unwrap_or_default();
        let begun = !matches!(call, "done" | "says" | "finished");
        begun.then(|| format!("{call} {site}"))
    });
    calls.collect()
}

/// `pickled_collectives.py`'s ranks made exactly the calls of their
/// lines: not mpi4py's lock table, nor the copy of the communicator its
/// reductions make and free, nor its attributes (under keyvals of its
/// own), nor their clearing at exit.
fn assert_only_the_students_collectives(log: &str) {
    let collectives = ["scatter:11", "gather:12", "reduce:13", "allreduce:14"];
    let own: [&[&str]; 3] = [&["isend:19", "wait:20"], &["irecv:22", "wait:23"], &[]];
    for (rank, own) in (0..).zip(own) {
        let wanted: Vec<String> = (collectives.iter().chain(own))
            .map(|call| call.replace(':', " pickled_collectives.py:"))
            .collect();
        assert_eq!(calls_of(log, rank), wanted, "rank {rank}: {log}");
    }
}

/// The size rank `rank` printed after `says     RANK: WHAT ` (`25 B`).
fn printed_size(log: &str, rank: u32, what: &str) -> u64 {
    let lines = lines_of(log, rank);
    let said = format!("says     {rank}: {what} ");
    let line = lines[at(&lines, &said)];
    let after = &line[line.find(&said).unwrap() + said.len()..];
    after.split_whitespace().next().unwrap().parse().unwrap()
}

/// The bytes the recorded end of `rank`'s only `op` says it took.
fn recorded_end_bytes(trace: &mpi_tutor::trace::Trace, rank: u32, op: Op) -> u64 {
    let ends: Vec<u64> = (trace.events.iter())
        .filter(|e| e.rank == rank)
        .filter_map(|e| match &e.event {
            EventKind::End(end) if end.op == op => Some(end.bytes),
            _ => None,
        })
        .collect();
    assert_eq!(ends.len(), 1, "rank {rank}: one {op:?}: {ends:?}");
    ends[0]
}

#[test]
fn pickled_collectives_record_the_size_each_rank_took_and_the_summary_adds_them() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (run, recorded) = recorded(dir.path(), &python, "3", "pickled_sizes.py");
    let log = &run.stdout;
    // A scatter's and a bcast's other ranks learn the pickle's size only
    // as it arrives: their ends say what they took, as the rank saw it.
    let mut scattered = 0;
    for rank in 1..3 {
        let took = printed_size(log, rank, "scatter gave");
        assert_eq!(recorded_end_bytes(&recorded, rank, Op::Scatter), took);
        at(
            &lines_of(log, rank),
            &format!("done     scatter  {took} B pickled"),
        );
        scattered += took;
        let took = printed_size(log, rank, "bcast gave");
        assert_eq!(recorded_end_bytes(&recorded, rank, Op::Bcast), took);
    }
    // Rank 0 only collects the allreduce's tree: what it gives the others
    // is the result, passed on by bcast.
    let result = printed_size(log, 0, "allreduce sent");
    assert_eq!(recorded_end_bytes(&recorded, 0, Op::Allreduce), result);
    let contributed: u64 = (0..3).map(|r| printed_size(log, r, "allreduce sent")).sum();
    let each: u64 = (0..3).map(|r| printed_size(log, r, "alltoall sent")).sum();
    let bcast = printed_size(log, 0, "bcast gave");
    for row in [
        format!("scatter: 1 call moved {scattered} B in 2 transfers"),
        format!("bcast: 1 call moved {} B in 2 transfers", 2 * bcast),
        format!("alltoall: 1 call moved {} B in 6 transfers", 2 * each),
        format!(
            "allreduce: 1 call moved {} B in 6 transfers",
            2 * contributed
        ),
    ] {
        assert!(log.contains(&row), "{row}: {log}");
    }
    assert!(log.contains("none lost"), "{log}");
    assert!(
        !log.contains("checks:"),
        "a watched program has none: {log}"
    );
}

#[test]
fn a_futures_pool_runs_to_its_end_with_the_masters_calls_at_the_map_line() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "pool.py");
    let command = ["-m", "mpi4py.futures", "pool.py"];
    let run = watch(dir.path(), &["-n", "3", "--headless"], &python, &command);
    run.assert_ok();
    let log = &run.stdout;
    let master = lines_of(log, 0);
    at(&master, "says     squares [0, 1, 4, 9, 16, 25, 36, 49]");
    // The master runs on a thread of mpi4py's own: its calls are placed
    // where the main thread is in the student's code.
    let calls: Vec<&&str> = master.iter().filter(|l| l.contains(".py:")).collect();
    assert!(!calls.is_empty(), "{log}");
    assert!(calls.iter().all(|l| l.ends_with("pool.py:15")), "{log}");
    // The workers run mpi4py's own loop, but for the student's function
    // each task runs (`def slow_square`, line 8). Tasks
    // go from the master (world rank 0) to each worker and results come
    // back, the intercommunicator's peers named by their world ranks,
    // each one pickled message, never mpi4py's matched probes of bytes.
    let mut tasks = 0;
    for rank in [1, 2] {
        let worker = lines_of(log, rank);
        assert!(worker.iter().any(|l| l.ends_with("   mpi4py")), "{log}");
        let sent = count(&master, &format!("isend    -> {rank}  tag 0  task, "));
        let taken = count(&worker, "recv     <- 0  tag 0  any pickled task");
        let results = count(&worker, "isend    -> 0  tag 0  result, ");
        let collected = count(&master, &format!("done     recv  <- {rank}  tag 0  "));
        assert!(sent > 0, "worker {rank} got no task: {log}");
        // A result comes from the student's function the task ran.
        let at_the_function = worker.iter().filter(|l| l.ends_with("pool.py:8"));
        assert_eq!(at_the_function.count(), results, "{log}");
        // The last task a worker takes is the pool's word to stop.
        assert_eq!((taken, results, collected), (sent + 1, sent, sent), "{log}");
        at(&master, "recv     <- any  tag 0  any pickled result");
        // Every message sent was taken: as many as the summary counts.
        for (from, to, lines) in [(0, rank, &worker), (rank, 0, &master)] {
            let took = count(lines, &format!(" of {from}->{to} tag 0)"));
            let summary = format!("messages {from} -> {to}: {took} message");
            assert!(log.contains(&summary), "{summary}: {log}");
        }
        at(&worker, "root 0");
        tasks += sent;
    }
    assert_eq!(tasks, 8, "one task per item of the map: {log}");
    assert_no_pickle_internals(log);
    assert!(log.contains("none lost"), "{log}");
    assert!(
        !log.contains("of 0->0"),
        "nothing from the master to itself: {log}"
    );
    assert!(!log.contains("root 1"), "{log}");
}

/// How many of `lines` contain `text`.
fn count(lines: &[&str], text: &str) -> usize {
    lines.iter().filter(|l| l.contains(text)).count()
}

#[test]
fn a_pickled_sendrecv_a_reduce_to_rank_2_and_a_probed_recv_are_one_call_each() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "3", "pickled_more.py");
    run.assert_ok();
    let log = &run.stdout;
    for rank in 0..3u32 {
        let lines = lines_of(log, rank);
        let (right, left) = ((rank + 1) % 3, (rank + 2) % 3);
        let sendrecv = format!(
            "sendrecv -> {right}  tag 3  dict, 24 B pickled  <- {left}  tag 3  any pickled object   pickled_more.py:12"
        );
        at(&lines, &sendrecv);
        at(
            &lines,
            &format!("(took message #0 of {left}->{rank} tag 3)"),
        );
        at(
            &lines,
            &format!("says     {rank}: sendrecv gave {{'from': {left}}}"),
        );
        // The root is the student's `root=root`, not mpi4py's tree's 0.
        let reduce = at(&lines, "reduce   root 2  ");
        assert!(lines[reduce].ends_with("pickled_more.py:15"), "{log}");
        assert_eq!(count(&lines, "reduce   "), 1, "{log}");
        // The root of the scatter sees the pickles: it names their type.
        let scatter = if rank == 1 {
            "scatter  root 1  tuple, "
        } else {
            "scatter  root 1  object, "
        };
        at(&lines, scatter);
    }
    // Ranks 1 and 2 send their part; rank 0 gathers the tree's and sends
    // it on to the root.
    at(&lines_of(log, 1), "reduce   root 2  list, 17 B pickled");
    at(&lines_of(log, 2), "says     2: reduce gave [0, 1, 2]");
    // With recv_mprobe off, comm.recv is a probe then a receive: one recv.
    let one = lines_of(log, 1);
    at(
        &one,
        "recv     <- 0  tag 4  any pickled object   pickled_more.py:21",
    );
    at(
        &one,
        "done     recv  <- 0  tag 4  20 B  (took message #0 of 0->1 tag 4)",
    );
    at(&one, "says     1: recv gave hello");
    assert!(!log.contains("probe"), "{log}");
    assert_no_pickle_internals(log);
    assert!(log.contains("messages 0 -> 1: 2 messages, 44 B"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

/// What `own_calls.py` calls on every rank, line by line: its own
/// communicator and attribute calls, and two pickled calls between them,
/// as the log shows each and as the recording names it.
const OWN_CALLS: [(&str, &str, u32); 8] = [
    ("comm_dup", "CommDup", 8),
    ("allreduce", "Allreduce", 9),
    ("MPI_Comm_create_keyval", "MPI_Comm_create_keyval", 10),
    ("MPI_Comm_set_attr", "MPI_Comm_set_attr", 11),
    ("MPI_Comm_delete_attr", "MPI_Comm_delete_attr", 12),
    ("MPI_Comm_free_keyval", "MPI_Comm_free_keyval", 13),
    ("MPI_Comm_free", "MPI_Comm_free", 14),
    ("bcast", "Bcast", 15),
];

/// Each call `rank` began in the recording, as `CALL LINE` (an other
/// call by its MPI name, any other by its op).
fn recorded_calls(trace: &mpi_tutor::trace::Trace, rank: u32) -> Vec<String> {
    let begun = (trace.events.iter().filter(|e| e.rank == rank)).filter_map(|e| match &e.event {
        EventKind::Begin(call) => Some(call),
        _ => None,
    });
    let named = begun.map(|call| match &call.name {
        Some(name) => format!("{name} {}", call.site.line),
        None => format!("{:?} {}", call.op, call.site.line),
    });
    named.collect()
}

#[test]
fn the_students_own_dup_attributes_and_free_show_but_not_mpi4pys() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let (run, recorded) = recorded(dir.path(), &python, "2", "own_calls.py");
    let log = &run.stdout;
    for rank in 0..2 {
        at(
            &lines_of(log, rank),
            &format!("says     {rank}: {{'total': 3}}"),
        );
        // The student's `mine.Free()` frees once: mpi4py's copy of `mine`
        // (made for the allreduce, freed by the attribute's callback
        // inside it) is not shown, nor are mpi4py's lock table and its
        // clearing at exit.
        let logged = OWN_CALLS.map(|(call, _, line)| format!("{call} own_calls.py:{line}"));
        assert_eq!(calls_of(log, rank), logged, "rank {rank}: {log}");
        let kept = OWN_CALLS.map(|(_, call, line)| format!("{call} {line}"));
        assert_eq!(recorded_calls(&recorded, rank), kept, "rank {rank}");
    }
    assert!(
        log.contains("communicator calls: comm_dup 1 "),
        "only the student's Dup: {log}"
    );
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn a_python_deadlock_is_named_with_its_py_lines_and_exits_3() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), &python, "2", "deadlock.py");
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(run.stdout.contains("DEADLOCK"), "{}", run.stdout);
    for (rank, other) in [(0, 1), (1, 0)] {
        let waits = format!("rank {rank} recv(from {other}, tag 0) deadlock.py:11");
        assert!(run.stdout.contains(&waits), "{}", run.stdout);
    }
    assert!(!run.stdout.contains("never printed"), "{}", run.stdout);
}

#[test]
fn a_rank_that_raises_is_shown_with_its_message_and_line_and_ends_the_job() {
    let Some(python) = python() else { return };
    for runner in [&["raises.py"][..], &["-m", "mpi4py", "raises.py"]] {
        let dir = tempfile::tempdir().unwrap();
        program(dir.path(), "raises.py");
        let run = watch(dir.path(), &["-n", "2", "--headless"], &python, runner);
        assert!(run.code.is_some_and(|c| c != 0), "{run:#?}");
        let said = "rank 1 failed at raises.py:14: raised ZeroDivisionError: division by zero";
        assert!(run.stderr.contains(said), "{run:#?}");
        let one = lines_of(&run.stdout, 1);
        let before = at(&one, "says     1: about to divide by zero");
        let traceback = at(&one, "says     ZeroDivisionError: division by zero");
        let failed = at(&one, "FAILED   raised ZeroDivisionError");
        assert!(before < traceback && traceback < failed, "{}", run.stdout);
        assert!(one[failed].ends_with("raises.py:14"), "{}", run.stdout);
    }
}

#[test]
fn a_python_without_mpi4py_for_this_mpi_is_refused_in_one_line() {
    let Some(_) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "mpi_demo.py");
    let refused = |python: &Path, says: &str| {
        let run = watch(
            dir.path(),
            &["-n", "2", "--headless"],
            python,
            &["mpi_demo.py"],
        );
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
        assert!(run.stderr.contains(says), "{run:#?}");
    };
    // An interpreter that cannot import mpi4py (here, one that fails).
    let without = dir.path().join("python3");
    std::fs::write(&without, "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(
        &without,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    refused(
        &without,
        "cannot import mpi4py: install mpi4py for this MPI",
    );
    // The other MPI's interpreter, where the set-up made it.
    let (other, family) = match mpi_under_test() {
        "mpich" => ("openmpi", "uses Open MPI"),
        _ => ("mpich", "uses MPICH"),
    };
    let theirs = Path::new(env!("CARGO_MANIFEST_DIR")).join(format!(".python/{other}/bin/python3"));
    if theirs.is_file() {
        refused(&theirs, family);
    } else {
        eprintln!(
            "skipped the other MPI's mpi4py: {} is not there",
            theirs.display()
        );
    }
}

#[test]
fn a_missing_script_or_one_without_mpi_is_named_by_its_script() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    let refused = |script: &str| {
        let run = watch(dir.path(), &["-n", "2", "--headless"], &python, &[script]);
        assert_eq!(run.code, Some(2), "{run:#?}");
        run.stderr
    };
    assert_eq!(
        refused("gone.py").trim(),
        "mpi-tutor: gone.py: no such Python script",
        "one line, before any rank starts"
    );
    std::fs::write(dir.path().join("no_mpi.py"), "print('no MPI here')\n").unwrap();
    let said = refused("no_mpi.py");
    assert!(
        said.contains("no_mpi.py ended without calling MPI_Init"),
        "the script, not the interpreter: {said}"
    );
}

#[test]
fn the_live_view_steps_the_seed_until_rank_1_waits_at_line_18() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "mpi_demo.py");
    let after = dir.path().join("after.txt");
    let watch = format!("-n 5 --paused -- {} mpi_demo.py", python.display());
    let script = live_script(dir.path(), &watch, &after);
    let term = Tmux::start("watch-python", 140, 45, &script);
    let s = term.wait_for("ranks 0 and 1 held on their .py lines", LIMIT, |s| {
        s.contains("PAUSED") && s.contains("▶0 13") && s.contains("▶1 18")
    });
    assert!(s.contains("mpi_demo.py"), "{s}");
    assert!(s.contains("comm.Send(data, dest=1, tag=13)"), "{s}");
    term.keys(&["1", "n"]);
    term.wait_for("rank 1 waiting in its receive", LIMIT, |s| {
        s.contains("waiting in recv from 0")
    });
    term.keys(&["n"]);
    term.wait_for("the message delivered", LIMIT, |s| {
        common::delivered(s, "800 B") || s.contains("DONE")
    });
    term.keys(&["n", "n", "n"]);
    term.wait_for("the run's end", LIMIT, |s| s.contains("DONE"));
    quits_cleanly(&term, dir.path(), &after, LIMIT);
}

#[test]
fn a_rank_that_raises_stays_on_screen_until_q_then_the_terminal_is_restored() {
    let Some(python) = python() else { return };
    let dir = tempfile::tempdir().unwrap();
    program(dir.path(), "raises.py");
    let after = dir.path().join("after.txt");
    let watch = format!("-n 2 --fast -- {} raises.py", python.display());
    let script = live_script(dir.path(), &watch, &after);
    let term = Tmux::start("watch-python-raises", 140, 45, &script);
    term.wait_for("the failed rank on screen", LIMIT, |s| {
        s.contains("RANK 1 FAILED") && s.contains("ZeroDivisionError")
    });
    // Still there a while later: the rank that raised leaves the end of
    // the job to rank 0, and nothing ends it but q. (When it ended the
    // job itself, 2 s after it saw rank 0 had its failure, or 10 s later
    // when it did not see it, the view was gone and rank 0 said killed.)
    std::thread::sleep(Duration::from_secs(10));
    let s = term.screen();
    assert!(
        s.contains("RANK 1 FAILED") && !s.contains("SHELL-BACK"),
        "{s}"
    );
    term.keys(&["q"]);
    let s = term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    assert!(
        s.contains("rank 1 failed at raises.py:14: raised ZeroDivisionError: division by zero"),
        "{s}"
    );
    let after = terminal_after(&after);
    assert!(!after.starts_with("EXIT=0"), "{after}");
}
