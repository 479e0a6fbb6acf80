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

use common::scene::{signal as kill, Dice};

const LIMIT: Duration = Duration::from_secs(30);

/// A lesson's command run in a fresh terminal (see [`common::scene::Scene`]),
/// in a directory of its own for its recording.
struct Scene {
    scene: common::scene::Scene,
    dir: tempfile::TempDir,
}

/// Its terminal, ranks and processes are the shared scene's.
impl std::ops::Deref for Scene {
    type Target = common::scene::Scene;

    fn deref(&self) -> &Self::Target {
        &self.scene
    }
}

impl Scene {
    /// Runs `command` (`{bin}`, `{mpiexec}` and `{dir}` filled in) in a
    /// terminal, then the exit code and `stty -a` are written down.
    fn start(name: &str, command: &str) -> Scene {
        let dir = tempfile::tempdir().unwrap();
        let command = command
            .replace("{bin}", common::bin())
            .replace("{mpiexec}", &common::mpiexec())
            .replace("{dir}", &dir.path().display().to_string());
        let scene = common::scene::Scene::start(name, dir.path(), &command);
        Scene { scene, dir }
    }

    fn trace(&self) -> std::path::PathBuf {
        self.dir.path().join("run.jsonl")
    }

    /// Waits for the job's ranks and the view (or the log) to be up.
    fn wait_up(&self, ranks: u32, live: bool) {
        self.wait_for_ranks(ranks as usize);
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

    /// The process started by the shell (the front end, or mpiexec).
    fn process_named(&self, prefix: &str) -> i32 {
        self.front_end(prefix)
    }

    /// The scene's end checks (terminal given back, nothing left); the
    /// exit code and the screen.
    fn ended(&self) -> (i32, String) {
        let ended = self.scene.ended(Instant::now());
        (ended.code, ended.screen)
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
