//! The variables the ranks on other hosts must get, named to Open MPI.

use std::process::Command;

use super::TTY_ENV;
use crate::term::guardian::LAST_WORDS_ENV;
use crate::term::relay;

/// The variables the launcher sets for the ranks. MPICH's hydra passes
/// every variable to every host; Open MPI passes its own (`OMPI_*`) only,
/// and these when named in `mca_base_env_list`.
pub(super) const FOR_EVERY_HOST: [&str; 4] =
    [TTY_ENV, LAST_WORDS_ENV, relay::RELAY_ENV, relay::HOST_ENV];

/// Open MPI's list of variables passed to ranks on other hosts.
const LIST: &str = "OMPI_MCA_mca_base_env_list";

/// Open MPI's list of variables passed to ranks on other hosts, with
/// `names` added to whatever it held.
pub(super) fn pass_to_other_hosts(cmd: &mut Command, names: &[&str]) {
    let mut list = list_so_far(cmd);
    for name in names {
        if !list.iter().any(|n| n == name) && cmd.get_envs().any(|(k, v)| k == *name && v.is_some())
        {
            list.push(name.to_string());
        }
    }
    if !list.is_empty() {
        cmd.env(LIST, list.join(";"));
    }
}

/// Sets `settings` for the ranks of the Open MPI job this process starts
/// next, on every host, as `NAME=VALUE` entries of Open MPI's list in our
/// own environment (mpiexec inherits it; it sets them for the ranks only,
/// as `-x NAME=VALUE` would: Open MPI refuses `-x` beside the list, which
/// [`pass_to_other_hosts`] sets). False, and nothing set, where an entry
/// could not be read back (a value holding the separator, or a separator
/// of the user's own).
pub(crate) fn set_for_open_mpi_ranks(settings: &[(String, String)]) -> bool {
    if std::env::var_os(SEPARATOR).is_some() {
        return false;
    }
    match list_with(std::env::var(LIST).ok(), settings) {
        Some(list) => {
            std::env::set_var(LIST, list);
            true
        }
        None => false,
    }
}

/// The list `so_far` with `settings` as `NAME=VALUE` entries in place of
/// any of the same names; None where an entry would not read back.
fn list_with(so_far: Option<String>, settings: &[(String, String)]) -> Option<String> {
    let readable = settings
        .iter()
        .all(|(name, value)| !name.contains([';', '=']) && !value.contains(';'));
    if !readable {
        return None;
    }
    let mut list: Vec<String> = so_far
        .iter()
        .flat_map(|v| v.split(';'))
        .filter(|s| !s.is_empty())
        .map(String::from)
        .collect();
    for (name, value) in settings {
        list.retain(|entry| entry.split('=').next() != Some(name.as_str()));
        list.push(format!("{name}={value}"));
    }
    Some(list.join(";"))
}

/// The variable that changes the list's separator from `;`.
const SEPARATOR: &str = "OMPI_MCA_mca_base_env_list_sep";

/// The list as set on `cmd`, else as in our own environment.
fn list_so_far(cmd: &Command) -> Vec<String> {
    let set = cmd
        .get_envs()
        .find(|(k, _)| *k == LIST)
        .and_then(|(_, v)| v);
    set.map(|v| v.to_string_lossy().into_owned())
        .or_else(|| std::env::var(LIST).ok())
        .map(|v| {
            v.split(';')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env_list(cmd: &Command) -> Option<String> {
        cmd.get_envs()
            .find(|(k, _)| *k == LIST)
            .and_then(|(_, v)| Some(v?.to_string_lossy().into_owned()))
    }

    #[test]
    fn values_for_the_ranks_join_the_list_in_place_of_their_names() {
        let settings = |pairs: &[(&str, &str)]| -> Vec<(String, String)> {
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect()
        };
        let given = settings(&[("LD_PRELOAD", "/a/hooks.so:/b.so"), ("W", "{\"x\": 1}")]);
        assert_eq!(
            list_with(Some("PATH;LD_PRELOAD=/old.so;".into()), &given).as_deref(),
            Some("PATH;LD_PRELOAD=/a/hooks.so:/b.so;W={\"x\": 1}")
        );
        assert_eq!(
            list_with(None, &given[1..]).as_deref(),
            Some("W={\"x\": 1}")
        );
        // A `;` would split the value into two entries.
        assert_eq!(list_with(None, &settings(&[("W", "a;b")])), None);
    }

    #[test]
    fn open_mpi_is_told_to_pass_the_variables_set_for_the_ranks() {
        let mut cmd = Command::new("mpiexec");
        cmd.env("OMPI_MCA_mca_base_env_list", "PATH;HOME")
            .env(TTY_ENV, "/dev/pts/3")
            .env(relay::HOST_ENV, "h0");
        pass_to_other_hosts(&mut cmd, &FOR_EVERY_HOST);
        // Kept what was there; added only what is set, once.
        assert_eq!(
            env_list(&cmd).as_deref(),
            Some("PATH;HOME;MPI_TUTOR_TTY;MPI_TUTOR_HOST")
        );
        pass_to_other_hosts(&mut cmd, &FOR_EVERY_HOST);
        assert_eq!(
            env_list(&cmd).as_deref(),
            Some("PATH;HOME;MPI_TUTOR_TTY;MPI_TUTOR_HOST")
        );
    }
}
