//! The hosts a run's ranks are placed on, as the teacher gives them
//! (`--hosts h1:2,h2:2` or `--hostfile FILE`), and as the launcher in use
//! takes them: MPICH's hydra `-hosts h1:2,h2:2`, Open MPI's
//! `--host h1:2,h2:2`. A hostfile may be written either MPI's way
//! (`h1:2` or `h1 slots=2`, a line each); it is read here and passed on as
//! a list, so either form works under either MPI.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::str::FromStr;

/// One host and how many ranks it takes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostEntry {
    pub name: String,
    pub slots: u32,
}

/// The hosts in the order given: rank 0 goes on the first.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HostList {
    entries: Vec<HostEntry>,
}

/// Why a host list or a hostfile cannot be used.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum HostsError {
    #[error("'{0}' has no host name before ':' (write HOST:SLOTS, as h1:2)")]
    NoName(String),
    #[error("an empty entry in the host list (write h1:2,h2:2)")]
    EmptyEntry,
    #[error("'{0}': a host takes at least one rank (write HOST:SLOTS with SLOTS 1 or more)")]
    NoSlots(String),
    #[error("'{0}': SLOTS must be a whole number (write HOST:SLOTS, as h1:2)")]
    BadSlots(String),
    #[error("hostfile {path}: cannot read it: {reason}")]
    Unreadable { path: String, reason: String },
    #[error("hostfile {path} names no host (write one a line: h1:2 or h1 slots=2)")]
    NoHosts { path: String },
    #[error("hostfile {path}, line {line}: {problem}")]
    BadLine {
        path: String,
        line: usize,
        problem: Box<HostsError>,
    },
    #[error("hostfile {path}, line {line}: '{word}' is not understood (write h1:2 or h1 slots=2)")]
    UnknownWord {
        path: String,
        line: usize,
        word: String,
    },
}

/// How a launcher is told where its ranks go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LauncherKind {
    /// MPICH's hydra (also Intel MPI's and MVAPICH's): `-hosts`.
    Hydra,
    /// Open MPI's mpirun: `--host`.
    OpenMpi,
}

impl HostList {
    pub fn entries(&self) -> &[HostEntry] {
        &self.entries
    }

    /// The host rank 0 runs on.
    pub fn first_host(&self) -> &str {
        &self.entries[0].name
    }

    /// The ranks the hosts take together: the job's size when `-n` is not
    /// given.
    pub fn ranks(&self) -> u32 {
        self.entries.iter().map(|e| e.slots).sum()
    }

    /// `h1:2,h2:2`: the form both launchers take.
    pub fn joined(&self) -> String {
        let each: Vec<String> = self
            .entries
            .iter()
            .map(|e| format!("{}:{}", e.name, e.slots))
            .collect();
        each.join(",")
    }

    /// The launcher's flags that place the ranks on these hosts.
    pub fn launcher_args(&self, kind: LauncherKind) -> Vec<String> {
        let flag = match kind {
            LauncherKind::Hydra => "-hosts",
            LauncherKind::OpenMpi => "--host",
        };
        vec![flag.to_string(), self.joined()]
    }

    /// Reads a hostfile: a host a line, as `h1`, `h1:2` or `h1 slots=2`;
    /// `#` starts a comment.
    pub fn from_file(path: &Path) -> Result<HostList, HostsError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| HostsError::Unreadable {
            path: shown.clone(),
            reason: e.to_string(),
        })?;
        let mut entries = Vec::new();
        for (index, line) in text.lines().enumerate() {
            let words = line.split('#').next().unwrap_or("");
            if let Some(entry) = file_line(words, &shown, index + 1)? {
                entries.push(entry);
            }
        }
        if entries.is_empty() {
            return Err(HostsError::NoHosts { path: shown });
        }
        Ok(HostList { entries })
    }
}

/// One hostfile line's host, if it has one.
fn file_line(words: &str, path: &str, line: usize) -> Result<Option<HostEntry>, HostsError> {
    let mut words = words.split_whitespace();
    let Some(first) = words.next() else {
        return Ok(None);
    };
    let at_line = |problem| HostsError::BadLine {
        path: path.to_string(),
        line,
        problem: Box::new(problem),
    };
    let mut entry = entry(first).map_err(at_line)?;
    for word in words {
        match word.strip_prefix("slots=") {
            Some(count) => entry.slots = slots(count, word).map_err(at_line)?,
            None => {
                return Err(HostsError::UnknownWord {
                    path: path.to_string(),
                    line,
                    word: word.to_string(),
                })
            }
        }
    }
    Ok(Some(entry))
}

/// `h1` (one slot) or `h1:2`.
fn entry(text: &str) -> Result<HostEntry, HostsError> {
    let (name, count) = match text.split_once(':') {
        Some((name, count)) => (name, Some(count)),
        None => (text, None),
    };
    if name.is_empty() {
        return Err(if text.is_empty() {
            HostsError::EmptyEntry
        } else {
            HostsError::NoName(text.to_string())
        });
    }
    let slots = count.map_or(Ok(1), |count| slots(count, text))?;
    Ok(HostEntry {
        name: name.to_string(),
        slots,
    })
}

/// A slot count, 1 or more; `whole` is what to name in an error.
fn slots(count: &str, whole: &str) -> Result<u32, HostsError> {
    match count.parse::<u32>() {
        Ok(0) => Err(HostsError::NoSlots(whole.to_string())),
        Ok(n) => Ok(n),
        Err(_) => Err(HostsError::BadSlots(whole.to_string())),
    }
}

/// `h1:2,h2:2` as typed after `--hosts`.
impl FromStr for HostList {
    type Err = HostsError;

    fn from_str(text: &str) -> Result<HostList, HostsError> {
        let entries = text
            .split(',')
            .map(|part| entry(part.trim()))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(HostList { entries })
    }
}

/// The hosts as given on the command line: a list, or a file to read.
pub fn given(
    list: Option<&HostList>,
    file: Option<&PathBuf>,
) -> Result<Option<HostList>, HostsError> {
    match (list, file) {
        (Some(list), _) => Ok(Some(list.clone())),
        (None, Some(path)) => HostList::from_file(path).map(Some),
        (None, None) => Ok(None),
    }
}

/// The job's rank count: `-n` if given, else what the hosts take, else
/// `default`.
pub fn rank_count(given: Option<u32>, hosts: Option<&HostList>, default: u32) -> u32 {
    given.or(hosts.map(HostList::ranks)).unwrap_or(default)
}

/// The flags that place a job's ranks on `hosts` for `launcher` (none
/// without hosts: the launcher then places them itself).
pub fn launcher_args(launcher: &str, hosts: Option<&HostList>) -> Vec<String> {
    hosts.map_or_else(Vec::new, |hosts| {
        hosts.launcher_args(launcher_kind(launcher))
    })
}

/// Which launcher `launcher` is, by what its `--version` says: Open MPI's
/// names itself; anything else is taken for hydra, the most common.
pub fn launcher_kind(launcher: &str) -> LauncherKind {
    let said = Command::new(launcher)
        .arg("--version")
        .output()
        .map(|out| String::from_utf8_lossy(&out.stdout).into_owned())
        .unwrap_or_default();
    if ["OpenRTE", "Open MPI", "open-mpi.org"]
        .iter()
        .any(|name| said.contains(name))
    {
        LauncherKind::OpenMpi
    } else {
        LauncherKind::Hydra
    }
}

#[cfg(test)]
mod tests;
