//! The arguments every rank gets, as mpiexec must pass them on.

use crate::cli::{LessonArgs, ShowArgs};

/// The show flags (and `--exit-when-done`) as every rank must get them,
/// for `lesson` and `watch` alike.
pub(crate) fn forwarded_show(show: &ShowArgs, exit_when_done: bool) -> Vec<String> {
    let flags = [
        (show.headless, "--headless"),
        (show.fast, "--fast"),
        (show.paused, "--paused"),
        (show.no_values, "--no-values"),
        (show.sync_sends, "--sync-sends"),
        (exit_when_done, "--exit-when-done"),
    ];
    let mut v: Vec<String> = flags
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, f)| f.to_string())
        .collect();
    if let Some(p) = &show.record {
        v.extend(["--record".to_string(), p.display().to_string()]);
    }
    if let Some(speed) = show.speed {
        v.extend(["--speed".to_string(), speed.to_string()]);
    }
    if let Some(secs) = show.silence_limit {
        v.extend(["--silence-limit".to_string(), secs.to_string()]);
    }
    v
}

/// The lesson's arguments as they must reach every rank.
pub(super) fn forwarded(args: &LessonArgs) -> Vec<String> {
    let mut v = vec!["lesson".to_string(), args.name.clone()];
    v.extend(forwarded_show(&args.show, args.exit_when_done));
    let numbers = [
        ("--size", args.size.map(|s| s.to_string())),
        ("--iterations", args.iterations.map(|s| s.to_string())),
        ("--variant", args.variant.clone()),
    ];
    for (flag, value) in numbers {
        if let Some(value) = value {
            v.extend([flag.to_string(), value]);
        }
    }
    v
}
