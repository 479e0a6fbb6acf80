//! The run's settings, as the ranks' mpi-tutor hands them to the program's
//! hooks through the environment.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::cli::WatchArgs;

/// The environment variable that carries a [`WatchConfig`] (JSON).
pub const CONFIG_ENV: &str = "MPI_TUTOR_WATCH";

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct WatchConfig {
    /// The program's file, as found.
    pub program: PathBuf,
    /// How the run is named: the program as typed (`./ring`).
    pub name: String,
    pub headless: bool,
    pub record: Option<PathBuf>,
    pub speed: Option<f64>,
    pub fast: bool,
    pub paused: bool,
    pub exit_when_done: bool,
    /// The hooks preview no values (`--no-values`).
    #[serde(default)]
    pub no_values: bool,
    /// Every standard send is done as a synchronous one (`--sync-sends`).
    #[serde(default)]
    pub sync_sends: bool,
    /// `--silence-limit`, if given.
    #[serde(default)]
    pub silence_limit: Option<u64>,
}

impl WatchConfig {
    pub fn from_args(args: &WatchArgs, program: &Path) -> WatchConfig {
        // As typed when it is a path (`./ring`), else the full path: a
        // name with a slash is never taken for a built-in lesson's.
        let typed = &args.command[0];
        let name = if typed.contains('/') {
            typed.clone()
        } else {
            program.display().to_string()
        };
        WatchConfig {
            program: program.to_path_buf(),
            name,
            headless: args.show.headless,
            record: args.show.record.clone(),
            speed: args.show.speed,
            fast: args.show.fast,
            paused: args.show.paused,
            exit_when_done: args.exit_when_done,
            no_values: args.show.no_values,
            sync_sends: args.show.sync_sends,
            silence_limit: args.show.silence_limit,
        }
    }

    pub fn to_env(&self) -> String {
        serde_json::to_string(self).unwrap_or_default()
    }

    /// The settings this process was started with, if it is a watched
    /// program's rank.
    pub fn from_env() -> Option<WatchConfig> {
        serde_json::from_str(&std::env::var(CONFIG_ENV).ok()?).ok()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_settings_survive_the_environment() {
        let config = WatchConfig {
            program: "/tmp/ring".into(),
            name: "ring".into(),
            headless: true,
            record: Some("run.jsonl".into()),
            speed: Some(4.0),
            fast: false,
            paused: true,
            exit_when_done: false,
            no_values: true,
            sync_sends: true,
            silence_limit: Some(5),
        };
        let back: WatchConfig = serde_json::from_str(&config.to_env()).unwrap();
        assert_eq!(back, config);
    }
}
