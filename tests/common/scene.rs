//! A command typed in a real terminal (tmux) and ended from outside, as
//! the fault-injection suites do: its processes tagged so that they can
//! be found (ranks run in sessions of their own), the terminal's settings
//! written down before and after, the job's processes found by role.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::tmux::Tmux;

/// How long a scene may take to start, or to end once hit.
pub const SCENE_LIMIT: Duration = Duration::from_secs(30);

pub const TAG_VAR: &str = "MPI_TUTOR_TEST_JOB";

/// A seeded choice, so that a failure can be repeated: the seed is
/// printed, and `MPI_TUTOR_FAULT_SEED` sets it.
pub struct Dice(u64);

impl Dice {
    pub fn new(test: &str) -> Dice {
        let seed = std::env::var("MPI_TUTOR_FAULT_SEED")
            .ok()
            .and_then(|s| s.parse().ok())
            .unwrap_or_else(|| {
                let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH);
                now.map_or(1, |d| d.as_nanos() as u64)
            });
        println!("{test}: MPI_TUTOR_FAULT_SEED={seed}");
        Dice(seed)
    }

    /// A number in `0..n`.
    pub fn below(&mut self, n: u64) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 33) % n
    }
}

/// A shell line run in a fresh terminal in `dir`, its processes tagged.
pub struct Scene {
    pub term: Tmux,
    tag: String,
    before: PathBuf,
    after: PathBuf,
}

/// How a scene's command ended.
pub struct Ended {
    pub code: i32,
    pub screen: String,
    /// From the fault to the shell's next line.
    pub took: Duration,
}

impl Scene {
    /// Runs `command` in `dir` in a 120 x 40 terminal; then its exit code
    /// and `stty -a` are written down, and the pane stays.
    pub fn start(name: &str, dir: &Path, command: &str) -> Scene {
        let tag = format!("fault-{name}-{}", std::process::id());
        let before = dir.join("stty-before.txt");
        let after = dir.join("stty-after.txt");
        let script = format!(
            "cd {d} && stty -a > {b}; {TAG_VAR}={tag} {command}; echo EXIT=$? > {a}.tmp; \
             stty -a >> {a}.tmp; mv {a}.tmp {a}; sleep 60",
            d = dir.display(),
            b = before.display(),
            a = after.display(),
        );
        let term = Tmux::start(name, 120, 40, &script);
        Scene {
            term,
            tag,
            before,
            after,
        }
    }

    /// Waits until `ranks` rank processes run.
    pub fn wait_for_ranks(&self, ranks: usize) {
        let start = Instant::now();
        while self.ranks().len() < ranks {
            assert!(
                start.elapsed() < SCENE_LIMIT,
                "the job did not start; the screen:\n{}",
                self.term.screen()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// (rank, pid) of the job's rank processes (not the terminal's
    /// guardian, forked from rank 0 with its environment).
    pub fn ranks(&self) -> Vec<(u32, i32)> {
        tagged(&self.tag)
            .into_iter()
            .filter(|(pid, _)| command_name(*pid) != "mpi-tutor-guard")
            .filter_map(|(pid, env)| Some((rank_in(&env)?, pid)))
            .collect()
    }

    /// The pid of `rank`'s process.
    pub fn rank(&self, rank: u32) -> i32 {
        let found = self.ranks().into_iter().find(|r| r.0 == rank);
        found.expect("the rank is running").1
    }

    /// The pid of the tagged process the shell started whose command
    /// name starts with `prefix` (the launcher: no rank of its own).
    pub fn front_end(&self, prefix: &str) -> i32 {
        let found = tagged(&self.tag)
            .into_iter()
            .find(|(pid, env)| command_name(*pid).starts_with(prefix) && rank_in(env).is_none());
        found.expect("the front end is running").0
    }

    /// The pid of the mpiexec that `front_end` started.
    pub fn mpiexec_of(&self, front_end: i32) -> i32 {
        let found = tagged(&self.tag)
            .into_iter()
            .find(|(pid, _)| parent_of(*pid) == Some(front_end));
        found.expect("mpiexec is running").0
    }

    /// Waits for the shell's next line, then checks what every fault must
    /// leave: the terminal's settings as they were (`stty -a`), the main
    /// screen with the cursor shown, nothing of the job running.
    pub fn ended(&self, since: Instant) -> Ended {
        while !self.after.exists() {
            assert!(
                since.elapsed() < SCENE_LIMIT,
                "the command did not end; the screen:\n{}",
                self.term.screen()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        let took = since.elapsed();
        let after = std::fs::read_to_string(&self.after).unwrap();
        let before = std::fs::read_to_string(&self.before).unwrap();
        let (exit, settings) = after.split_once('\n').unwrap();
        let screen = self.term.screen();
        assert_eq!(settings, before, "stty -a differs after the run:\n{screen}");
        let left = super::wait_gone(&self.tag, Duration::from_secs(3));
        assert!(left.is_empty(), "processes left running: {left:?}");
        let flags = self.term.display("#{alternate_on} #{cursor_flag}");
        assert_eq!(flags.trim(), "0 1", "alternate screen off, cursor shown");
        let code = exit.trim_start_matches("EXIT=").trim().parse().unwrap();
        Ended { code, screen, took }
    }
}

impl Ended {
    /// The last line on the screen that is not empty.
    pub fn last_line(&self) -> &str {
        let last = self.screen.lines().rev().find(|l| !l.trim().is_empty());
        last.unwrap_or_default()
    }
}

/// Sends `signal` to `pid`.
pub fn signal(pid: i32, signal: i32) {
    // SAFETY: kill takes plain integers and touches no memory of ours.
    unsafe { libc::kill(pid, signal) };
}

fn command_name(pid: i32) -> String {
    let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
    name.trim().to_string()
}

fn parent_of(pid: i32) -> Option<i32> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let after_name = &stat[stat.rfind(')')? + 2..];
    after_name.split_whitespace().nth(1)?.parse().ok()
}

/// The rank the launcher gave the process with environment `env`.
pub fn rank_in(env: &[u8]) -> Option<u32> {
    env.split(|&b| b == 0).find_map(|kv| {
        let kv = std::str::from_utf8(kv).ok()?;
        ["PMI_RANK=", "OMPI_COMM_WORLD_RANK="]
            .iter()
            .find_map(|v| kv.strip_prefix(v)?.parse().ok())
    })
}

/// (pid, environment) of the live processes tagged `tag`.
pub fn tagged(tag: &str) -> Vec<(i32, Vec<u8>)> {
    let want = format!("{TAG_VAR}={tag}");
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let Ok(env) = std::fs::read(format!("/proc/{pid}/environ")) else {
            continue;
        };
        if env.split(|&b| b == 0).any(|kv| kv == want.as_bytes()) {
            found.push((pid, env));
        }
    }
    found
}
