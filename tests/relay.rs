//! The teacher's terminal when rank 0 runs on another host: the launcher
//! on the teacher's host owns the terminal and mpiexec relays rank 0's
//! view to it and the keys from it. Driven in tmux on the teacher's
//! simulated host h0 (scripts/simhosts) with every rank elsewhere, each
//! other host with a /dev/pts of its own, as on separate machines
//! (`--hosts` with a first host other than this one relays); and on one
//! machine, with the relay asked for by `MPI_TUTOR_RELAY=1`.

mod common;

use std::path::Path;
use std::time::Duration;

use common::hosts::{self, Layout};
use common::tmux::Tmux;

const LIMIT: Duration = Duration::from_secs(60);

/// Where the ranks go, every one away from the teacher's host h0, as
/// `--hosts` takes it, and each rank's host: two each on h1 and h2 under
/// Open MPI, one each under MPICH.
fn spread() -> (&'static str, Vec<&'static str>) {
    if hosts::open_mpi() {
        ("h1:2,h2:2", vec!["h1", "h1", "h2", "h2"])
    } else {
        ("h1:1,h2:1", vec!["h1", "h2"])
    }
}

/// Where the ranks go for a run that ends by itself: under MPICH both on
/// h1, since Debian's MPICH 4.0.2 may hang at the end when ranks talk TCP
/// across hosts, even two (docs/multihost-facts.md). A run ended by `q`
/// aborts, and does not meet it.
fn spread_to_the_end() -> (&'static str, u32) {
    if hosts::open_mpi() {
        ("h1:2,h2:2", 4)
    } else {
        ("h1:2", 2)
    }
}

/// A script in `dir` for the teacher's terminal: the terminal's settings
/// to `before.txt`, `command`, its exit code and the settings to
/// `after.txt`, then any process of the job left running (its command
/// line holds `dir`), as `processes` lists them, to `left.txt`. `stty`
/// reads the terminal on fd 1, whatever the harness made stdin.
fn teacher_script(dir: &Path, command: &str, processes: &str) -> String {
    let d = dir.display();
    let script = format!(
        "cd {d}\n\
         stty -a <&1 > before.txt\n\
         {command}\n\
         echo EXIT=$? > after.txt\n\
         stty -a <&1 >> after.txt\n\
         for try in 1 2 3 4 5 6 7 8 9 10; do\n\
           {processes} | grep -F {d}/ | grep -v -e teacher.sh -e grep -e hostps > left.txt\n\
           [ -s left.txt ] || break\n\
           sleep 0.5\n\
         done\n\
         echo SHELL-BACK\n\
         sleep 60\n"
    );
    let path = dir.join("teacher.sh");
    std::fs::write(&path, script).unwrap();
    format!("sh {}", path.display())
}

/// Every process on every simulated host.
const ON_EVERY_HOST: &str = "for h in $SIMHOSTS_HOSTS; do hostps $h; done";
/// Every process on this machine.
const ON_THIS_MACHINE: &str = "ps -eo args";

/// A terminal on simulated host h0 of three, the others with a /dev/pts of
/// their own, running `command` in a [`teacher_script`] in `dir`.
fn on_teacher_host(name: &str, dir: &Path, command: &str) -> Tmux {
    let layout = Layout {
        own_pts: Some("others".into()),
        ..Layout::hosts(3)
    };
    let line = layout.shell_line(&teacher_script(dir, command, ON_EVERY_HOST));
    Tmux::start(name, 120, 40, &line)
}

/// The terminal's settings, without its size (the test resizes it).
fn settings(stty: &str) -> String {
    stty.lines()
        .filter(|l| !l.starts_with("speed"))
        .collect::<Vec<_>>()
        .join("\n")
}

/// After `q`: the job ended well, the terminal is as it was (settings,
/// main screen, cursor shown) and nothing of the job runs on any host.
fn assert_given_back(term: &Tmux, dir: &Path) {
    term.keys(&["q"]);
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let before = std::fs::read_to_string(dir.join("before.txt")).unwrap();
    let after = std::fs::read_to_string(dir.join("after.txt")).unwrap();
    assert!(after.starts_with("EXIT=0"), "{after}");
    let after = after.split_once('\n').map_or("", |(_, rest)| rest);
    assert_eq!(
        settings(after),
        settings(&before),
        "the terminal's settings"
    );
    assert_eq!(
        term.display("#{alternate_on} #{cursor_flag}").trim(),
        "0 1",
        "main screen, cursor shown"
    );
    let left = std::fs::read_to_string(dir.join("left.txt")).unwrap_or_default();
    assert!(left.is_empty(), "left running:\n{left}");
}

/// Every rank drawn (its box titled as in `titles`: `rank 0 · h1`) and
/// held at its first call, paused; `n` lets each make it (the token leaves
/// rank 0, and the ranks after it are seen waiting in their receives); a
/// smaller terminal gets a frame of its size.
fn assert_steps_and_follows_the_size(term: &Tmux, titles: &[String]) {
    let ranks = titles.len();
    term.wait_for("every rank, paused", LIMIT, |s| {
        titles.iter().all(|t| s.contains(t.as_str())) && s.contains("PAUSED")
    });
    term.wait_for("every rank held", LIMIT, |s| {
        s.matches("held by the tutor").count() == ranks
    });
    term.keys(&["n"]);
    term.wait_for("a step: receives waiting", LIMIT, |s| {
        s.contains("waiting in recv from")
    });
    term.resize(100, 30);
    term.wait_for("a frame of the new size", LIMIT, |s| {
        let lines: Vec<&str> = s.lines().collect();
        lines.len() == 30
            && lines[29].contains("q quit")
            && lines[0].contains(&format!("{ranks} ranks"))
    });
}

#[test]
fn the_view_of_ranks_on_other_hosts_is_relayed_to_the_teacher() {
    if !hosts::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (placed, hosts) = spread();
    let command = format!(
        "{} lesson ring --hosts {placed} --paused --record {}/ring.jsonl",
        common::bin(),
        dir.path().display(),
    );
    let term = on_teacher_host("relay-hosts", dir.path(), &command);
    let titles: Vec<String> = (hosts.iter().enumerate())
        .map(|(rank, host)| format!("rank {rank} · {host} ─"))
        .collect();
    assert_steps_and_follows_the_size(&term, &titles);
    assert_given_back(&term, dir.path());
}

#[test]
fn a_bare_mpiexec_with_rank_0_elsewhere_shows_the_log_and_says_why() {
    if !hosts::available() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (placed, ranks) = spread_to_the_end();
    let command = format!(
        "{mpiexec} {flag} -n {ranks} {bin} lesson ring --record {dir}/ring.jsonl",
        mpiexec = common::mpiexec(),
        flag = hosts::host_flag(placed),
        bin = common::bin(),
        dir = dir.path().display(),
    );
    let term = on_teacher_host("relay-bare", dir.path(), &command);
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let s = term.history();
    assert!(
        s.contains("mpi-tutor: rank 0 runs on h1, away from this terminal: showing the log"),
        "{s}"
    );
    assert!(s.contains("-- summary"), "the log to its end:\n{s}");
    let after = std::fs::read_to_string(dir.path().join("after.txt")).unwrap();
    assert!(after.starts_with("EXIT=0"), "{after}");
    let left = std::fs::read_to_string(dir.path().join("left.txt")).unwrap_or_default();
    assert!(left.is_empty(), "left running:\n{left}");
}

#[test]
fn the_relay_works_on_one_machine_when_asked_for() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "MPI_TUTOR_RELAY=1 {bin} lesson ring -n 3 --paused --record {dir}/ring.jsonl",
        bin = common::bin(),
        dir = dir.path().display(),
    );
    let script = teacher_script(dir.path(), &command, ON_THIS_MACHINE);
    let term = Tmux::start("relay-one", 120, 40, &script);
    let titles: Vec<String> = (0..3).map(|rank| format!("rank {rank} ─")).collect();
    assert_steps_and_follows_the_size(&term, &titles);
    assert_given_back(&term, dir.path());
}

#[test]
fn the_terminal_comes_back_when_the_relaying_launcher_is_killed() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path().display();
    let tag = format!("relay-killed-{}", std::process::id());
    // The guardian gives the terminal back moments after the launcher
    // dies; the shell may look before that: it looks again, a while.
    let script = format!(
        "cd {d}; echo $$ > shell.pid; stty -a > before.txt; \
         MPI_TUTOR_TEST_JOB={tag} MPI_TUTOR_RELAY=1 {bin} lesson ring -n 3 --paused; \
         echo EXIT=$? > after.txt; \
         for try in $(seq 50); do stty -a | grep -q ' icanon' && break; sleep 0.1; done; \
         stty -a >> after.txt; echo SHELL-BACK; sleep 60",
        bin = common::bin(),
        tag = tag,
    );
    let term = Tmux::start("relay-killed", 120, 40, &script);
    term.wait_for("the view", LIMIT, |s| s.contains("PAUSED"));
    let shell = std::fs::read_to_string(dir.path().join("shell.pid")).unwrap();
    let launcher = common::tmux::children_with(shell.trim().parse().unwrap(), "lesson ring");
    assert_eq!(launcher.len(), 1, "one launcher: {launcher:?}");
    // SAFETY: signalling the launcher this test started.
    unsafe { libc::kill(launcher[0], libc::SIGKILL) };
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let before = std::fs::read_to_string(dir.path().join("before.txt")).unwrap();
    let after = std::fs::read_to_string(dir.path().join("after.txt")).unwrap();
    assert!(after.starts_with("EXIT=137"), "{after}");
    let after = after.split_once('\n').map_or("", |(_, rest)| rest);
    assert_eq!(after, before, "the terminal's settings");
    assert_eq!(
        term.display("#{alternate_on} #{cursor_flag}").trim(),
        "0 1",
        "main screen, cursor shown"
    );
    let left = common::wait_gone(&tag, Duration::from_secs(5));
    assert!(left.is_empty(), "left running: {left:?}");
}

#[test]
fn a_relayed_rank_0_that_shows_the_log_leaves_the_terminal_as_it_was() {
    let dir = tempfile::tempdir().unwrap();
    let command = format!(
        "TERM=dumb MPI_TUTOR_RELAY=1 {} lesson ring -n 2 --record {}/ring.jsonl",
        common::bin(),
        dir.path().display(),
    );
    let script = teacher_script(dir.path(), &command, ON_THIS_MACHINE);
    let term = Tmux::start("relay-log", 200, 50, &script);
    term.wait_for("the shell back", LIMIT, |s| s.contains("SHELL-BACK"));
    let s = term.history();
    assert!(
        s.contains("cannot show the full-screen view (TERM=dumb)"),
        "{s}"
    );
    // Each line of the log at the start of its row: the terminal was not
    // made raw under it.
    assert!(s.lines().any(|l| l.starts_with("-- summary")), "{s}");
    let before = std::fs::read_to_string(dir.path().join("before.txt")).unwrap();
    let after = std::fs::read_to_string(dir.path().join("after.txt")).unwrap();
    assert!(after.starts_with("EXIT=0"), "{after}");
    assert_eq!(after.split_once('\n').map_or("", |(_, r)| r), before);
}
