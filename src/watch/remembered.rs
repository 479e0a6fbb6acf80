//! Where an interpreter's mpi4py is, remembered between runs. Finding it
//! starts the interpreter (~15 ms here, before mpiexec may start), which
//! a class re-running the same script pays every time. The answer is kept
//! with the state of every file it depends on and used only while none of
//! them changed: the interpreter, its virtual environment's settings, the
//! extension itself, each directory Python searches for an `mpi4py`
//! package, and the site directories a `pip install` writes to.

use std::path::{Path, PathBuf};
use std::time::SystemTime;

use serde::{Deserialize, Serialize};

/// Answers kept; the oldest go first.
const KEPT: usize = 16;

/// A file's state: when it last changed, or None if it does not exist.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Stamp {
    path: PathBuf,
    modified: Option<SystemTime>,
}

impl Stamp {
    fn of(path: PathBuf) -> Stamp {
        let modified = std::fs::metadata(&path).and_then(|m| m.modified()).ok();
        Stamp { path, modified }
    }

    fn still_holds(&self) -> bool {
        Stamp::of(self.path.clone()) == *self
    }
}

/// One interpreter's answer and what it depended on.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Answer {
    asked: String,
    extension: PathBuf,
    stamps: Vec<Stamp>,
}

/// What Python was asked and how: the same question in another directory
/// or environment may have another answer.
pub fn question(program: &Path, typed: &Path) -> String {
    let cwd = std::env::current_dir().unwrap_or_default();
    let mut asked = format!(
        "{}\n{}\n{}",
        program.display(),
        typed.display(),
        cwd.display()
    );
    for name in [
        "PYTHONPATH",
        "PYTHONHOME",
        "PYTHONNOUSERSITE",
        "PYTHONUSERBASE",
        "PYTHONSAFEPATH",
    ] {
        let value = std::env::var(name).unwrap_or_default();
        asked.push_str(&format!("\n{name}={value}"));
    }
    asked
}

/// The extension found for `asked` before, if nothing it depends on has
/// changed since.
pub fn recall(asked: &str) -> Option<PathBuf> {
    recall_in(&cache_file()?, asked)
}

fn recall_in(file: &Path, asked: &str) -> Option<PathBuf> {
    let answers = read_answers(file)?;
    let answer = answers.into_iter().find(|a| a.asked == asked)?;
    answer
        .stamps
        .iter()
        .all(Stamp::still_holds)
        .then_some(answer.extension)
}

/// Keeps `extension` as the answer to `asked`, stamping `depends_on`.
/// Best effort: a cache that cannot be written is only slower.
pub fn remember(asked: &str, extension: &Path, depends_on: Vec<PathBuf>) {
    if let Some(file) = cache_file() {
        remember_in(&file, asked, extension, depends_on);
    }
}

fn remember_in(file: &Path, asked: &str, extension: &Path, depends_on: Vec<PathBuf>) {
    let mut answers = read_answers(file).unwrap_or_default();
    answers.retain(|a| a.asked != asked);
    answers.push(Answer {
        asked: asked.to_string(),
        extension: extension.to_path_buf(),
        stamps: depends_on.into_iter().map(Stamp::of).collect(),
    });
    let excess = answers.len().saturating_sub(KEPT);
    answers.drain(..excess);
    let Ok(text) = serde_json::to_string(&answers) else {
        return;
    };
    if let Some(dir) = file.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    // Written whole then renamed: two runs at once never leave half a file.
    let partial = file.with_extension(format!("{}.partial", std::process::id()));
    if std::fs::write(&partial, text).is_ok() {
        let _ = std::fs::rename(&partial, file);
    }
}

/// The files an answer depends on, from what the interpreter printed
/// after the extension's path: its search path and site directories.
pub fn depends_on(
    program: &Path,
    typed: &Path,
    extension: &Path,
    searched: &[&str],
) -> Vec<PathBuf> {
    let mut files = vec![program.to_path_buf(), extension.to_path_buf()];
    // A virtual environment's settings, beside or above its `bin/`.
    if let Some(bin) = typed.parent() {
        files.push(bin.join("pyvenv.cfg"));
        files.extend(bin.parent().map(|env| env.join("pyvenv.cfg")));
    }
    let cwd = std::env::current_dir().unwrap_or_default();
    for line in searched {
        // Anything else the interpreter printed (a sitecustomize's words)
        // is not ours: only `p` and `s` lines count.
        let Some((kind @ ("p" | "s"), dir)) = line.split_at_checked(1) else {
            continue;
        };
        let dir = if dir.is_empty() {
            cwd.clone()
        } else {
            PathBuf::from(dir)
        };
        match kind {
            // Where `import mpi4py` looks: an mpi4py appearing or
            // changing there changes the answer.
            "p" => files.push(dir.join("mpi4py")),
            // Where packages are installed: any install changes it.
            _ => files.push(dir),
        }
    }
    files
}

fn read_answers(file: &Path) -> Option<Vec<Answer>> {
    let text = std::fs::read_to_string(file).ok()?;
    serde_json::from_str(&text).ok()
}

/// `$XDG_CACHE_HOME/mpi-tutor/mpi4py.json`, else under `~/.cache`.
fn cache_file() -> Option<PathBuf> {
    let base = std::env::var_os("XDG_CACHE_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| Some(PathBuf::from(std::env::var_os("HOME")?).join(".cache")))?;
    Some(base.join("mpi-tutor").join("mpi4py.json"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_answer_holds_until_a_file_it_depends_on_changes() {
        let dir = std::env::temp_dir().join(format!("mpi-tutor-remembered-{}", std::process::id()));
        let file = dir.join("cache").join("mpi4py.json");
        let site = dir.join("site");
        std::fs::create_dir_all(&site).unwrap();
        let extension = site.join("MPI.so");
        std::fs::write(&extension, "one").unwrap();
        let depends_on = vec![extension.clone(), site.join("mpi4py")];
        remember_in(&file, "python3 here", &extension, depends_on);
        assert_eq!(recall_in(&file, "python3 here"), Some(extension.clone()));
        assert_eq!(recall_in(&file, "python3 elsewhere"), None);
        // An mpi4py appearing where Python looks first is another answer.
        std::fs::create_dir_all(site.join("mpi4py")).unwrap();
        assert_eq!(recall_in(&file, "python3 here"), None);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn an_answer_depends_on_where_python_looks_and_installs_and_nothing_else() {
        let printed = ["p/lib/python3.11", "s/site", "", "hello from sitecustomize"];
        let files = depends_on(
            Path::new("/usr/bin/python3.11"),
            Path::new("/env/bin/python3"),
            Path::new("/site/mpi4py/MPI.so"),
            &printed,
        );
        let want: Vec<PathBuf> = [
            "/usr/bin/python3.11",
            "/site/mpi4py/MPI.so",
            "/env/bin/pyvenv.cfg",
            "/env/pyvenv.cfg",
            "/lib/python3.11/mpi4py",
            "/site",
        ]
        .iter()
        .map(PathBuf::from)
        .collect();
        assert_eq!(files, want);
    }
}
