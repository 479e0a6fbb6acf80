//! What must be true of a Python program's interpreter before it is
//! watched: it imports mpi4py, and that mpi4py is built for the MPI this
//! mpi-tutor is. Otherwise each rank ends before MPI starts, or, with the
//! other MPI's mpi4py, dies of two MPI libraries in one process without a
//! word: both are refused here in one line.

use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::check::{is_python, mpi_family, mpi_library_of, our_mpi_library};
use super::remembered;
use crate::error::Error;

/// Where the interpreter's mpi4py extension is, found without importing it
/// (importing it would start MPI); then where Python looks for packages
/// (`p`) and installs them (`s`), which the answer depends on.
const FIND_EXTENSION: &str = "
import importlib.util as u, site, sys
s = u.find_spec('mpi4py.MPI')
print(s.origin if s else '')
for p in sys.path: print('p' + p)
try:
    for p in site.getsitepackages() + [site.getusersitepackages()]: print('s' + p)
except Exception:
    pass
";

/// Refuses a Python script that is not there, before any rank starts (each
/// interpreter would say so, then end without MPI); `args`: what follows
/// the interpreter on the command line. `-c`, `-m` and `-` name no file.
pub fn check_script(program: &Path, args: &[String]) -> Result<(), Error> {
    if !is_python(program) {
        return Ok(());
    }
    match script_in(args) {
        Some(script) if !Path::new(script).is_file() => {
            Err(Error::Usage(format!("{script}: no such Python script")))
        }
        _ => Ok(()),
    }
}

/// The script an interpreter's arguments run, if they name a file:
/// the first argument that is not an option or an option's value.
fn script_in(args: &[String]) -> Option<&str> {
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "-c" | "-m" | "-" => return None,
            // Options that take the next argument as their value.
            "-W" | "-X" | "--check-hash-based-pycs" => {
                args.next();
            }
            option if option.starts_with('-') => {}
            script => return Some(script),
        }
    }
    None
}

/// Refuses an interpreter without a usable mpi4py for this MPI; `typed`:
/// the interpreter as the command names it (a virtual environment's
/// `bin/python3` is the system's python started under that name).
pub fn check(program: &Path, typed: &str) -> Result<(), Error> {
    if !is_python(program) {
        return Ok(());
    }
    let python = Path::new(typed);
    let extension = extension_of(program, python)?;
    let Some(theirs) = mpi_library_of(&extension) else {
        // Linked some other way (a wheel's stub that loads MPI itself):
        // nothing to compare.
        return Ok(());
    };
    match our_mpi_library() {
        Some(ours) if mpi_family(&ours) != mpi_family(&theirs) => Err(Error::Usage(format!(
            "{}'s mpi4py uses {} ({theirs}) but this mpi-tutor was built for {} ({ours}): use a Python whose mpi4py is built for {} (README: \"Watch a Python program\")",
            python.display(),
            mpi_family(&theirs),
            mpi_family(&ours),
            mpi_family(&ours),
        ))),
        _ => Ok(()),
    }
}

/// The file of the interpreter's `mpi4py.MPI` extension: as found before
/// if nothing it depends on changed since, else asked of the interpreter.
fn extension_of(program: &Path, python: &Path) -> Result<PathBuf, Error> {
    let asked = remembered::question(program, python);
    if let Some(extension) = remembered::recall(&asked) {
        return Ok(extension);
    }
    let (extension, searched) = ask_for_extension(program, python)?;
    let searched: Vec<&str> = searched.lines().collect();
    let depends_on = remembered::depends_on(program, python, &extension, &searched);
    remembered::remember(&asked, &extension, depends_on);
    Ok(extension)
}

/// The extension's file as the interpreter finds it, started as the
/// watched program will be, and the rest of what it printed.
fn ask_for_extension(program: &Path, python: &Path) -> Result<(PathBuf, String), Error> {
    let cannot = || {
        Error::Usage(format!(
            "{} cannot import mpi4py: install mpi4py for this MPI (README: \"Watch a Python program\")",
            python.display()
        ))
    };
    let output = Command::new(program)
        .arg0(python)
        .args(["-c", FIND_EXTENSION])
        .output()
        .map_err(|e| Error::Usage(format!("cannot start {}: {e}", python.display())))?;
    let printed = String::from_utf8_lossy(&output.stdout);
    let (origin, searched) = printed.split_once('\n').unwrap_or((&printed, ""));
    if !output.status.success() || origin.trim().is_empty() {
        return Err(cannot());
    }
    Ok((PathBuf::from(origin.trim()), searched.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn script(args: &[&str]) -> Option<String> {
        let args: Vec<String> = args.iter().map(|a| a.to_string()).collect();
        script_in(&args).map(str::to_string)
    }

    #[test]
    fn the_script_is_the_first_argument_not_an_option() {
        assert_eq!(script(&["demo.py", "-n", "3"]), Some("demo.py".into()));
        assert_eq!(
            script(&["-u", "-W", "ignore", "demo.py"]),
            Some("demo.py".into())
        );
        assert_eq!(
            script(&["-X", "dev", "-B", "demo.py"]),
            Some("demo.py".into())
        );
        assert_eq!(
            script(&["-m", "mpi4py", "demo.py"]),
            None,
            "a module runs it"
        );
        assert_eq!(script(&["-c", "print(1)"]), None);
        assert_eq!(script(&["-"]), None);
        assert_eq!(script(&[]), None);
    }

    #[test]
    fn a_missing_script_is_refused_before_anything_starts() {
        let python = Path::new("/usr/bin/python3");
        let missing = ["gone.py".to_string()];
        let refused = check_script(python, &missing).unwrap_err();
        assert_eq!(refused.to_string(), "gone.py: no such Python script");
        assert_eq!(refused.exit_code(), 2);
        let here = [file!().to_string()];
        assert!(check_script(python, &here).is_ok(), "a file that is there");
        assert!(
            check_script(Path::new("./a.out"), &missing).is_ok(),
            "not Python"
        );
    }
}
