//! Fault injection: a lesson in a real terminal (tmux) or headless, ended
//! from outside as a machine or a user would: kill -9 of a rank chosen at
//! random (seeded: the seed is printed, set MPI_TUTOR_FAULT_SEED to repeat
//! it), kill -9 of rank 0, SIGTERM and SIGHUP to the front end, kill -9 of
//! mpiexec, `timeout` of the whole command. After each: nothing of the job
//! is left, the terminal has its settings back (`stty -a` before and
//! after), the alternate screen is off, the cursor shown, and one line says
//! why.

mod common;

use std::time::{Duration, Instant};

use common::scene::{rank_in, signal as kill, tagged, Dice, TAG_VAR};
use common::tmux::Tmux;

const LIMIT: Duration = Duration::from_secs(30);

/// A command run in a fresh terminal, its processes tagged.
struct Scene {
    term: Tmux,
    tag: String,
    after: std::path::PathBuf,
    before: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Scene {
    /// Runs `command` (`{bin}` and `{mpiexec}` filled in) in a terminal,
    /// then the exit code and `stty -a` are written down.
    fn start(name: &str, command: &str) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let tag = format!("fault-{name}-{}", std::process::id());
        let before = dir.path().join("before.txt");
        let after = dir.path().join("after.txt");
        let command = command
            .replace("{bin}", common::bin())
            .replace("{mpiexec}", &common::mpiexec())
            .replace("{dir}", &dir.path().display().to_string());
        let script = format!(
            "stty -a > {b}; {TAG_VAR}={tag} {command}; echo EXIT=$? > {a}.tmp; \
             stty -a >> {a}.tmp; mv {a}.tmp {a}; sleep 60",
            b = before.display(),
            a = after.display(),
        );
        let term = Tmux::start(name, 120, 40, &script);
        Scene {
            term,
            tag,
            after,
            before,
            _dir: dir,
        }
    }

    fn trace(&self) -> std::path::PathBuf {
        self._dir.path().join("run.jsonl")
    }

    /// Waits for the job's ranks and the view (or the log) to be up.
    fn wait_up(&self, ranks: u32, live: bool) {
        let start = Instant::now();
        while self.ranks().len() < ranks as usize {
            assert!(start.elapsed() < LIMIT, "the job did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        if live {
            // Every rank shown at its first call, so that a rank killed
            // now has a call and a line to be named with.
            let held = |s: &str| s.matches("held by the tutor").count() >= ranks as usize;
            self.term
                .wait_for("every rank at its first call", LIMIT, held);
        } else {
            // Every rank in the log: the run is under way.
            let all = |s: &str| (0..ranks).all(|r| s.contains(&format!("rank {r}  ")));
            self.term.wait_for("every rank in the log", LIMIT, all);
        }
        // The guardian is told what rank 0 shows at its next tick.
        std::thread::sleep(Duration::from_millis(300));
    }

    /// (rank, pid) of the job's ranks (not the guardian, forked from rank
    /// 0 with its environment).
    fn ranks(&self) -> Vec<(u32, i32)> {
        tagged(&self.tag)
            .into_iter()
            .filter(|(pid, _)| {
                let comm = std::fs::read_to_string(format!("/proc/{pid}/comm"));
                comm.is_ok_and(|c| c.trim() != "mpi-tutor-guard")
            })
            .filter_map(|(pid, env)| Some((rank_in(&env)?, pid)))
            .collect()
    }

    fn rank(&self, rank: u32) -> i32 {
        let found = self.ranks().into_iter().find(|r| r.0 == rank);
        found.expect("the rank is running").1
    }

    /// The process started by the shell (the front end, or mpiexec).
    fn process_named(&self, prefix: &str) -> i32 {
        let found = tagged(&self.tag).into_iter().find(|(pid, env)| {
            let comm = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
            comm.starts_with(prefix) && rank_in(env).is_none()
        });
        found.expect("the process is running").0
    }

    /// Ends the scene's checks: the shell got the terminal back with the
    /// settings it had, nothing of the job is left; returns the exit code
    /// and the screen.
    fn ended(&self) -> (i32, String) {
        let start = Instant::now();
        while !self.after.exists() {
            assert!(
                start.elapsed() < LIMIT,
                "the command did not end; the screen:\n{}",
                self.term.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        let after = std::fs::read_to_string(&self.after).unwrap();
        let before = std::fs::read_to_string(&self.before).unwrap();
        let (exit, settings) = after.split_once('\n').unwrap();
        assert_eq!(settings, before, "stty -a differs after the run");
        let screen = self.term.screen();
        let left = common::wait_gone(&self.tag, Duration::from_secs(3));
        assert!(left.is_empty(), "processes left running: {left:?}");
        let flags = self.term.display("#{alternate_on} #{cursor_flag}");
        assert_eq!(flags.trim(), "0 1", "alternate screen off, cursor shown");
        let code = exit.trim_start_matches("EXIT=").trim().parse().unwrap();
        (code, screen)
    }
}

/// The last line the run said, its own or after a shell line.
fn reason(screen: &str) -> String {
    let line = screen.lines().rev().find(|l| l.starts_with("mpi-tutor: "));
    line.unwrap_or_else(|| panic!("no line says why; the screen:\n{screen}"))
        .to_string()
}

/// Steps the paused ring a random number of times, then kills a random
/// rank: its number, signal and last call end the run, on the terminal
/// given back, and the recording replays.
#[test]
fn a_random_rank_killed_in_the_live_view_is_named() {
    let mut dice = Dice::new("live random rank");
    let scene = Scene::start(
        "live-rank",
        "{bin} lesson ring --paused --record {dir}/run.jsonl",
    );
    scene.wait_up(4, true);
    for _ in 0..dice.below(4) {
        scene.term.keys(&["n"]);
        std::thread::sleep(Duration::from_millis(300));
    }
    let victim = 1 + dice.below(3) as u32;
    kill(scene.rank(victim), libc::SIGKILL);
    let (code, screen) = scene.ended();
    assert_ne!(code, 0);
    let line = reason(&screen);
    let named = format!("mpi-tutor: rank {victim} was killed (SIGKILL)");
    assert!(line.starts_with(&named), "{line}");
    assert!(line.contains("lessons/ring.rs:"), "{line}");
    let trace = common::read(&scene.trace());
    assert!(!trace.events.is_empty(), "the recording replays");
}

#[test]
fn rank_0_killed_in_the_live_view_gives_the_terminal_back() {
    let scene = Scene::start("live-rank0", "{bin} lesson ring --paused");
    scene.wait_up(4, true);
    kill(scene.rank(0), libc::SIGKILL);
    let (code, screen) = scene.ended();
    assert_ne!(code, 0);
    assert!(reason(&screen).starts_with("mpi-tutor: rank 0 was killed"));
}

/// SIGTERM and SIGHUP to the front end: the whole job ends, the exit code
/// is 128 + the signal, and the last line names it.
#[test]
fn a_signal_to_the_front_end_ends_the_whole_job() {
    for (signal, name) in [(libc::SIGTERM, "SIGTERM"), (libc::SIGHUP, "SIGHUP")] {
        let scene = Scene::start(&format!("front-{name}"), "{bin} lesson ring --paused");
        scene.wait_up(4, true);
        kill(scene.process_named("mpi-tutor"), signal);
        let (code, screen) = scene.ended();
        assert_eq!(code, 128 + signal);
        assert_eq!(reason(&screen), format!("mpi-tutor: stopped by {name}"));
    }
}

#[test]
fn mpiexec_killed_under_the_live_view_is_said() {
    let scene = Scene::start("mpiexec-kill", "{bin} lesson ring --paused");
    scene.wait_up(4, true);
    kill(scene.process_named("mpiexec"), libc::SIGKILL);
    let (code, screen) = scene.ended();
    assert_eq!(code, 128 + libc::SIGKILL);
    assert!(reason(&screen).starts_with("mpi-tutor: mpiexec was killed (SIGKILL)"));
}

/// Under a bare mpiexec the guardian gives the terminal back and names the
/// rank, after mpiexec's own report (MPICH's "BAD TERMINATION" block, Open
/// MPI's "mpiexec noticed ..."): the last line on the screen.
#[test]
fn a_rank_killed_under_a_bare_mpiexec_is_named_last() {
    for (name, flags) in [
        ("bare-rank", "--paused"),
        ("bare-headless", "--headless --speed 4 --iterations 50"),
    ] {
        let command = format!("{{mpiexec}} -n 4 {{bin}} lesson ring {flags}");
        let scene = Scene::start(name, &command);
        scene.wait_up(4, flags == "--paused");
        kill(scene.rank(2), libc::SIGKILL);
        let (code, screen) = scene.ended();
        assert_ne!(code, 0);
        let last = screen.lines().rev().find(|l| !l.trim().is_empty());
        let last = last.unwrap_or_default();
        assert!(
            last.starts_with("mpi-tutor: rank 2 was killed"),
            "the last line does not name rank 2:\n{screen}"
        );
    }
}

#[test]
fn timeout_of_the_whole_command_gives_the_terminal_back() {
    let scene = Scene::start("timeout", "timeout 6 {bin} lesson ring --paused");
    scene.wait_up(4, true);
    let (code, screen) = scene.ended();
    assert_eq!(code, 124, "timeout's own code");
    assert_eq!(reason(&screen), "mpi-tutor: stopped by SIGTERM");
}

/// Headless, a rank killed at a random moment is named, and the recording
/// keeps every event that reached rank 0.
#[test]
fn a_random_rank_killed_headless_is_named_and_the_recording_replays() {
    let mut dice = Dice::new("headless random rank");
    let scene = Scene::start(
        "headless-rank",
        "{bin} lesson ring --headless --speed 4 --iterations 20 --record {dir}/run.jsonl",
    );
    scene.wait_up(4, false);
    std::thread::sleep(Duration::from_millis(200 + 200 * dice.below(5)));
    let victim = 1 + dice.below(3) as u32;
    kill(scene.rank(victim), libc::SIGKILL);
    let (code, screen) = scene.ended();
    assert_ne!(code, 0);
    let line = reason(&screen);
    assert!(
        line.starts_with(&format!("mpi-tutor: rank {victim} was killed")),
        "{line}"
    );
    let trace = common::read(&scene.trace());
    assert!(!trace.events.is_empty(), "the recording replays");
}

/// Under `timeout` mpiexec runs in a background process group: MPICH's
/// ends rank 0's stdin, Open MPI's forwards nothing (rank 0 shares its
/// session). Either way the keys still reach the view (read from the
/// terminal itself), `q` included.
#[test]
fn keys_reach_the_view_when_stdin_ends() {
    let scene = Scene::start(
        "keys-timeout",
        "timeout -k 3 60 {mpiexec} -n 4 {bin} lesson ring --paused",
    );
    scene.wait_up(4, true);
    scene.term.keys(&["n"]);
    scene
        .term
        .wait_for("a step", LIMIT, |s| s.contains("STEPPING"));
    scene.term.keys(&["q"]);
    let (code, screen) = scene.ended();
    assert_eq!(code, 0, "{screen}");
}
