//! `mpi-tutor lesson send-recv` typed without mpiexec: start mpiexec
//! ourselves with the lesson's rank count, hand rank 0 our terminal, and
//! put the terminal back however the job ends.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use crate::cli::{LessonArgs, ShowArgs};
use crate::error::Error;
use crate::lessons::Lesson;
use crate::term::guardian::LAST_WORDS_ENV;
use crate::term::last_words::LastWords;
use crate::term::relay_front::RelayFront;
use crate::term::{relay, signals, tty};
use crate::trace::Outcome;

/// Environment variable naming the terminal rank 0 draws on.
pub const TTY_ENV: &str = "MPI_TUTOR_TTY";

/// Was this process started by an MPI launcher (MPICH's hydra, Open MPI)?
pub fn under_launcher() -> bool {
    [
        "PMI_RANK",
        "PMI_FD",
        "PMI_SIZE",
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_RANK",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// This process's rank as the launcher announced it, before MPI starts.
pub fn launcher_rank() -> Option<u32> {
    ["PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

/// A refusal before MPI starts: rank 0 says it, the others exit quietly,
/// but only after a moment: under Open MPI the first rank to exit non-zero
/// ends the job, and rank 0's line could be lost on the way to the screen.
pub fn refuse(message: &str) -> i32 {
    Error::Usage(message.to_string()).report()
}

/// Says `message` as one line if this is rank 0 (or not under a launcher);
/// any other rank waits a moment instead (see [`refuse`]).
pub fn say_once(message: &str) {
    if launcher_rank().unwrap_or(0) == 0 {
        eprintln!("mpi-tutor: {message}");
    } else {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}

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
fn forwarded(args: &LessonArgs) -> Vec<String> {
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
    if let Some(variant) = &args.variant {
        v.extend(["--variant".to_string(), variant.clone()]);
    }
    v
}

/// Starts mpiexec on this program with the lesson's arguments and waits for
/// the job; returns its exit code, having said any error.
pub fn relaunch(lesson: &Lesson, args: &LessonArgs) -> i32 {
    match launch(lesson, args) {
        Ok(()) => 0,
        Err(e) => e.report(),
    }
}

/// Starts mpiexec on this program with the lesson's arguments and waits for
/// the job. Rank 0 says how the run ended; a job that did not end well is
/// [`Error::JobEnded`] with the job's exit code.
pub fn launch(lesson: &Lesson, args: &LessonArgs) -> Result<(), Error> {
    let hosts = args.hosts.list()?;
    let ranks = crate::hosts::rank_count(args.ranks, hosts.as_ref(), lesson.default_ranks);
    check(lesson, args, ranks)?;
    run_job(
        ranks,
        forwarded(args),
        args.show.headless,
        args.show.record.as_deref(),
        hosts.as_ref(),
    )
}

/// Starts mpiexec (`$MPIEXEC`, else `mpiexec`) on `ranks` copies of this
/// program with the arguments `forwarded`, on `hosts` if given, handing
/// rank 0 the terminal unless `headless`, and waits for the job (see
/// [`job_ended`]).
pub(crate) fn run_job(
    ranks: u32,
    forwarded: Vec<String>,
    headless: bool,
    record: Option<&std::path::Path>,
    hosts: Option<&crate::hosts::HostList>,
) -> Result<(), Error> {
    let exe = std::env::current_exe().map_err(Error::OwnProgram)?;
    let launcher = std::env::var("MPIEXEC").unwrap_or_else(|_| "mpiexec".to_string());
    let mut cmd = Command::new(&launcher);
    cmd.arg("-n").arg(ranks.to_string());
    cmd.args(crate::hosts::launcher_args(&launcher, hosts));
    cmd.arg(&exe).args(forwarded);
    quiet_open_mpi(&mut cmd);
    cmd.env_remove(relay::RELAY_ENV);
    let terminal = if headless { None } else { tty::own_terminal() };
    // Rank 0 runs on the first host: elsewhere, it cannot open this
    // terminal, and the view is relayed.
    let elsewhere = hosts.is_some_and(|h| !relay::is_this_machine(h.first_host()));
    let handing = match terminal {
        None => Handing::Nothing,
        Some(path) if elsewhere || relay::asked() => {
            Handing::Relay(RelayFront::begin(&path).map_err(Error::Relay)?)
        }
        Some(path) => Handing::Terminal(path),
    };
    let status = run_keeping_terminal(&mut cmd, handing);
    match status {
        Ok(status) => job_ended(status, record),
        Err(source) if source.kind() == std::io::ErrorKind::NotFound => {
            Err(Error::LauncherMissing { launcher })
        }
        Err(source) => Err(Error::LauncherFailed { launcher, source }),
    }
}

/// The rank count and the parameters, checked before anything starts.
fn check(lesson: &Lesson, args: &LessonArgs, ranks: u32) -> Result<(), Error> {
    let given = crate::run::given_params(lesson, args).map_err(Error::Usage)?;
    lesson
        .check_ranks(ranks)
        .and_then(|()| lesson.params_on(given, ranks).map(|_| ()))
        .map_err(Error::Usage)
}

/// Harmless for MPICH; lets Open MPI run as root, put more ranks than
/// cores on a laptop, and leave the explaining to mpi-tutor (no banner
/// of its own after a rank's clear one-line error).
pub(crate) fn quiet_open_mpi(cmd: &mut Command) {
    cmd.env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
        .env("OMPI_MCA_orte_execute_quiet", "1");
}

/// How the teacher's terminal reaches rank 0's view.
pub(crate) enum Handing {
    /// No terminal: the log.
    Nothing,
    /// Rank 0 opens the terminal at this path (it runs on this host).
    Terminal(String),
    /// Rank 0 draws through mpiexec's relay; the launcher owns the
    /// terminal (rank 0 on another host, or asked for).
    Relay(RelayFront),
}

impl Handing {
    /// Tells mpiexec and the ranks how; the terminal's settings, to be
    /// put back after the job if rank 0 did not.
    fn prepare(&mut self, cmd: &mut Command) -> Option<tty::Saved> {
        cmd.env(relay::HOST_ENV, relay::this_host());
        match self {
            Handing::Nothing => None,
            Handing::Terminal(path) => {
                // Rank 0 opens this terminal itself and reads keys from
                // it; mpiexec must not read them first
                // (docs/mpi-and-terminal-facts.md), so its stdin is empty.
                cmd.env(TTY_ENV, &*path).stdin(Stdio::null());
                tty::Saved::capture(path)
            }
            Handing::Relay(front) => {
                front.prepare(cmd);
                None
            }
        }
    }

    /// mpiexec did not start: a relaying launcher gives the terminal back.
    fn give_back(self) {
        if let Handing::Relay(front) = self {
            front.give_back();
        }
    }
}

/// The variables the launcher sets for the ranks. MPICH's hydra passes
/// every variable to every host; Open MPI passes its own (`OMPI_*`) only,
/// and these when named in `mca_base_env_list`.
const FOR_EVERY_HOST: [&str; 4] = [TTY_ENV, LAST_WORDS_ENV, relay::RELAY_ENV, relay::HOST_ENV];

/// Open MPI's list of variables passed to ranks on other hosts, with
/// `names` added to whatever it held.
fn pass_to_other_hosts(cmd: &mut Command, names: &[&str]) {
    const LIST: &str = "OMPI_MCA_mca_base_env_list";
    let set = cmd
        .get_envs()
        .find(|(k, _)| *k == LIST)
        .and_then(|(_, v)| v);
    let mut list: Vec<String> = set
        .map(|v| v.to_string_lossy().into_owned())
        .or_else(|| std::env::var(LIST).ok())
        .map(|v| {
            v.split(';')
                .filter(|s| !s.is_empty())
                .map(String::from)
                .collect()
        })
        .unwrap_or_default();
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

/// How long the job has to end after a signal before it is killed.
const SIGNAL_GRACE: Duration = Duration::from_secs(1);

/// How long the job has to end once rank 0 has said its last words
/// (measured: under a second, unless a host is unreachable).
const END_BOUND: Duration = Duration::from_secs(10);

/// How the job ended: mpiexec's status, and the signal that stopped us
/// (or, see [`JobStatus::or_stop_said`], the ranks).
pub(crate) struct JobStatus {
    pub status: ExitStatus,
    pub signal: Option<i32>,
}

/// Runs the job to its end and puts `terminal` back as it was, however the
/// job ended; the run's last words (rank 0's or the guardian's) are said
/// last. A signal to us ends mpiexec and every rank (see [`stop_job`]).
pub(crate) fn run_keeping_terminal(
    cmd: &mut Command,
    mut handing: Handing,
) -> std::io::Result<JobStatus> {
    let saved = handing.prepare(cmd);
    let mut last_words = LastWords::create();
    if let Some(words) = &last_words {
        cmd.env(LAST_WORDS_ENV, words.path());
    }
    pass_to_other_hosts(cmd, &FOR_EVERY_HOST);
    signals::install();
    // SAFETY: prctl in the child before exec: if we die (even by SIGKILL)
    // mpiexec is told to end the job.
    unsafe {
        cmd.pre_exec(|| {
            libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGTERM);
            Ok(())
        });
    }
    let mut child = match cmd.spawn() {
        Ok(child) => child,
        Err(e) => {
            handing.give_back();
            return Err(e);
        }
    };
    let relayed = match handing {
        Handing::Relay(front) => Some(front.start(&mut child)?),
        _ => None,
    };
    // Rank 0 may have taken the terminal's foreground (Open MPI) and be
    // gone: putting the settings back from the background must not stop
    // us (we were seen stopped so under `timeout`).
    // SAFETY: ignoring a signal, in this process only (mpiexec is started).
    unsafe { libc::signal(libc::SIGTTOU, libc::SIG_IGN) };
    let result = wait_or_stop(&mut child, last_words.as_mut());
    if let Some(saved) = saved.filter(tty::Saved::changed) {
        saved.restore();
    }
    let relayed_words = relayed.map(|r| r.finish()).unwrap_or_default();
    let said = last_words.map(|words| words.collect()).unwrap_or_default() + &relayed_words;
    let result = result.map(|job| job.or_stop_said(&said));
    match &result {
        // The signal is why; what the ranks made of it follows from it.
        Ok(JobStatus {
            signal: Some(signal),
            ..
        }) => {
            let why = crate::view::words::stopped_by(&signals::signal_name(*signal));
            eprintln!("mpi-tutor: {why}");
        }
        Ok(JobStatus { status, .. }) if status.signal().is_some() => {
            let signal = signals::signal_name(status.signal().unwrap_or(0));
            eprintln!(
                "mpi-tutor: {}",
                crate::view::words::launcher_killed(&signal)
            );
        }
        Ok(JobStatus { status, .. }) if said.is_empty() && status.code().is_some_and(killed) => {
            let code = status.code().unwrap_or(1);
            let why = crate::view::words::ended_unexplained(code);
            eprintln!("mpi-tutor: {why}");
        }
        _ => eprint!("{said}"),
    }
    result
}

impl JobStatus {
    /// A job whose ranks say a signal stopped them (rank 0's `stopped by
    /// SIGTERM`) was stopped by it, though it never reached us: Open MPI's
    /// mpiexec, itself signalled, passes SIGTERM on to the ranks but exits
    /// 1 whatever the signal, so the words are all that tells why.
    fn or_stop_said(self, said: &str) -> JobStatus {
        if self.signal.is_some() || self.status.code().is_none() {
            return self;
        }
        let stops = [libc::SIGINT, libc::SIGTERM, libc::SIGHUP, libc::SIGQUIT];
        let named = stops.into_iter().find(|&signal| {
            let why = crate::view::words::stopped_by(&signals::signal_name(signal));
            said.trim_end() == format!("mpi-tutor: {why}")
        });
        JobStatus {
            signal: named,
            ..self
        }
    }
}

/// Whether mpiexec's exit code says a rank was killed by a signal
/// (hydra exits with the signal's number, Open MPI with 128 + it), as
/// opposed to a code a rank chose (mpi-tutor's own, a watched program's).
fn killed(code: i32) -> bool {
    let signal = if code > 128 { code - 128 } else { code };
    [libc::SIGKILL, libc::SIGSEGV, libc::SIGTERM, libc::SIGBUS].contains(&signal)
}

/// Waits for mpiexec; on a signal, ends the job and says so. A job whose
/// last words have been said but that does not end (mpiexec waiting for a
/// host it cannot reach) is ended after [`END_BOUND`], failed.
fn wait_or_stop(
    child: &mut Child,
    mut last_words: Option<&mut LastWords>,
) -> std::io::Result<JobStatus> {
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(JobStatus {
                status,
                signal: None,
            });
        }
        let said = last_words.as_mut().and_then(|words| words.said_since());
        if said.is_some_and(|since| since > END_BOUND) {
            stop_job(child, libc::SIGTERM)?;
            return Ok(JobStatus {
                status: ExitStatus::from_raw(1 << 8),
                signal: None,
            });
        }
        if let Some(signal) = signals::caught() {
            let status = stop_job(child, signal)?;
            return Ok(JobStatus {
                status,
                signal: Some(signal),
            });
        }
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Passes `signal` on to mpiexec, which ends its ranks (rank 0 first puts
/// the terminal back); what is left after a moment is killed.
fn stop_job(child: &mut Child, signal: i32) -> std::io::Result<ExitStatus> {
    let job = descendants(child.id());
    // SAFETY: signalling the child we started.
    unsafe { libc::kill(child.id() as libc::pid_t, signal) };
    let deadline = Instant::now() + SIGNAL_GRACE;
    while Instant::now() < deadline {
        if let Some(status) = child.try_wait()? {
            kill_all(&job);
            return Ok(status);
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    kill_all(&descendants(child.id()));
    kill_all(&job);
    let _ = child.kill();
    child.wait()
}

fn kill_all(pids: &[i32]) {
    for &pid in pids {
        // SAFETY: signalling a process of the job we started.
        unsafe { libc::kill(pid, libc::SIGKILL) };
    }
}

/// Every process under `root`, found through /proc.
fn descendants(root: u32) -> Vec<i32> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    let parents: Vec<(i32, i32)> = entries
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter_map(|pid| Some((pid, crate::term::vigil::parent_of(pid)?)))
        .collect();
    let mut found = vec![root as i32];
    let mut i = 0;
    while i < found.len() {
        let parent = found[i];
        found.extend(parents.iter().filter(|p| p.1 == parent).map(|p| p.0));
        i += 1;
    }
    found.remove(0);
    found
}

/// The job's exit code as this program's; a recording is sealed if rank 0
/// could not seal it itself.
pub(crate) fn job_ended(job: JobStatus, record: Option<&std::path::Path>) -> Result<(), Error> {
    let status = job.status;
    let code = status
        .code()
        .unwrap_or_else(|| 128 + status.signal().unwrap_or(0));
    // Stopped by a signal: that is why, whatever mpiexec made of it.
    let code = job.signal.map_or(code, |signal| 128 + signal);
    if let Some(path) = record {
        // Rank 0 writes the last record itself unless the job was
        // killed under it (a rank killed, mpiexec killed).
        let detail = format!("the job was ended from outside (mpiexec exit code {code})");
        let _ = crate::trace::seal(path, Outcome::Interrupted, &detail);
    }
    crate::error::exited(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// mpiexec exited 1 (Open MPI's code whatever signal it was sent).
    fn exited_1() -> JobStatus {
        JobStatus {
            status: ExitStatus::from_raw(1 << 8),
            signal: None,
        }
    }

    #[test]
    fn a_job_its_ranks_say_a_signal_stopped_was_stopped_by_it() {
        let job = exited_1().or_stop_said("mpi-tutor: stopped by SIGTERM\n");
        assert_eq!(job.signal, Some(libc::SIGTERM));
        let job = exited_1().or_stop_said("mpi-tutor: rank 2 was killed (SIGKILL)\n");
        assert_eq!(job.signal, None, "a rank's end is no stop");
        let killed = JobStatus {
            status: ExitStatus::from_raw(libc::SIGHUP),
            signal: None,
        };
        let job = killed.or_stop_said("mpi-tutor: stopped by SIGTERM\n");
        assert_eq!(job.signal, None, "mpiexec killed by a signal says so");
    }

    fn env_list(cmd: &Command) -> Option<String> {
        cmd.get_envs()
            .find(|(k, _)| *k == "OMPI_MCA_mca_base_env_list")
            .and_then(|(_, v)| Some(v?.to_string_lossy().into_owned()))
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
