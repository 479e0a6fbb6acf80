//! What the `mpi-tutor watch` suites (tests/watch.rs, tests/watch_python.rs)
//! share: the interposer built, the command typed, the log read, the
//! terminal and processes checked after a live run.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use super::tmux::processes_with;

/// The interposer beside the binary, as fresh as the binary: `cargo test`
/// builds this package's targets, not the hooks crate's library, so the
/// suite builds it (once) with the same cargo, profile and target dir.
pub fn hooks_built() {
    static BUILT: std::sync::OnceLock<()> = std::sync::OnceLock::new();
    BUILT.get_or_init(|| {
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
        let mut cmd = Command::new(cargo);
        cmd.args(["build", "-p", "mpi-tutor-hooks"]);
        if super::bin().contains("/release/") {
            cmd.arg("--release");
        }
        let ok = cmd.status().is_ok_and(|s| s.success());
        assert!(ok, "cannot build the hooks library");
    });
}

/// The C compiler of the MPI under test: `MPICC` picks another MPI's
/// (`make test-mpi MPI=openmpi`).
pub fn mpicc() -> String {
    std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into())
}

/// Test program `file` (in tests/programs) copied into `dir` and compiled
/// there by `compiler` with `flags` as `name`, with the interposer built.
pub fn compile<S: AsRef<OsStr>>(
    dir: &Path,
    file: &str,
    compiler: &str,
    flags: &[S],
    name: &str,
) -> PathBuf {
    hooks_built();
    let source = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/programs")
        .join(file);
    // Copied beside the binary: the log names it as the working directory
    // sees it.
    std::fs::copy(&source, dir.join(file)).unwrap();
    let ok = Command::new(compiler)
        .current_dir(dir)
        .args(flags)
        .args(["-o", name, file])
        .status()
        .unwrap_or_else(|e| panic!("{compiler} is installed (make setup): {e}"))
        .success();
    assert!(ok, "{compiler} failed on {file}");
    dir.join(name)
}

/// `mpi-tutor watch ARGS -- PROGRAM...`, typed alone in `dir`.
pub fn watch<I, S>(dir: &Path, args: &[&str], program: I, limit: Duration) -> super::Run
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(super::bin());
    cmd.current_dir(dir)
        .arg("watch")
        .args(args)
        .arg("--")
        .args(program);
    super::run(cmd, limit)
}

/// The lines of `log` about `rank`.
pub fn lines_of(log: &str, rank: u32) -> Vec<&str> {
    let tag = format!(" rank {rank} ");
    log.lines().filter(|l| l.contains(&tag)).collect()
}

/// Where in `lines` the first line containing `text` is.
pub fn at(lines: &[&str], text: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(text))
        .unwrap_or_else(|| panic!("no line with {text:?} in:\n{}", lines.join("\n")))
}

/// Where in `lines` the first line of call `call` made at `site` is,
/// whatever values it carries between the two.
pub fn at_call(lines: &[&str], call: &str, site: &str) -> usize {
    lines
        .iter()
        .position(|l| l.contains(call) && l.ends_with(site))
        .unwrap_or_else(|| panic!("no {call:?} at {site} in:\n{}", lines.join("\n")))
}

/// Rank 1's part of the tutorial's send/recv program (`send_recv.c`, and
/// `mpi_demo.py` in Python) in `log`: it says hello and that it waits,
/// receives message #0 of 0->1 tag 13 on the line ending with `at_line`,
/// then says `received`, in that order.
pub fn assert_rank_1_receives(log: &str, received: &str, at_line: &str) {
    let one = lines_of(log, 1);
    let hello = at(&one, "says     1: Hello!");
    let waiting = at(&one, "says     1: waiting for data from rank 0");
    let recv = at(&one, "recv     <- 0  tag 13  room for 100 x MPI_DOUBLE");
    let done = at(&one, "took message #0 of 0->1 tag 13");
    let received = at(&one, received);
    assert!(
        hello < waiting && waiting < recv && recv < done && done < received,
        "{log}"
    );
    assert!(one[recv].ends_with(at_line), "{log}");
}

/// The processes still running whose command line names `marker`, after
/// a moment for the launcher's to finish exiting.
pub fn left_running(marker: &str) -> Vec<String> {
    let start = std::time::Instant::now();
    loop {
        let left = processes_with(marker);
        if left.is_empty() || start.elapsed() > Duration::from_secs(5) {
            return left;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The shell line a live-view test types in tmux: `mpi-tutor watch WATCH`
/// in `dir`, then its exit code and the terminal's settings written to
/// `after`, then SHELL-BACK (and a pause, so the pane stays).
pub fn live_script(dir: &Path, watch: &str, after: &Path) -> String {
    format!(
        "cd {dir} && {bin} watch {watch}; \
         echo EXIT=$? > {after}; stty -a >> {after}; echo SHELL-BACK; sleep 60",
        dir = dir.display(),
        bin = super::bin(),
        after = after.display(),
    )
}

/// What `live_script` wrote to `after`, once the terminal is checked back
/// in its usual mode (line editing and echo on).
pub fn terminal_after(after: &Path) -> String {
    let after = std::fs::read_to_string(after).unwrap();
    assert!(
        after.contains(" icanon") && after.contains(" echo "),
        "{after}"
    );
    after
}

/// `q` in the live view of a `live_script` run in `dir`: the shell comes
/// back within `limit`, the job ended with exit 0, the terminal is back in
/// its usual mode and nothing of the job is left running.
pub fn quits_cleanly(term: &super::tmux::Tmux, dir: &Path, after: &Path, limit: Duration) {
    term.keys(&["q"]);
    term.wait_for("the shell back", limit, |s| s.contains("SHELL-BACK"));
    let after = terminal_after(after);
    assert!(after.starts_with("EXIT=0"), "{after}");
    // The shell that printed SHELL-BACK is itself about to become `sleep`.
    let marker = dir.display().to_string();
    assert!(
        left_running(&marker).is_empty(),
        "left running: {:?}",
        left_running(&marker)
    );
}

/// `mpi-tutor watch -- PROGRAM`, typed alone, refuses `program` with
/// exit 2 and one line that says `says`.
pub fn assert_refused_in_one_line(program: &Path, says: &str, limit: Duration) {
    let run = super::alone(&["watch", "--", program.to_str().unwrap()], limit);
    assert_eq!(run.code, Some(2), "{run:#?}");
    assert_eq!(run.stderr.lines().count(), 1, "{run:#?}");
    assert!(run.stderr.contains(says), "{run:#?}");
}
