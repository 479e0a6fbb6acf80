//! The guardian's watch over rank 0 and the ranks beside it: what it is
//! told (the line to say if a rank vanishes, the ranks that ended well),
//! the order the ranks' processes end in, and the one line said once rank
//! 0 has gone. Kept either by the guardian, a process forked from rank 0
//! (`guardian.rs`), or, when the launcher that started the job runs on
//! rank 0's host, by a thread of the launcher (`keeper.rs`), which saves
//! rank 0 the fork.

use std::os::fd::RawFd;
use std::sync::atomic::Ordering;

use super::bare::{self, Held};
use super::exits::{exit_signal, EndOrder};
use super::guardian::{Terminal, GUARDIAN_NAME, SIGNAL_SLOT, STDERR};
use super::signals::signal_name;
use super::vigil::RankProcess;

/// The watch, in the forked guardian or the launcher's keeper.
pub(super) struct Watch {
    /// Rank 0's pid.
    owner: i32,
    input: RawFd,
    input_open: bool,
    terminal: Option<Terminal>,
    last_words: RawFd,
    /// The ranks still watched (rank 0 among them), by key - 1.
    ranks: Vec<Option<RankProcess>>,
    /// The ranks whose end has been seen.
    ended: Vec<RankProcess>,
    order: Option<EndOrder>,
    /// The bare mpiexec (pid, its terminal) to speak after.
    bare: Option<(i32, RawFd)>,
    /// That mpiexec, traced from the moment rank 0 handed the last line
    /// over, so that its exit waits for the line.
    held: Option<Held>,
    /// Rank 0 said it gave the terminal back and its own last words.
    dismissed: bool,
}

/// The key of rank 0's pipe in the guardian's epoll set.
const PIPE: u64 = 0;
/// How long rank 0's process may take to end after its pipe did.
const OWNER_GRACE: std::time::Duration = std::time::Duration::from_secs(2);

/// The longest the guardian keeps the last words' FIFO open once rank 0
/// has ended: a launcher that waits this long for its end has every line.
pub const LAST_WORDS_BOUND: std::time::Duration =
    OWNER_GRACE.saturating_add(std::time::Duration::from_secs(3));

/// What the guardian has been told.
#[derive(Default)]
struct Told {
    lines: std::collections::HashMap<u32, Vec<u8>>,
    pending: Vec<u8>,
    /// Rank 0's own last line, to say once it has exited.
    last_line: Option<Vec<u8>>,
    /// The first rank whose process ended, and the signal if known.
    first_vanished: Option<(u32, Option<i32>)>,
}

impl Watch {
    /// The watch over `ranks` (rank 0, whose pid is `owner`, among them)
    /// with what rank 0 says on `input`; the line is said on `terminal`
    /// (or stderr), through the launcher's `last_words` FIFO when it is
    /// open (>= 0), or after the bare mpiexec `bare` (its pid, its
    /// terminal).
    pub(super) fn new(
        owner: i32,
        input: RawFd,
        terminal: Option<Terminal>,
        last_words: RawFd,
        ranks: Vec<RankProcess>,
        bare: Option<(i32, RawFd)>,
    ) -> Watch {
        Watch {
            owner,
            input,
            input_open: true,
            terminal,
            last_words,
            ranks: ranks.into_iter().map(Some).collect(),
            ended: Vec::new(),
            order: None,
            bare,
            held: None,
            dismissed: false,
        }
    }

    /// The forked guardian's life: out of the job, the watch, its end.
    pub(super) fn keep(mut self) -> ! {
        self.leave_the_job();
        self.keep_to_the_end();
        // SAFETY: ending the forked child without running the parent's
        // exit handlers (MPI's among them).
        unsafe { libc::_exit(0) }
    }

    /// Watches until rank 0 has gone, then gives the terminal back and
    /// says the line; returns at once if rank 0 dismisses the watch.
    pub(super) fn keep_to_the_end(&mut self) {
        self.order = EndOrder::new();
        if let Some(order) = &self.order {
            order.add(self.input, PIPE);
            for (key, r) in self.ranks.iter().flatten().enumerate() {
                order.add(r.3, key as u64 + 1);
            }
        }
        let mut told = Told::default();
        while self.wait_once(&mut told) {}
        if self.dismissed {
            return;
        }
        self.wait_for_owner_end(&mut told);
        self.give_back_terminal();
        self.say(&told);
    }

    /// Own session, deaf to the job's signals, holding no fd of the job.
    fn leave_the_job(&self) {
        let stderr = STDERR.load(Ordering::Relaxed);
        if stderr >= 0 {
            // SAFETY: `stderr` is a duplicate of the process's own stderr,
            // open in this child too; fd 2 (the capture pipe) is replaced.
            unsafe { libc::dup2(stderr, libc::STDERR_FILENO) };
        }
        if let Some((_, terminal)) = self.bare {
            // mpiexec's pipe from rank 0 is let go (mpiexec waits for its
            // end before it reports): fd 2 is the terminal instead.
            // SAFETY: both fds are open in this child.
            unsafe { libc::dup2(terminal, libc::STDERR_FILENO) };
        }
        // SAFETY: setsid, prctl, signal and close_range on our own process.
        unsafe {
            libc::setsid();
            // Told apart from the ranks in `ps` (the command line is theirs).
            libc::prctl(libc::PR_SET_NAME, GUARDIAN_NAME.as_ptr());
            for sig in [
                libc::SIGINT,
                libc::SIGQUIT,
                libc::SIGHUP,
                libc::SIGTSTP,
                libc::SIGTTIN,
                libc::SIGTTOU,
                libc::SIGPIPE,
            ] {
                libc::signal(sig, libc::SIG_IGN);
            }
        }
        let mut keep: Vec<RawFd> = vec![libc::STDERR_FILENO, self.input, self.last_words];
        keep.extend(self.terminal.map(|t| t.fd));
        keep.extend(self.ranks.iter().flatten().flat_map(|r| [r.2, r.3]));
        keep.extend(self.bare.map(|b| b.1));
        close_all_but(keep);
    }

    /// Waits for news; false once the owner's pipe has ended (it is gone
    /// or has handed over).
    fn wait_once(&mut self, told: &mut Told) -> bool {
        let Some(order) = &self.order else {
            return self.read_news(told);
        };
        for key in order.wait(self.wait_at_most()) {
            if key == PIPE {
                self.input_open = self.input_open && self.read_news(told);
            } else {
                self.note_end(key, told);
            }
        }
        self.input_open
    }

    /// Rank 0's pipe ends moments before its process does (its files
    /// close first): the ends that come before its own are still news.
    fn wait_for_owner_end(&mut self, told: &mut Told) {
        let Some(order) = &self.order else { return };
        order.remove(self.input);
        let deadline = std::time::Instant::now() + OWNER_GRACE;
        let owner_watched =
            |ranks: &[Option<RankProcess>], owner| ranks.iter().flatten().any(|r| r.1 == owner);
        while owner_watched(&self.ranks, self.owner) {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            // A held mpiexec at its exit has reported all it will, and
            // rank 0's line is known: its end, which may wait for
            // mpiexec's, is no news.
            if left.is_zero() || self.held.as_ref().is_some_and(Held::pass_on) {
                return;
            }
            let most = (left.as_millis() as i32 + 1).min(self.wait_at_most().max(0) + 1);
            let keys = (self.order.as_ref()).map_or_else(Vec::new, |o| o.wait(most));
            for key in keys {
                self.note_end(key, told);
            }
        }
    }

    /// How long a wait for news may last, in ms (-1: as long as it
    /// takes): a traced mpiexec stops at each signal it gets until it is
    /// passed on, so it is looked at every few ms.
    fn wait_at_most(&self) -> i32 {
        match &self.held {
            Some(held) => {
                held.pass_on();
                5
            }
            None => -1,
        }
    }

    /// The process of the rank with `key` has ended: the first to end is
    /// the news.
    fn note_end(&mut self, key: u64, told: &mut Told) {
        let Some(Some((rank, pid, fd, end))) =
            self.ranks.get_mut(key as usize - 1).map(Option::take)
        else {
            return;
        };
        if let Some(order) = &self.order {
            order.remove(end);
        }
        let signal = exit_signal(pid, fd);
        self.ended.push((rank, pid, fd, end));
        match &mut told.first_vanished {
            None => told.first_vanished = Some((rank, signal)),
            // Rank 0's signal, known once its process has ended.
            Some((first, known)) if *first == rank && known.is_none() => *known = signal,
            Some(_) => {}
        }
    }

    /// Reads what the owner says; false at its end, or once it has
    /// dismissed the watch.
    fn read_news(&mut self, told: &mut Told) -> bool {
        let mut buf = [0u8; 4096];
        // SAFETY: read into our buffer.
        let n = unsafe { libc::read(self.input, buf.as_mut_ptr().cast(), buf.len()) };
        if n <= 0 {
            return n < 0
                && std::io::Error::last_os_error().kind() == std::io::ErrorKind::Interrupted;
        }
        told.pending.extend_from_slice(&buf[..n as usize]);
        while let Some(end) = told.pending.iter().position(|&b| b == b'\n') {
            let line: Vec<u8> = told.pending.drain(..=end).collect();
            let line = &line[..line.len() - 1];
            match line.first() {
                // Leaving quietly: rank 0 has done it all.
                Some(b'D') => {
                    self.dismissed = true;
                    return false;
                }
                Some(b'L') => told.learn(&line[1..]),
                Some(b'F') => {
                    told.last_line = Some(line[1..].to_vec());
                    // Rank 0 ends next, and a bare mpiexec with it: it is
                    // held from now, so the line still comes before its
                    // shell's next words.
                    self.held = self.bare.and_then(|(launcher, _)| Held::seize(launcher));
                }
                Some(b'E') => self.forget(parse_rank(&line[1..])),
                _ => {}
            }
        }
        true
    }

    /// `rank` ended as it should: its end is no news.
    fn forget(&mut self, rank: Option<u32>) {
        for slot in self.ranks.iter_mut() {
            let Some(r) = slot.filter(|r| Some(r.0) == rank && r.1 != self.owner) else {
                continue;
            };
            *slot = None;
            if let Some(order) = &self.order {
                order.remove(r.3);
            }
        }
    }

    /// Restores the terminal if it is still as the view set it.
    fn give_back_terminal(&self) {
        let Some(t) = self.terminal else { return };
        // SAFETY: termios is plain data; tcgetattr fills it.
        let mut now: libc::termios = unsafe { std::mem::zeroed() };
        // SAFETY: reading the settings of our terminal fd.
        if unsafe { libc::tcgetattr(t.fd, &mut now) } != 0 || !same_settings(&now, &t.raw) {
            return;
        }
        const LEAVE: &[u8] = b"\x1b[?25h\x1b[?1049l\r\n";
        // SAFETY: settings and a static buffer to our terminal fd.
        unsafe {
            libc::tcsetattr(t.fd, libc::TCSANOW, &t.original);
            libc::write(t.fd, LEAVE.as_ptr().cast(), LEAVE.len());
        }
    }

    /// Says the line of the rank that vanished first, or rank 0's: to the
    /// launcher if it waits for it, else on the terminal or stderr, after
    /// a bare mpiexec's own report.
    fn say(&mut self, told: &Told) {
        let Some(line) = self.last_line(told) else {
            return;
        };
        if let Some(held) = self.held.take() {
            return held.say_at_exit(|| self.write_line(&line));
        }
        match self.bare {
            Some((launcher, _)) => bare::say_after_exit(launcher, || self.write_line(&line)),
            None => self.write_line(&line),
        }
    }

    fn last_line(&self, told: &Told) -> Option<String> {
        if let Some(line) = &told.last_line {
            return Some(String::from_utf8_lossy(line).into_owned());
        }
        let (rank, signal) = (told.first_vanished).unwrap_or((0, None));
        // A rank reaped since: its pidfd may still tell (Linux 6.15+).
        let signal = signal.or_else(|| {
            let r = self.ended.iter().find(|r| r.0 == rank)?;
            exit_signal(r.1, r.2)
        });
        let line = told.lines.get(&rank)?;
        let signal = signal.map_or(String::new(), |s| format!(" ({})", signal_name(s)));
        let line = String::from_utf8_lossy(line).replace(SIGNAL_SLOT, &signal);
        Some(format!("mpi-tutor: {line}"))
    }

    fn write_line(&self, line: &str) {
        let text = format!("{line}\n");
        // SAFETY: writes of our buffer; blocking for the FIFO is fine now.
        let to_launcher = self.last_words >= 0
            && unsafe {
                libc::fcntl(self.last_words, libc::F_SETFL, 0);
                libc::write(self.last_words, text.as_ptr().cast(), text.len()) > 0
            };
        if !to_launcher {
            // The launcher is gone too: straight to the terminal.
            let fd = self.terminal.map_or(libc::STDERR_FILENO, |t| t.fd);
            // SAFETY: write of our buffer to our fd.
            unsafe { libc::write(fd, text.as_ptr().cast(), text.len()) };
        }
    }
}

impl Told {
    /// "3 rank 3 was killed ...": the line for rank 3.
    fn learn(&mut self, rest: &[u8]) {
        let Some(space) = rest.iter().position(|&b| b == b' ') else {
            return;
        };
        if let Some(rank) = parse_rank(&rest[..space]) {
            self.lines.insert(rank, rest[space + 1..].to_vec());
        }
    }
}

fn parse_rank(text: &[u8]) -> Option<u32> {
    std::str::from_utf8(text).ok()?.trim().parse().ok()
}

/// The flags that raw mode changes: equal means nobody touched them since.
fn same_settings(a: &libc::termios, b: &libc::termios) -> bool {
    a.c_iflag == b.c_iflag
        && a.c_oflag == b.c_oflag
        && a.c_cflag == b.c_cflag
        && a.c_lflag == b.c_lflag
}

/// Closes every fd but those in `keep` (and fds 0 and 1 are closed too).
fn close_all_but(mut keep: Vec<RawFd>) {
    keep.retain(|&fd| fd >= 0);
    keep.sort_unstable();
    keep.dedup();
    let mut from: RawFd = 0;
    for fd in keep.into_iter().chain(std::iter::once(RawFd::MAX)) {
        if fd > from {
            close_range(from, fd - 1);
        }
        from = fd.saturating_add(1);
    }
}

fn close_range(first: RawFd, last: RawFd) {
    // SAFETY: closing fds of our own process (in the forked child).
    unsafe { libc::syscall(libc::SYS_close_range, first as u32, last as u32, 0u32) };
}
