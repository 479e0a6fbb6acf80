//! `mpi-tutor watch` on real C programs (tests/programs), compiled here with
//! `mpicc -g` and run under the real mpiexec, as a student would: the log
//! names each call's C line, matches the messages, and prints each rank's
//! own output whole and in order; the recording replays; a deadlock is
//! diagnosed; what cannot be watched is refused in one line.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;
use common::watch::{
    assert_rank_1_receives, at, hooks_built, left_running, lines_of, live_script, mpicc,
    quits_cleanly,
};
use mpi_tutor::trace::EventKind;

const LIMIT: Duration = Duration::from_secs(60);

/// Test program NAME.c compiled with `mpicc -g` into `dir`.
fn compile(dir: &Path, name: &str) -> PathBuf {
    common::watch::compile(dir, &format!("{name}.c"), &mpicc(), &["-g"], name)
}

/// Test program NAME compiled in `dir`, then watched headless on `ranks`
/// ranks.
fn headless(dir: &Path, ranks: &str, name: &str) -> common::Run {
    compile(dir, name);
    watch(dir, &["-n", ranks, "--headless"], name)
}

/// `mpi-tutor watch ARGS -- ./NAME`, typed alone in `dir`.
fn watch(dir: &Path, args: &[&str], name: &str) -> common::Run {
    common::watch::watch(dir, args, [format!("./{name}")], LIMIT)
}

#[test]
fn send_recv_shows_c_lines_the_message_and_each_ranks_output_in_order() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "4", "send_recv");
    run.assert_ok();
    let log = &run.stdout;
    let zero = lines_of(log, 0);
    assert!(at(&zero, "send     -> 1  tag 13  100 x MPI_DOUBLE (800 B)") > 0);
    at(&zero, "(800 B)  [0.0, 1.0, 2.0 … 99.0]");
    assert!(
        zero[at(&zero, "send     -> 1")].ends_with("send_recv.c:17"),
        "{log}"
    );
    assert_rank_1_receives(log, "says     1: received 0 .. 99", "send_recv.c:20");
    for rank in [2, 3] {
        let lines = lines_of(log, rank);
        at(&lines, &format!("says     {rank}: I've got nothing to do"));
    }
    assert!(log.contains("messages 0 -> 1: 1 message, 800 B"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn under_the_users_own_mpiexec_it_watches_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let program = compile(dir.path(), "ring");
    let program = program.to_str().unwrap();
    // Without `--`: everything from the program on is the program's.
    let run = common::mpi(3, &["watch", "--headless", program], LIMIT);
    run.assert_ok();
    assert!(run.stdout.contains("ring.c:"), "{}", run.stdout);
    assert!(
        run.stdout.contains("messages 2 -> 0: 2 messages"),
        "{}",
        run.stdout
    );
}

#[test]
fn every_course_program_runs_to_its_end_with_its_calls_on_their_lines() {
    let dir = tempfile::tempdir().unwrap();
    let expected = [
        ("nonblocking", "waitall"),
        ("probe", "probe "),
        ("comm_split", "comm_split 4 ranks"),
        ("sendrecv_chain", "sendrecv -> 2  tag 0"),
        ("collectives", "allreduce"),
        ("comm_split", "allreduce 1 x MPI_INT (4 B)"),
        ("comm_split", "MPI_Comm_free"),
        ("polling", "recv     <- 0"),
        ("more_collectives", "scatterv root 0  1 x MPI_INT (4 B)"),
        ("more_collectives", "alltoall 1 x MPI_INT (4 B)"),
        ("testall", "testall  request #0 #1"),
        ("mprobe", "mprobe   <- any  tag any"),
        ("mprobe", "improbe  <- 0  tag 6"),
        ("send_modes", "ssend    -> 1  tag 2"),
        ("send_modes", "isend    -> 1  tag 3"),
        ("send_modes", "sendrecv -> 1  tag 5"),
    ];
    for (name, call) in expected {
        let run = headless(dir.path(), "4", name);
        assert_eq!(run.code, Some(0), "{name}: {run:#?}");
        let line = run
            .stdout
            .lines()
            .find(|l| l.contains(call))
            .unwrap_or_else(|| panic!("{name}: no {call:?} in\n{}", run.stdout));
        assert!(line.contains(&format!("{name}.c:")), "{name}: {line}");
        assert!(run.stdout.contains("none lost"), "{name}: {}", run.stdout);
        assert!(
            !run.stdout.contains("match pending"),
            "{name}: {}",
            run.stdout
        );
    }
}

#[test]
fn a_send_to_nobody_sends_nothing_and_a_receive_from_nobody_gets_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "4", "sendrecv_chain");
    run.assert_ok();
    let zero = lines_of(&run.stdout, 0);
    let done = zero[at(&zero, "done     sendrecv")];
    assert!(!done.contains("B  ("), "rank 0 received nothing: {done}");
    assert!(
        zero[at(&zero, "sendrecv ->")].contains("<- nobody"),
        "{done}"
    );
    let last = lines_of(&run.stdout, 3);
    assert!(
        last[at(&last, "sendrecv")].contains("sendrecv -> nobody  <- 2"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_polling_loop_is_two_events_not_thousands() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "polling");
    run.assert_ok();
    let one = lines_of(&run.stdout, 1);
    let polls: Vec<&&str> = one
        .iter()
        .filter(|l| l.contains("rank 1  iprobe"))
        .collect();
    assert!(
        (1..=2).contains(&polls.len()),
        "the first poll and the one that finds:\n{}",
        run.stdout
    );
    at(&one, "done     iprobe  complete");
    // The program counted its polls; the log did not record them all.
    assert!(run.stdout.contains("arrived after"), "{}", run.stdout);
}

#[test]
fn the_large_count_forms_are_seen_like_the_plain_ones() {
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/large_count.c");
    let header = Command::new(mpicc()).arg("-show").output().unwrap();
    let mpich = String::from_utf8_lossy(&header.stdout).contains("mpich");
    if !mpich || !source.is_file() {
        // Open MPI 4 has no MPI-4 large-count calls to watch.
        return;
    }
    let run = headless(dir.path(), "2", "large_count");
    run.assert_ok();
    let log = &run.stdout;
    assert!(
        log.contains("send     -> 1  tag 5  10 x MPI_INT (40 B)  [0, 1, 2 … 9]   large_count.c:15"),
        "{log}"
    );
    assert!(log.contains("took message #0 of 0->1 tag 5"), "{log}");
    assert!(
        log.contains("allreduce 1 x MPI_INT (4 B)  op sum  [1]   large_count.c:21"),
        "{log}"
    );
}

#[test]
fn a_program_of_two_files_shows_both() {
    let dir = tempfile::tempdir().unwrap();
    let main = "#include <mpi.h>\nvoid exchange(int rank);\n\
        int main(int argc, char **argv) {\n\
            MPI_Init(&argc, &argv);\n\
            int rank;\n\
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);\n\
            exchange(rank);\n\
            MPI_Finalize();\n\
            return 0;\n\
        }\n";
    let exchange = "#include <mpi.h>\n\
        void exchange(int rank) {\n\
            int value = rank;\n\
            if (rank == 0) MPI_Send(&value, 1, MPI_INT, 1, 3, MPI_COMM_WORLD);\n\
            if (rank == 1) MPI_Recv(&value, 1, MPI_INT, 0, 3, MPI_COMM_WORLD, MPI_STATUS_IGNORE);\n\
        }\n";
    std::fs::write(dir.path().join("main.c"), main).unwrap();
    std::fs::write(dir.path().join("exchange.c"), exchange).unwrap();
    let ok = Command::new(mpicc())
        .current_dir(dir.path())
        .args(["-g", "-o", "two", "main.c", "exchange.c"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    hooks_built();
    let trace = dir.path().join("two.jsonl");
    let run = watch(
        dir.path(),
        &["-n", "2", "--headless", "--record", trace.to_str().unwrap()],
        "two",
    );
    run.assert_ok();
    assert!(
        run.stdout
            .contains("send     -> 1  tag 3  1 x MPI_INT (4 B)  [0]   exchange.c:4"),
        "{}",
        run.stdout
    );
    let sources: Vec<String> = common::read(&trace)
        .header
        .params
        .into_iter()
        .filter(|(key, _)| key == "source")
        .map(|(_, path)| path)
        .collect();
    assert_eq!(sources.len(), 2, "{sources:?}");
    assert!(
        sources[0].ends_with("/main.c") && sources[1].ends_with("/exchange.c"),
        "{sources:?}"
    );
}

#[test]
fn a_chatty_rank_prints_every_line_whole() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "4", "chatty");
    run.assert_ok();
    let says: Vec<&str> = run
        .stdout
        .lines()
        .filter(|l| l.contains(" says "))
        .collect();
    assert_eq!(says.len(), 2000, "{}", run.stdout);
    for line in says {
        assert!(
            line.ends_with("the quick brown fox jumps over the lazy dog"),
            "{line}"
        );
    }
}

/// The rank's said lines and the sites of its calls, in the log's order.
fn said_and_called<'a>(lines: &[&'a str], file: &str) -> Vec<&'a str> {
    lines
        .iter()
        .filter_map(|line| match line.split_once(" says     ") {
            Some((_, said)) => Some(said),
            None => line
                .rsplit_once("   ")
                .map(|(_, site)| site)
                .filter(|site| site.starts_with(file)),
        })
        .collect()
}

#[test]
fn every_way_c_prints_comes_before_the_call_that_follows_it() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "output_order");
    run.assert_ok();
    for rank in 0..2 {
        let mut expected = Vec::new();
        for round in 0..20 {
            expected.extend([
                format!("{rank}: printf {round}"),
                "output_order.c:20".into(),
                format!("{rank}: stderr {round}"),
                "output_order.c:22".into(),
                format!("{rank}: write {round}"),
                "output_order.c:25".into(),
                format!("{rank}: child {round}"),
                "output_order.c:28".into(),
                "output_order.c:30".into(),
                format!("{rank}: half a line {round}, ended"),
            ]);
            expected.extend(std::iter::repeat_n("output_order.c:32".to_string(), 5));
        }
        expected.extend([
            format!("{rank}: fully buffered"),
            "output_order.c:37".into(),
        ]);
        let lines = lines_of(&run.stdout, rank);
        assert_eq!(
            said_and_called(&lines, "output_order.c"),
            expected,
            "{}",
            run.stdout
        );
    }
}

#[test]
fn a_recorded_run_replays_and_exports() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "ring");
    let trace = common::temp_trace(&dir, "ring.jsonl");
    let trace_arg = trace.to_str().unwrap();
    let run = watch(dir.path(), &["--headless", "--record", trace_arg], "ring");
    run.assert_ok();
    let recorded = common::read(&trace);
    assert_eq!(recorded.header.lesson, "./ring");
    assert_eq!(recorded.header.world_size, 4);
    // Its replay is titled as the run was, not as an unknown lesson.
    let title = recorded.header.title.as_deref();
    assert_eq!(title, Some("your own MPI program, watched"));
    // Every receive was matched to the message it took: 2 laps of 4.
    let matched = recorded
        .events
        .iter()
        .filter_map(|e| match &e.event {
            EventKind::End(end) => Some(&end.received),
            _ => None,
        })
        .flatten()
        .filter(|r| r.msg.is_some())
        .count();
    assert_eq!(matched, 8, "{:#?}", recorded.events);
    let replay = common::alone(&["replay", "--headless", trace_arg], LIMIT);
    replay.assert_ok();
    assert!(replay.stdout.contains("ring.c:"), "{}", replay.stdout);
    assert!(
        replay.stdout.contains("messages 0 -> 1"),
        "{}",
        replay.stdout
    );
    let export = common::alone(&["export", "--format", "chrome", trace_arg], LIMIT);
    export.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
    assert!(json["traceEvents"]
        .as_array()
        .is_some_and(|e| !e.is_empty()));
}

#[test]
fn a_deadlock_is_named_with_its_c_lines_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "deadlock");
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(run.stdout.contains("DEADLOCK"), "{}", run.stdout);
    assert!(
        run.stdout
            .contains("rank 0 recv(from 1, tag 0) deadlock.c:14"),
        "{}",
        run.stdout
    );
    let marker = dir.path().display().to_string();
    assert!(
        left_running(&marker).is_empty(),
        "{:?}",
        left_running(&marker)
    );
}

#[test]
fn a_receive_for_the_wrong_tag_names_the_message_it_does_not_take() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "wrong_tag");
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(
        run.stdout.contains(
            "rank 0 sent rank 1 a message with tag 13 (wrong_tag.c:14) that no \
             receive takes: rank 1's recv asks for tag 14"
        ),
        "{}",
        run.stdout
    );
    // The last line, the one left after a live view, says it too.
    let last = run.stderr.lines().last().unwrap_or_default();
    assert!(
        last.ends_with("rank 1's recv asks for tag 14"),
        "{}",
        run.stderr
    );
    // A synchronous send waits for that receive: its message is named too.
    let run = watch(
        dir.path(),
        &["-n", "2", "--headless", "--sync-sends"],
        "wrong_tag",
    );
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(
        run.stdout.contains("rank 0 ssend(to 1, tag 13)"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("that no receive takes: rank 1's recv asks for tag 14"),
        "{}",
        run.stdout
    );
}

#[test]
fn a_segfaulting_rank_is_named_with_its_signal_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "4", "segfault");
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        run.stderr
            .contains("rank 1 failed at segfault.c:14: killed by SIGSEGV"),
        "{run:#?}"
    );
    assert!(
        run.stdout.contains("says     1: before the barrier"),
        "{run:#?}"
    );
    let marker = dir.path().display().to_string();
    assert!(
        left_running(&marker).is_empty(),
        "{:?}",
        left_running(&marker)
    );
}

#[test]
fn a_rank_that_skips_mpi_finalize_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let source = "#include <mpi.h>\n\
        int main(int argc, char **argv) {\n\
            MPI_Init(&argc, &argv);\n\
            int rank;\n\
            MPI_Comm_rank(MPI_COMM_WORLD, &rank);\n\
            MPI_Barrier(MPI_COMM_WORLD);\n\
            if (rank == 1) return 0;\n\
            MPI_Finalize();\n\
            return 0;\n\
        }\n";
    std::fs::write(dir.path().join("early.c"), source).unwrap();
    let ok = Command::new(mpicc())
        .current_dir(dir.path())
        .args(["-g", "-o", "early", "early.c"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    hooks_built();
    let run = watch(dir.path(), &["-n", "2", "--headless"], "early");
    assert_eq!(run.code, Some(1), "{run:#?}");
    assert!(
        run.stderr
            .contains("rank 1 failed: returned from main without calling MPI_Finalize"),
        "{run:#?}"
    );
}

#[test]
fn a_program_that_never_calls_mpi_init_is_named() {
    let dir = tempfile::tempdir().unwrap();
    let source = "#include <mpi.h>\n#include <stdio.h>\n\
        int main(void) { int on; MPI_Initialized(&on); printf(\"MPI on: %d\\n\", on); return 0; }\n";
    std::fs::write(dir.path().join("no_init.c"), source).unwrap();
    let ok = Command::new(mpicc())
        .current_dir(dir.path())
        .args(["-g", "-o", "no_init", "no_init.c"])
        .status()
        .is_ok_and(|s| s.success());
    assert!(ok);
    hooks_built();
    let run = watch(dir.path(), &["-n", "2", "--headless"], "no_init");
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    assert!(
        run.stderr
            .contains("./no_init ended without calling MPI_Init"),
        "{run:#?}"
    );
    assert!(run.stdout.contains("MPI on: 0"), "its own output: {run:#?}");
}

#[test]
fn what_cannot_be_watched_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let refused = |args: &[&str], says: &str| {
        let mut all = vec!["watch", "--"];
        all.extend_from_slice(args);
        let run = common::alone(&all, LIMIT);
        assert_eq!(run.code, Some(2), "{run:#?}");
        assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
        assert!(run.stderr.contains(says), "{run:#?}");
    };
    refused(&["./no-such-program"], "./no-such-program: no such program");
    refused(&["ls"], "does not use MPI");
    let script = dir.path().join("run.sh");
    std::fs::write(&script, "#!/bin/sh\n").unwrap();
    refused(&[script.to_str().unwrap()], "not a compiled program");
    let source = dir.path().join("alone.c");
    std::fs::write(&source, "int main(void) { return 0; }\n").unwrap();
    let built = Command::new("cc")
        .current_dir(dir.path())
        .args(["-static", "-o", "alone", "alone.c"])
        .status()
        .is_ok_and(|s| s.success());
    if built {
        refused(
            &[dir.path().join("alone").to_str().unwrap()],
            "is statically linked",
        );
    }
}

#[test]
fn a_program_of_the_other_mpi_is_refused_in_one_line() {
    let other = if mpicc().contains("openmpi") {
        "mpicc.mpich"
    } else {
        "mpicc.openmpi"
    };
    let dir = tempfile::tempdir().unwrap();
    let source = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/programs/send_recv.c");
    let built = Command::new(other)
        .current_dir(dir.path())
        .args(["-g", "-o", "other"])
        .arg(&source)
        .status()
        .is_ok_and(|s| s.success());
    if !built {
        // Only one MPI installed: nothing to mix up.
        return;
    }
    let program = dir.path().join("other");
    let says = "but this mpi-tutor was built for";
    common::watch::assert_refused_in_one_line(&program, says, LIMIT);
}

#[test]
fn a_missing_interposer_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let program = compile(dir.path(), "send_recv");
    // mpi-tutor alone, without the library built beside it.
    let lonely = dir.path().join("mpi-tutor");
    std::fs::copy(common::bin(), &lonely).unwrap();
    let mut cmd = Command::new(&lonely);
    cmd.args(["watch", "--headless", "--"]).arg(&program);
    let run = common::run(cmd, LIMIT);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert!(
        run.stderr.contains("libmpi_tutor_hooks.so is missing"),
        "{run:#?}"
    );
}

#[test]
fn the_live_view_shows_the_c_source_with_markers_steps_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "send_recv");
    let after = dir.path().join("after.txt");
    let script = live_script(dir.path(), "-n 4 --paused -- ./send_recv", &after);
    let term = Tmux::start("watch", 140, 45, &script);
    let s = term.wait_for("both ranks held on their C lines", LIMIT, |s| {
        s.contains("PAUSED") && s.contains("▶0 17") && s.contains("▶1 20")
    });
    assert!(s.contains("send_recv.c"), "{s}");
    assert!(
        s.contains("MPI_Send(data, 100, MPI_DOUBLE, 1, 13, MPI_COMM_WORLD);"),
        "{s}"
    );
    assert!(
        s.contains("\"1: waiting for data from"),
        "the rank's own output: {s}"
    );
    // One plain `n`: both ranks make their call, the receive first, so
    // rank 1 is seen waiting before the message arrives.
    term.keys(&["n"]);
    let s = term.wait_for("rank 1 waiting in its receive", LIMIT, |s| {
        s.contains("waiting in recv from 0")
    });
    assert!(!common::delivered(&s, "800 B"), "not arrived yet:\n{s}");
    term.wait_for("the message delivered", LIMIT, |s| {
        common::delivered(s, "800 B") || s.contains("DONE")
    });
    quits_cleanly(&term, dir.path(), &after, LIMIT);
}

#[test]
fn any_other_mpi_call_is_shown_by_name_on_its_line_and_queries_stay_silent() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "other_calls");
    run.assert_ok();
    let log = &run.stdout;
    for rank in [0, 1] {
        let lines = lines_of(log, rank);
        let mut last = 0;
        for (name, line) in [
            ("MPI_Get_processor_name", 12),
            ("MPI_Type_contiguous", 14),
            ("MPI_Type_commit", 15),
            ("MPI_Type_free", 19),
        ] {
            let begin = at(&lines, &format!("rank {rank}  {name} "));
            assert!(
                lines[begin].ends_with(&format!("other_calls.c:{line}")),
                "{log}"
            );
            assert!(begin >= last, "{name} out of order:\n{log}");
            at(&lines, &format!("done     {name}"));
            last = begin;
        }
    }
    // A thousand MPI_Comm_size calls and two MPI_Wtime: not one event.
    for silent in ["MPI_Comm_size", "MPI_Wtime", "MPI_Comm_rank"] {
        assert!(!log.contains(silent), "{silent} shown:\n{log}");
    }
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn waitany_waitsome_testany_testsome_name_the_requests_they_completed() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "3", "any_requests");
    run.assert_ok();
    let zero = lines_of(&run.stdout, 0);
    let log = run.stdout.as_str();
    let first = at(&zero, "waitany  request #0 #1");
    assert!(zero[first].ends_with("any_requests.c:20"), "{log}");
    // The second waitany is on the request still open, and takes its message.
    let ended: Vec<&&str> = zero
        .iter()
        .filter(|l| l.contains("done     waitany"))
        .collect();
    assert_eq!(ended.len(), 2, "{log}");
    for l in &ended {
        assert!(l.contains("(took message #0 of "), "{log}");
        assert!(l.contains("completed request #"), "{log}");
    }
    at(&zero, "waitsome request #4 #5");
    let testany = at(&zero, "done     testany");
    assert!(
        zero[testany].contains("complete  completed request #"),
        "{log}"
    );
    at(&zero, "done     testsome");
    at(&zero, "says     round 3 polled 103 and 203");
    assert!(!log.contains("match pending"), "{log}");
    assert!(log.contains("messages 1 -> 0: 3 messages"), "{log}");
}

#[test]
fn nonblocking_collectives_start_a_request_their_wait_completes() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "3", "started_collectives");
    // Rank 0 waits on its ibarrier while the others still sleep: a wait,
    // not a deadlock (that would exit 3).
    run.assert_ok();
    let log = run.stdout.as_str();
    let zero = lines_of(log, 0);
    let barrier = at(&zero, "ibarrier all ranks  -> request #0");
    assert!(zero[barrier].ends_with("started_collectives.c:17"), "{log}");
    let wait = at(&zero, "wait     request #0");
    assert!(zero[wait].ends_with("started_collectives.c:18"), "{log}");
    for started in [
        "iallreduce 1 x MPI_INT (4 B)  -> request #",
        "ibcast   root 0  1 x MPI_INT (4 B)  -> request #",
        "ireduce  root 0  1 x MPI_INT (4 B)  -> request #",
        "exscan   1 x MPI_INT (4 B)",
        "allgatherv 1 x MPI_INT (4 B)",
        "alltoallv 3 x MPI_INT (12 B)",
        "reduce_scatter_block 3 x MPI_INT (12 B)",
        "reduce_scatter 3 x MPI_INT (12 B)",
    ] {
        for rank in 0..3 {
            at(&lines_of(log, rank), started);
        }
    }
    at(&zero, "says     rank 0: sum 3, before me 0, part 3");
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn grids_groups_and_intercommunicators_name_world_ranks() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "4", "topology");
    run.assert_ok();
    let log = run.stdout.as_str();
    let zero = lines_of(log, 0);
    let three = lines_of(log, 3);
    assert!(
        zero[at(&zero, "cart_create 4 ranks")].ends_with("topology.c:16"),
        "{log}"
    );
    let shift = at(&zero, "cart_shift from nobody  to 1");
    assert!(zero[shift].ends_with("topology.c:18"), "{log}");
    at(&three, "cart_shift from 2  to nobody");
    assert!(
        zero[at(&zero, "comm_create 4 ranks")].ends_with("topology.c:31"),
        "{log}"
    );
    at(&zero, "intercomm_create 2 ranks");
    // Across the intercommunicator, partner 0 of the odd side is world
    // rank 1, partner 1 world rank 3: the message is matched there.
    at(&zero, "send     -> 1  tag 3");
    let one = lines_of(log, 1);
    at(&one, "recv     <- 0  tag 3");
    at(&one, "took message #0 of 0->1 tag 3");
    at(&three, "took message #0 of 2->3 tag 3");
    at(&three, "says     rank 3: left 2, even sum 0, across got 2");
    assert!(!log.contains("match pending"), "{log}");
}

#[test]
fn other_calls_keep_their_names_through_record_replay_and_export() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "other_calls");
    let trace = common::temp_trace(&dir, "other.jsonl");
    let trace_arg = trace.to_str().unwrap();
    let run = watch(
        dir.path(),
        &["-n", "2", "--headless", "--record", trace_arg],
        "other_calls",
    );
    run.assert_ok();
    let recorded = common::read(&trace);
    let named = recorded
        .events
        .iter()
        .filter(|e| match &e.event {
            EventKind::Begin(call) => call.name.as_deref() == Some("MPI_Type_commit"),
            _ => false,
        })
        .count();
    assert_eq!(named, 2, "one MPI_Type_commit per rank");
    let replay = common::alone(&["replay", "--headless", trace_arg], LIMIT);
    replay.assert_ok();
    let zero = lines_of(&replay.stdout, 0);
    let commit = at(&zero, "rank 0  MPI_Type_commit ");
    assert!(
        zero[commit].ends_with("other_calls.c:15"),
        "{}",
        replay.stdout
    );
    at(&zero, "done     MPI_Type_commit");
    let export = common::alone(&["export", "--format", "chrome", trace_arg], LIMIT);
    export.assert_ok();
    let json: serde_json::Value = serde_json::from_str(&export.stdout).unwrap();
    let names: Vec<&str> = json["traceEvents"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["name"].as_str())
        .collect();
    assert!(names.contains(&"MPI_Type_commit"), "{names:?}");
}

/// The run ended as deadlocked (exit 3), its cycle the line returned, and
/// left nothing running.
fn deadlock_cycle(dir: &Path, run: &common::Run) -> String {
    assert_eq!(run.code, Some(3), "{run:#?}");
    let marker = dir.display().to_string();
    assert!(
        left_running(&marker).is_empty(),
        "{:?}",
        left_running(&marker)
    );
    let cycle = run.stdout.lines().find(|l| l.contains("  cycle: "));
    cycle
        .unwrap_or_else(|| panic!("no cycle in\n{}", run.stdout))
        .trim_start()
        .to_string()
}

#[test]
fn ranks_that_probe_for_each_others_message_are_a_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "probe_deadlock");
    assert_eq!(
        deadlock_cycle(dir.path(), &run),
        "cycle: rank 0 probe(from 1, tag 4) probe_deadlock.c:13 waits for \
         rank 1 probe(from 0, tag 4) probe_deadlock.c:13 waits for rank 0"
    );
}

#[test]
fn a_rank_polling_for_a_message_nobody_will_send_is_a_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "poll_deadlock");
    let cycle = deadlock_cycle(dir.path(), &run);
    assert!(
        cycle.starts_with(
            "cycle: rank 0 recv(from 1, tag 2) poll_deadlock.c:12 waits for rank 1 iprobe(from 0, tag 1) polled "
        ),
        "{cycle}"
    );
    assert!(
        cycle.ends_with(" times poll_deadlock.c:17 waits for rank 0"),
        "{cycle}"
    );
    let polls = lines_of(&run.stdout, 1)
        .iter()
        .filter(|l| l.contains("rank 1  iprobe"))
        .count();
    assert!(
        polls < 10,
        "polls summarised, not recorded:\n{}",
        run.stdout
    );
}

/// The number after `after` in the first of `lines` that contains `said`.
fn count_after(lines: &[&str], said: &str) -> u64 {
    let line = lines[at(lines, said)];
    line.split(" after ")
        .nth(1)
        .and_then(|rest| rest.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no count in {line}"))
}

#[test]
fn loops_of_testany_and_testsome_are_counted_exactly() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "2", "polling_any");
    run.assert_ok();
    let one = lines_of(&run.stdout, 1);
    for op in ["testany", "testsome"] {
        // The program counts its own polls; the log says the same number.
        let counted = count_after(&one, &format!("says     1: {op} found request"));
        // The last poll is the one that found it.
        let done = format!("done     {op}  ");
        let found = one.iter().rev().find(|l| l.contains(&done)).unwrap();
        assert!(found.contains("complete  completed request #"), "{found}");
        assert!(
            found.ends_with(&format!("({})", mpi_tutor::trace::display::polled(counted))),
            "{found} after {counted} polls"
        );
    }
    assert!(!run.stdout.contains("DEADLOCK"), "{}", run.stdout);
}

#[test]
fn a_long_loop_of_polls_that_ends_is_counted_exactly_and_is_no_deadlock() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "polling");
    // Rank 0 computes for 2.5 s before it sends.
    let run = common::watch::watch(
        dir.path(),
        &["-n", "2", "--headless"],
        ["./polling", "2500"],
        LIMIT,
    );
    run.assert_ok();
    let one = lines_of(&run.stdout, 1);
    // The program counts its own polls; the log says the same number.
    let counted = count_after(&one, "arrived after");
    let found = one[at(&one, "done     iprobe  complete")];
    assert!(
        found.ends_with(&format!("({})", mpi_tutor::trace::display::polled(counted))),
        "{found} after {counted} polls"
    );
    // While rank 0 computes, the loop is reported now and then, not each poll.
    let reported = one.iter().filter(|l| l.contains("rank 1  iprobe")).count();
    assert!((3..10).contains(&reported), "{}", run.stdout);
    assert!(!run.stdout.contains("DEADLOCK"), "{}", run.stdout);
}

/// The request numbers `text` names after `mark` (`request #3 #4`).
fn request_numbers(text: &str, mark: &str) -> Vec<u64> {
    let Some(start) = text.find(mark) else {
        return Vec::new();
    };
    text[start + mark.len()..]
        .split_whitespace()
        .map_while(|word| word.strip_prefix('#')?.parse().ok())
        .collect()
}

#[test]
fn every_request_of_a_halo_exchange_with_nobody_at_its_edges_is_waited_for() {
    let dir = tempfile::tempdir().unwrap();
    let run = headless(dir.path(), "3", "halo_edges");
    run.assert_ok();
    let log = run.stdout.as_str();
    for rank in 0..3 {
        let lines = lines_of(log, rank);
        let mut started: Vec<u64> = lines
            .iter()
            .flat_map(|l| request_numbers(l, "-> request"))
            .collect();
        let mut waited = Vec::new();
        for line in lines.iter().filter(|l| l.contains("waitall  request")) {
            let these = request_numbers(line, "waitall  request");
            let mut distinct = these.clone();
            distinct.dedup();
            assert_eq!(distinct.len(), 4, "four requests a step: {line}\n{log}");
            waited.extend(these);
        }
        started.sort_unstable();
        waited.sort_unstable();
        assert_eq!(started.len(), 12, "rank {rank}:\n{log}");
        assert_eq!(
            started, waited,
            "rank {rank}: each request waited for once\n{log}"
        );
    }
    assert!(!log.contains("match pending"), "{log}");
}
