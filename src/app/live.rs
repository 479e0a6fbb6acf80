//! The live view on rank 0: one owner loop fed by one input enum (trace
//! deliveries, keys, ticks); keys become actions; the screen is redrawn at
//! most `FPS` times a second.

use std::io::BufWriter;
use std::sync::mpsc::{channel, Receiver, RecvTimeoutError, Sender};
use std::time::{Duration, Instant};

use ratatui::backend::CrosstermBackend;
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

use super::keymap::{action_for, Action};
use super::pace::{PaceMode, Pacer};
use super::report::verdict;
use super::session::Session;
use super::watch::DeadlockWatch;
use super::{Ending, RunSetup};
use crate::probe::{Command, Control, Delivery};
use crate::term::keys::Key;
use crate::term::screen::Screen;
use crate::term::{signals, ScreenTarget};
use crate::trace::{EventKind, Outcome};
use crate::view::{self, LessonInfo, Mode, Pane, StatusInfo};

const FPS: u64 = 30;
const TICK: Duration = Duration::from_millis(1000 / FPS);

enum Input {
    Trace(Delivery),
    Key(Key),
}

struct Live {
    setup: RunSetup,
    session: Session,
    pacer: Pacer,
    commands: Sender<Command>,
    watch: DeadlockWatch,
    selected: Option<u32>,
    focus: Pane,
    log_scroll: usize,
    source_scroll: Option<usize>,
    show_help: bool,
    /// None: shown when the lesson is done; Some: the teacher's choice.
    show_summary: Option<bool>,
    stepped: bool,
    /// When every rank had ended: the summary waits until the last
    /// messages have crossed the screen.
    done_at: Option<Instant>,
    summary_drawn: bool,
    color: bool,
    started: Instant,
    quit: bool,
}

pub fn run(
    setup: RunSetup,
    target: ScreenTarget,
    deliveries: Receiver<Delivery>,
    commands: Sender<Command>,
) -> Ending {
    let screen = match Screen::open(&target) {
        Ok(s) => s,
        Err(e) => return Ending::error(format!("cannot use the terminal {}: {e}", target.path)),
    };
    signals::install();
    let (tx, inputs) = channel();
    if let Err(e) = screen.read_keys(&target.keys, key_sender(tx.clone())) {
        return Ending::error(format!("cannot read keys: {e}"));
    }
    forward_deliveries(deliveries, tx);

    let session = match Session::new(setup.header.clone(), setup.record.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ending::error(format!("cannot record: {e}")),
    };
    let mut live = Live {
        pacer: Pacer::new(setup.pace, setup.speed),
        setup,
        session,
        commands,
        watch: DeadlockWatch::default(),
        selected: None,
        focus: Pane::World,
        log_scroll: 0,
        source_scroll: None,
        show_help: false,
        show_summary: None,
        stepped: false,
        done_at: None,
        summary_drawn: false,
        color: std::env::var_os("NO_COLOR").is_none(),
        started: Instant::now(),
        quit: false,
    };
    let ending = live.run_loop(&screen, &inputs);
    drop(screen);
    ending
}

fn key_sender(tx: Sender<Input>) -> Sender<Key> {
    let (ktx, krx) = channel::<Key>();
    std::thread::spawn(move || {
        for k in krx {
            if tx.send(Input::Key(k)).is_err() {
                return;
            }
        }
    });
    ktx
}

fn forward_deliveries(deliveries: Receiver<Delivery>, tx: Sender<Input>) {
    std::thread::spawn(move || {
        for d in deliveries {
            if tx.send(Input::Trace(d)).is_err() {
                return;
            }
        }
    });
}

impl Live {
    fn run_loop(&mut self, screen: &Screen, inputs: &Receiver<Input>) -> Ending {
        let (w, h) = screen.size().unwrap_or((80, 24));
        let writer = match screen.writer() {
            Ok(w) => w,
            Err(e) => return Ending::error(format!("cannot draw: {e}")),
        };
        let backend = CrosstermBackend::new(BufWriter::with_capacity(1 << 16, writer));
        let mut area = Rect::new(0, 0, w, h);
        let mut terminal = match Terminal::with_options(
            backend,
            TerminalOptions {
                viewport: Viewport::Fixed(area),
            },
        ) {
            Ok(t) => t,
            Err(e) => return Ending::error(format!("cannot draw: {e}")),
        };
        let mut last_draw = Instant::now() - TICK;
        let mut dirty = true;
        loop {
            match inputs.recv_timeout(TICK) {
                Ok(Input::Trace(d)) => {
                    self.take(d);
                    dirty = true;
                }
                Ok(Input::Key(k)) => {
                    if let Some(a) = action_for(k) {
                        self.act(a);
                    }
                    dirty = true;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.quit = true,
            }
            self.session.tick();
            if let Some(sig) = signals::caught() {
                let detail = format!("stopped by signal {sig}");
                self.session
                    .end(Outcome::Interrupted, &detail, self.elapsed());
                return Ending::abort(Outcome::Interrupted, detail);
            }
            if let Some(f) = self.session.failure() {
                let detail = f.describe();
                self.session
                    .end(Outcome::RankFailed, &detail, self.elapsed());
                return Ending::abort(Outcome::RankFailed, detail);
            }
            let deadlocked = self
                .watch
                .check(self.session.model(), Instant::now())
                .is_some();
            if deadlocked {
                dirty |= self.pacer.mode != PaceMode::Paused;
                self.pacer.mode = PaceMode::Paused;
            } else if let Some(rank) = self.pacer.due(Instant::now()) {
                self.permit(rank);
            }
            // Messages move on screen even when no event arrives.
            dirty |= !view::on_the_wire(self.session.model(), self.run_clock()).is_empty();
            if self.session.all_done() {
                if self.done_at.is_none() {
                    self.done_at = Some(Instant::now());
                }
                // Redraw once when the summary comes up by itself.
                let shown = self.summary_shown();
                dirty |= shown != self.summary_drawn;
                self.summary_drawn = shown;
                if self.setup.exit_when_done {
                    self.quit = true;
                }
            }
            if self.quit {
                return self.quit_ending();
            }
            if let Some((w, h)) = screen.size() {
                let now = Rect::new(0, 0, w, h);
                if now != area {
                    area = now;
                    let _ = terminal.resize(area);
                    dirty = true;
                }
            }
            if dirty && last_draw.elapsed() >= TICK {
                if let Err(e) = terminal.draw(|f| self.draw(f)) {
                    return Ending::error(format!("cannot draw: {e}"));
                }
                last_draw = Instant::now();
                dirty = false;
            }
        }
    }

    /// Now, on the clock of event times (seconds since the run started).
    fn run_clock(&self) -> f64 {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs_f64() - self.setup.header.started_unix)
            .unwrap_or(0.0)
    }

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn take(&mut self, d: Delivery) {
        for e in self.session.take(d) {
            if let EventKind::Held(_) = e.event {
                self.pacer.held(e.rank);
            }
        }
    }

    fn permit(&mut self, rank: u32) {
        let _ = self.commands.send(Command::To(rank, Control::Permit));
    }

    fn act(&mut self, a: Action) {
        match a {
            Action::Quit => self.quit = true,
            Action::TogglePause => {
                self.pacer.mode = match self.pacer.mode {
                    PaceMode::Paused => PaceMode::Paced,
                    _ => PaceMode::Paused,
                };
                self.stepped = false;
                if self.pacer.mode == PaceMode::Paused {
                    let _ = self.commands.send(Command::All(Control::Gated));
                }
            }
            Action::Step if self.pacer.mode == PaceMode::Paused => {
                if let Some(r) = self.pacer.step(self.selected) {
                    self.stepped = true;
                    self.permit(r);
                }
            }
            Action::Faster => self.pacer.faster(),
            Action::Slower => self.pacer.slower(),
            Action::ToggleFast => {
                if self.pacer.mode == PaceMode::Free {
                    self.pacer.mode = PaceMode::Paced;
                    let _ = self.commands.send(Command::All(Control::Gated));
                } else {
                    self.pacer.mode = PaceMode::Free;
                    for r in self.pacer.release_all() {
                        self.permit(r);
                    }
                    let _ = self.commands.send(Command::All(Control::Free));
                }
            }
            Action::ToggleHelp => self.show_help = !self.show_help,
            Action::ToggleSummary => self.show_summary = Some(!self.summary_shown()),
            Action::SelectRank(r) if r < self.setup.header.world_size => self.selected = Some(r),
            Action::FocusNext => self.focus = self.focus.next(),
            Action::FocusPrev => self.focus = self.focus.next().next(),
            Action::ScrollUp => self.scroll(-1),
            Action::ScrollDown => self.scroll(1),
            Action::PageUp => self.scroll(-10),
            Action::PageDown => self.scroll(10),
            Action::Top => self.scroll(-1_000_000),
            Action::Bottom => self.scroll(1_000_000),
            _ => {}
        }
    }

    /// Scrolls the focused pane; positive is down (towards newer lines).
    fn scroll(&mut self, by: i64) {
        match self.focus {
            Pane::Log => {
                let up = self.log_scroll as i64 - by;
                self.log_scroll = up.clamp(0, self.session.model().recent().len() as i64) as usize;
            }
            Pane::Lesson => {
                let lines = self.setup.lesson.source.lines().count() as i64;
                let from = self.source_scroll.unwrap_or(0) as i64;
                self.source_scroll = Some((from + by).clamp(0, lines.saturating_sub(1)) as usize);
            }
            Pane::World => {}
        }
    }

    fn summary_shown(&self) -> bool {
        let settled = Duration::from_secs_f64(view::FLIGHT_SECONDS + view::SHOW_DELIVERED_SECONDS);
        let auto = self.done_at.is_some_and(|t| t.elapsed() >= settled);
        self.show_summary.unwrap_or(auto)
    }

    fn mode(&self) -> Mode {
        if self.session.all_done() {
            Mode::Done
        } else if self.pacer.mode == PaceMode::Paused {
            if self.stepped {
                Mode::Stepping
            } else {
                Mode::Paused
            }
        } else {
            Mode::Live
        }
    }

    fn quit_ending(&mut self) -> Ending {
        if let Some(d) = self.watch.check(self.session.model(), Instant::now()) {
            let detail = d.describe();
            self.session.end(Outcome::Deadlock, &detail, self.elapsed());
            return Ending::abort(Outcome::Deadlock, format!("deadlock: {detail}"));
        }
        if self.session.all_done() {
            let (outcome, detail) = verdict(&self.session.model().summary());
            self.session.end(outcome, &detail, self.elapsed());
            let message = if outcome == Outcome::Completed {
                String::new()
            } else {
                detail
            };
            Ending::finish(outcome, message)
        } else {
            self.session
                .end(Outcome::Quit, "quit by the user", self.elapsed());
            Ending::abort(Outcome::Quit, String::new())
        }
    }

    fn draw(&mut self, f: &mut ratatui::Frame) {
        let lesson = self.setup.lesson;
        let now = self.run_clock();
        let status = StatusInfo {
            mode: self.mode(),
            speed_label: self.pacer.speed_label(),
            received: self.session.received_total(),
            dropped: self.session.lost(),
        };
        let show_summary = self.summary_shown();
        let deadlock = self.watch.check(self.session.model(), Instant::now());
        let screen = view::Screen {
            model: self.session.model(),
            lesson: LessonInfo {
                name: lesson.name,
                title: lesson.title,
                file: lesson.file,
                source: lesson.source,
                explanation: lesson.explanation,
            },
            status,
            focus: self.focus,
            log_scroll: self.log_scroll,
            source_scroll: self.source_scroll,
            show_help: self.show_help,
            show_summary,
            deadlock,
            now,
            color: self.color,
            main_panel: view::MainPanel::default(),
            spacetime: view::SpaceTimeView::default(),
        };
        f.render_widget(&screen, f.area());
    }
}
