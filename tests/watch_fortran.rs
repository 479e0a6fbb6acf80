//! `mpi-tutor watch` on C++ and Fortran programs (tests/programs), compiled
//! here with the MPI's own wrappers (`mpicxx -g`, `mpif90 -g`) for the MPI
//! under test, and run under the real mpiexec: the log names each call's
//! `.cpp` or `.f90` line and prints each rank's output; a Fortran deadlock
//! is diagnosed with its lines.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use common::tmux::Tmux;
use common::watch::{at, at_call, lines_of, live_script, mpicc, quits_cleanly};

const LIMIT: Duration = Duration::from_secs(60);

fn under_open_mpi() -> bool {
    mpicc().contains("openmpi")
}

/// The C++ compiler of the same MPI (`MPICXX` overrides).
fn mpicxx() -> String {
    std::env::var("MPICXX").unwrap_or_else(|_| {
        if under_open_mpi() {
            "mpicxx.openmpi".into()
        } else {
            "mpicxx".into()
        }
    })
}

/// The Fortran compiler of the same MPI (`MPIFORT` overrides).
fn mpifort() -> String {
    std::env::var("MPIFORT").unwrap_or_else(|_| {
        if under_open_mpi() {
            "mpifort.openmpi".into()
        } else {
            "mpif90".into()
        }
    })
}

/// What Open MPI's Fortran wrapper needs besides its own words: Debian's
/// names no `-L` for `libmpi`, which then is MPICH's when MPICH is the
/// default MPI; its C wrapper's library directories put Open MPI's first.
fn link_directories() -> Vec<String> {
    if !under_open_mpi() {
        return Vec::new();
    }
    let shown = Command::new(mpicc())
        .arg("--showme:libdirs")
        .output()
        .expect("Open MPI's mpicc is installed (make setup)");
    String::from_utf8_lossy(&shown.stdout)
        .split_whitespace()
        .map(|dir| format!("-L{dir}"))
        .collect()
}

/// Test program `file` (in tests/programs) compiled in `dir` by
/// `compiler` with `flags` as `name` (see [`common::watch::compile`]),
/// with the Fortran wrapper's library directories.
fn compile(dir: &Path, file: &str, compiler: &str, flags: &[&str], name: &str) -> PathBuf {
    let mut all: Vec<String> = flags.iter().map(|f| f.to_string()).collect();
    if compiler == mpifort() {
        all.extend(link_directories());
    }
    common::watch::compile(dir, file, compiler, &all, name)
}

/// Fortran program `NAME.f90` compiled with `-g` in `dir`, then watched
/// headless on `ranks` ranks.
fn fortran(dir: &Path, ranks: &str, name: &str) -> common::Run {
    compile(dir, &format!("{name}.f90"), &mpifort(), &["-g"], name);
    watch(dir, ranks, name)
}

/// `mpi-tutor watch -n RANKS --headless -- ./NAME`, typed alone in `dir`.
fn watch(dir: &Path, ranks: &str, name: &str) -> common::Run {
    let args = ["-n", ranks, "--headless"];
    common::watch::watch(dir, &args, [format!("./{name}")], LIMIT)
}

/// Where in `lines` each of `calls` (a call and the site it ends with)
/// is, checked to come in that order.
fn in_order(lines: &[&str], calls: &[(&str, &str)]) -> Vec<usize> {
    let places: Vec<usize> = calls
        .iter()
        .map(|(call, site)| at_call(lines, call, site))
        .collect();
    let ordered = places.windows(2).all(|w| w[0] < w[1]);
    assert!(ordered, "{calls:?} out of order in:\n{}", lines.join("\n"));
    places
}

#[test]
fn a_cpp_program_shows_its_cpp_lines_and_each_ranks_output() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "halo.cpp", &mpicxx(), &["-g"], "halo");
    let run = watch(dir.path(), "3", "halo");
    run.assert_ok();
    let log = &run.stdout;
    let zero = lines_of(log, 0);
    let first = at_call(&zero, "sendrecv -> nobody  <- 1  tag 0", "halo.cpp:20");
    let second = at_call(&zero, "sendrecv -> 1  tag 1", "halo.cpp:22");
    let ghosts = at(&zero, "says     0: ghosts 0 and 5");
    let sum = at_call(&zero, "allreduce 1 x MPI_DOUBLE", "halo.cpp:38");
    let total = at(&zero, "says     total 78");
    assert!(
        first < second && second < ghosts && ghosts < sum && sum < total,
        "{log}"
    );
    at(&lines_of(log, 2), "says     2: ghosts 8 and 0");
    assert!(log.contains("messages 1 -> 2: 1 message, 8 B"), "{log}");
}

#[test]
fn a_cpp_program_without_debug_information_names_its_functions_as_written() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "halo.cpp", &mpicxx(), &[], "halo");
    let run = watch(dir.path(), "3", "halo");
    run.assert_ok();
    let one = lines_of(&run.stdout, 1);
    at_call(
        &one,
        "sendrecv -> 0  tag 0",
        "   halo::exchange(double*, int)",
    );
    at_call(&one, "allreduce", "   main");
    let hint = run.stdout.lines().nth(1).unwrap_or_default();
    assert!(
        hint.starts_with("-- ") && hint.contains("no debug information") && hint.contains("-g"),
        "how to get lines, once, under the hosts: {}",
        run.stdout
    );
}

#[test]
fn a_fortran_ring_shows_every_call_on_its_f90_line_and_the_output() {
    let dir = tempfile::tempdir().unwrap();
    let run = fortran(dir.path(), "3", "ring");
    run.assert_ok();
    let log = &run.stdout;
    let zero = lines_of(log, 0);
    // gfortran 12 writes no line-table row for a call of MPI_Wait through
    // Open MPI's `use mpi` module (`objdump --dwarf=decodedline`): the
    // debug information, and so the log, has it on the `end program` line.
    let wait_line = if under_open_mpi() {
        "ring.f90:53"
    } else {
        "ring.f90:34"
    };
    let calls = [
        ("send     -> 1  tag 0  1 x MPI_INTEGER (4 B)", "ring.f90:22"),
        ("recv     <- 2  tag 0", "ring.f90:23"),
        ("irecv    <- 2  tag 1", "ring.f90:32"),
        ("isend    -> 1  tag 1", "ring.f90:33"),
        ("wait     request", wait_line),
        ("waitall  request", "ring.f90:35"),
        (
            "sendrecv -> 2  tag 2  1 x MPI_INTEGER (4 B)  <- any  tag 2",
            "ring.f90:38",
        ),
        ("barrier  all ranks", "ring.f90:42"),
        ("bcast    root 0", "ring.f90:43"),
        (
            "scatter  root 0  1 x MPI_INTEGER (4 B)  [10, 20, 30]",
            "ring.f90:46",
        ),
        ("gather   root 0", "ring.f90:47"),
        ("reduce   root 0", "ring.f90:48"),
        ("allreduce 1 x MPI_INTEGER (4 B)  op sum", "ring.f90:49"),
    ];
    let places = in_order(&zero, &calls);
    let token = at(&zero, "says     token after 2 rounds: 6");
    assert!(places[1] < token && token < places[2], "{log}");
    // The status the program read, and the requests the waits freed.
    at(
        &zero,
        "says     0: neighbours 2 and 1, the right one from 1",
    );
    assert!(!log.contains("still open"), "{log}");
    for rank in 0..3 {
        at(
            &lines_of(log, rank),
            &format!("says     {rank}: everyone got 60"),
        );
    }
    // Two laps of the token and one halo message per neighbour pair.
    assert!(log.contains("messages 2 -> 0: 3 messages, 12 B"), "{log}");
    assert!(log.contains("none lost"), "{log}");
}

#[test]
fn a_fortran_2008_ring_shows_its_lines_too() {
    let dir = tempfile::tempdir().unwrap();
    let run = fortran(dir.path(), "3", "ring_f08");
    run.assert_ok();
    let log = &run.stdout;
    let two = lines_of(log, 2);
    let calls = [
        ("recv     <- 1  tag 0", "ring_f08.f90:21"),
        ("send     -> 0  tag 0", "ring_f08.f90:23"),
        ("irecv    <- 1  tag 1", "ring_f08.f90:28"),
        ("isend    -> 0  tag 1", "ring_f08.f90:29"),
        ("waitall  request", "ring_f08.f90:30"),
        ("barrier  all ranks", "ring_f08.f90:31"),
        ("allreduce 1 x MPI_INTEGER (4 B)  op sum", "ring_f08.f90:32"),
    ];
    in_order(&two, &calls);
    at(&two, "says     2: everyone sums to 3");
    at(&lines_of(log, 0), "says     token after 2 rounds: 6");
}

#[test]
fn a_fortran_deadlock_is_named_with_its_f90_lines_and_exits_3() {
    let dir = tempfile::tempdir().unwrap();
    let run = fortran(dir.path(), "2", "deadlock");
    assert_eq!(run.code, Some(3), "{run:#?}");
    assert!(run.stdout.contains("DEADLOCK"), "{}", run.stdout);
    for (rank, from) in [(0, 1), (1, 0)] {
        let waits = format!("rank {rank} recv(from {from}, tag 0) deadlock.f90:14");
        assert!(run.stdout.contains(&waits), "{}", run.stdout);
    }
    let marker = dir.path().display().to_string();
    let left = common::watch::left_running(&marker);
    assert!(left.is_empty(), "{left:?}");
}

#[test]
fn a_fortran_run_names_its_source_file_for_the_source_pane() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "ring.f90", &mpifort(), &["-g"], "ring");
    let trace = dir.path().join("ring.jsonl");
    let args = ["-n", "2", "--headless", "--record", trace.to_str().unwrap()];
    let run = common::watch::watch(dir.path(), &args, ["./ring"], LIMIT);
    run.assert_ok();
    let sources: Vec<String> = common::read(&trace)
        .header
        .params
        .into_iter()
        .filter(|(key, _)| key == "source")
        .map(|(_, path)| path)
        .collect();
    assert_eq!(sources.len(), 1, "{sources:?}");
    assert!(sources[0].ends_with("/ring.f90"), "{sources:?}");
}

#[test]
fn the_live_view_shows_the_f90_source_with_each_ranks_marker_and_quits_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    compile(dir.path(), "ring.f90", &mpifort(), &["-g"], "ring");
    let after = dir.path().join("after.txt");
    let script = live_script(dir.path(), "-n 3 --paused -- ./ring", &after);
    let term = Tmux::start("watch-fortran", 140, 45, &script);
    let s = term.wait_for("the ranks held on their Fortran lines", LIMIT, |s| {
        s.contains("PAUSED") && s.contains("▶0   22") && s.contains("▶1 2 25")
    });
    assert!(s.contains("ring.f90"), "{s}");
    let send = "22       call MPI_Send(token, 1, MPI_INTEGER, next, 0, MPI_COMM_WORLD";
    assert!(s.contains(send), "{s}");
    quits_cleanly(&term, dir.path(), &after, LIMIT);
}

#[test]
fn a_program_linked_to_both_mpis_is_refused_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("both.c"), "int main(void) { return 0; }\n").unwrap();
    // What Debian's mpifort.openmpi makes while MPICH is the default MPI:
    // Open MPI's Fortran library beside MPICH's libmpich.
    let open_mpi = Command::new("mpicc.openmpi")
        .arg("--showme:libdirs")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string());
    let built = open_mpi.is_ok_and(|dirs| {
        Command::new("cc")
            .current_dir(dir.path())
            .args(["-o", "both", "both.c", "-Wl,--no-as-needed", "-lmpich"])
            .args(dirs.split_whitespace().map(|d| format!("-L{d}")))
            .arg("-lmpi_mpifh")
            .status()
            .is_ok_and(|s| s.success())
    });
    if !built {
        // Only one MPI installed: nothing to mix up.
        return;
    }
    let program = dir.path().join("both");
    let says = "is linked to two MPIs, MPICH (libmpich.so.12) and Open MPI";
    common::watch::assert_refused_in_one_line(&program, says, LIMIT);
}

/// Rank 1's calls in the log of a watched `split.f90` or `split_f08.f90`
/// (`first` is the line of its MPI_Comm_split): the split on its line,
/// every other call by its name in the file, and its sum.
fn assert_split_seen(log: &str, file: &str, first: u32) {
    let one = lines_of(log, 1);
    let split = at_call(&one, "comm_split 4 ranks", &format!("{file}:{first}"));
    let made = at_call(
        &one,
        "MPI_Type_contiguous",
        &format!("{file}:{}", first + 1),
    );
    // gfortran 12's line table has no row for some calls through these
    // modules (`objdump -l` puts the call to mpi_type_commit_ on the
    // `program` line): the log shows the line the debug information gives.
    let commit = at(&one, "MPI_Type_commit");
    let sum = at_call(
        &one,
        "allreduce 1 x MPI_INTEGER (4 B)  op sum  among 2 ranks",
        &format!("{file}:{}", first + 3),
    );
    let freed = at(&one, "MPI_Type_free");
    assert!(
        split < made && made < commit && commit < sum && sum < freed,
        "{log}"
    );
    assert!(one[commit].contains(&format!("{file}:")), "{log}");
    assert!(one[freed].contains(&format!("{file}:")), "{log}");
    at(&one, "says     1: my half sums to 4");
}

#[test]
fn fortran_calls_without_a_hook_of_their_own_are_shown_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let run = fortran(dir.path(), "4", "split");
    run.assert_ok();
    assert_split_seen(&run.stdout, "split.f90", 11);
    let run = fortran(dir.path(), "4", "split_f08");
    run.assert_ok();
    assert_split_seen(&run.stdout, "split_f08.f90", 13);
}
