//! A real terminal for tests: a private tmux server, a window of a fixed
//! size, keys typed with send-keys and the screen read with capture-pane.
#![allow(dead_code)]

use std::process::Command;
use std::time::{Duration, Instant};

pub struct Tmux {
    socket: String,
}

impl Tmux {
    /// Starts `shell_command` in a new `width` x `height` terminal.
    pub fn start(name: &str, width: u16, height: u16, shell_command: &str) -> Tmux {
        let t = Tmux {
            socket: format!("mpi-tutor-test-{name}-{}", std::process::id()),
        };
        let ok = t
            .cmd()
            .args(["new-session", "-d", "-s", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .arg(shell_command)
            .status()
            .expect("tmux is installed (make test installs it)")
            .success();
        assert!(ok, "tmux could not start");
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.args(["-L", &self.socket]);
        c
    }

    pub fn screen(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-t", "t"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    pub fn keys(&self, keys: &[&str]) {
        let ok = self
            .cmd()
            .args(["send-keys", "-t", "t"])
            .args(keys)
            .status()
            .unwrap()
            .success();
        assert!(ok, "send-keys failed");
    }

    /// Waits until the screen satisfies `test`; panics with the screen if
    /// it does not within `limit`.
    pub fn wait_for(&self, what: &str, limit: Duration, test: impl Fn(&str) -> bool) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if test(&s) {
                return s;
            }
            assert!(
                start.elapsed() < limit,
                "timed out waiting for {what}; the screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Tmux {
    fn drop(&mut self) {
        let _ = self.cmd().arg("kill-server").status();
    }
}

/// Processes whose command line contains `marker`.
pub fn processes_with(marker: &str) -> Vec<String> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        if !entry
            .file_name()
            .to_string_lossy()
            .chars()
            .all(|c| c.is_ascii_digit())
        {
            continue;
        }
        let Ok(cmdline) = std::fs::read(entry.path().join("cmdline")) else {
            continue;
        };
        let cmdline = String::from_utf8_lossy(&cmdline).replace('\0', " ");
        if cmdline.contains(marker) && !cmdline.contains("tmux") {
            v.push(cmdline);
        }
    }
    v
}

impl Tmux {
    /// A tmux format about the pane: `#{alternate_on} #{cursor_flag}`.
    pub fn display(&self, format: &str) -> String {
        let out = self
            .cmd()
            .args(["display-message", "-p", "-t", "t", format])
            .output()
            .expect("display-message");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

impl Tmux {
    /// Resizes the terminal to `width` x `height` (its programs get
    /// SIGWINCH).
    pub fn resize(&self, width: u16, height: u16) {
        let ok = self
            .cmd()
            .args(["resize-window", "-t", "t", "-x"])
            .arg(width.to_string())
            .arg("-y")
            .arg(height.to_string())
            .status()
            .expect("resize-window")
            .success();
        assert!(ok, "tmux could not resize the window");
    }
}

impl Tmux {
    /// The screen with every line that scrolled off its top before it.
    pub fn history(&self) -> String {
        let out = self
            .cmd()
            .args(["capture-pane", "-p", "-S", "-", "-t", "t"])
            .output()
            .expect("capture-pane");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

/// The children of `parent` whose command line contains `marker`.
pub fn children_with(parent: i32, marker: &str) -> Vec<i32> {
    let mut v = Vec::new();
    for entry in std::fs::read_dir("/proc").unwrap().flatten() {
        let Ok(pid) = entry.file_name().to_string_lossy().parse::<i32>() else {
            continue;
        };
        let stat = std::fs::read_to_string(entry.path().join("stat")).unwrap_or_default();
        let after_name = stat.rfind(')').map_or("", |i| &stat[i + 2..]);
        let ppid = after_name.split_whitespace().nth(1);
        if ppid != Some(&parent.to_string()) {
            continue;
        }
        let cmdline = std::fs::read(entry.path().join("cmdline")).unwrap_or_default();
        if String::from_utf8_lossy(&cmdline)
            .replace('\0', " ")
            .contains(marker)
        {
            v.push(pid);
        }
    }
    v
}
