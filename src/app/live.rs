//! The live view on rank 0: one owner loop fed by one input enum (trace
//! deliveries, keys, ticks); keys become actions; the screen is redrawn
//! only when something changed or moves.

use std::sync::mpsc::{channel, sync_channel, Receiver, RecvTimeoutError, Sender, SyncSender};
use std::time::{Duration, Instant};

use super::keymap::{action_for, Action, KeyMode};
use super::pace::{PaceMode, Pacer};
use super::report::verdict;
use super::session::Session;
use super::ui::{Painter, Panes, TICK};
use super::watch::DeadlockWatch;
use super::{Ending, RunSetup};
use crate::probe::{Command, Control, Delivery};
use crate::term::keys::Key;
use crate::term::screen::Screen;
use crate::term::{signals, ScreenTarget};
use crate::trace::{Event, EventKind, Outcome};
use crate::view::{self, Mode, StatusInfo};

/// Inputs (key presses, event batches) waiting for the owner loop.
const INPUT_BACKLOG: usize = 16;

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
    panes: Panes,
    selected: Option<u32>,
    stepped: bool,
    /// When the class saw every rank end: the summary comes up once the
    /// last messages have crossed the screen.
    done_at: Option<Instant>,
    summary_drawn: bool,
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
    // Bounded, like the collector's channel: while the app is behind on
    // events, their forwarder waits and the backlog stays with the ranks.
    let (tx, inputs) = sync_channel(INPUT_BACKLOG);
    if let Err(e) = screen.read_keys(&target.keys, forward(tx.clone(), Input::Key)) {
        return Ending::error(format!("cannot read keys: {e}"));
    }
    let trace_tx = forward(tx, Input::Trace);
    std::thread::spawn(move || deliveries.into_iter().try_for_each(|d| trace_tx.send(d)));

    let mut session = match Session::new(setup.header.clone(), setup.record.as_deref()) {
        Ok(s) => s,
        Err(e) => return Ending::error(format!("cannot record: {e}")),
    };
    let pacer = Pacer::new(setup.pace, setup.speed);
    session.set_flight(presentation(&pacer));
    let mut live = Live {
        pacer,
        setup,
        session,
        commands,
        watch: DeadlockWatch::default(),
        panes: Panes::new(),
        selected: None,
        stepped: false,
        done_at: None,
        summary_drawn: false,
        started: Instant::now(),
        quit: false,
    };
    let ending = match Painter::new(&screen) {
        Ok(mut painter) => live.run_loop(&screen, &mut painter, &inputs),
        Err(e) => Ending::error(e),
    };
    drop(screen);
    ending
}

/// A sender of `T` whose values arrive as `Input`s.
fn forward<T: Send + 'static>(tx: SyncSender<Input>, wrap: fn(T) -> Input) -> Sender<T> {
    let (t_tx, t_rx) = channel::<T>();
    std::thread::spawn(move || t_rx.into_iter().try_for_each(|t| tx.send(wrap(t))));
    t_tx
}

/// At the classroom pace messages are shown travelling; at full speed
/// they would only fall behind.
fn presentation(pacer: &Pacer) -> Option<Duration> {
    (pacer.mode != PaceMode::Free).then(|| pacer.flight())
}

impl Live {
    fn run_loop(
        &mut self,
        screen: &Screen,
        painter: &mut Painter,
        inputs: &Receiver<Input>,
    ) -> Ending {
        let mut dirty = true;
        loop {
            match inputs.recv_timeout(TICK) {
                Ok(Input::Trace(d)) => {
                    let shown = self.session.take(d);
                    self.note_held(&shown);
                    dirty = true;
                }
                Ok(Input::Key(k)) => {
                    if let Some(a) = action_for(k, KeyMode::Live) {
                        self.act(a);
                    }
                    dirty = true;
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => self.quit = true,
            }
            self.session.tick();
            let shown = self.session.present(Instant::now());
            dirty |= !shown.is_empty();
            self.note_held(&shown);
            if let Some(ending) = self.session.must_end(self.elapsed()) {
                return ending;
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
            let flight = self.pacer.flight().as_secs_f64();
            dirty |= !view::on_the_wire(self.session.model(), self.run_clock(), flight).is_empty();
            dirty |= self.note_done();
            if self.quit {
                return self.quit_ending();
            }
            dirty |= painter.follow_size(screen);
            if dirty {
                self.panes.width = painter.width();
                self.panes.height = painter.height();
                match painter.draw(|f| self.draw(f)) {
                    Ok(drew) => dirty = !drew,
                    Err(e) => return Ending::error(e),
                }
            }
        }
    }

    /// Notices that every rank has ended on screen; true when the screen
    /// must be redrawn for it.
    fn note_done(&mut self) -> bool {
        if !self.session.model().all_done() {
            return false;
        }
        self.done_at.get_or_insert_with(Instant::now);
        if self.setup.exit_when_done {
            self.quit = true;
        }
        let shown = self.panes.summary(self.summary_auto());
        let changed = shown != self.summary_drawn;
        self.summary_drawn = shown;
        changed
    }

    /// The summary comes up by itself once the last messages have landed.
    fn summary_auto(&self) -> bool {
        let settled = self.pacer.flight() + Duration::from_secs_f64(view::SHOW_DELIVERED_SECONDS);
        self.done_at.is_some_and(|t| t.elapsed() >= settled)
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

    /// A rank is let go only once the class has seen it stop.
    fn note_held(&mut self, shown: &[Event]) {
        for e in shown {
            if let EventKind::Held(_) = e.event {
                self.pacer.held(e.rank);
            }
        }
    }

    fn permit(&mut self, rank: u32) {
        let _ = self.commands.send(Command::To(rank, Control::Permit));
    }

    fn act(&mut self, a: Action) {
        let auto = self.summary_auto();
        let file = (self.setup.program).shown_source(self.session.model(), self.selected);
        let source = file.map_or("", |f| f.text.as_str());
        if self.panes.act(a, self.session.model(), source, auto) {
            return;
        }
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
            Action::ToggleFast if self.pacer.mode == PaceMode::Free => {
                self.pacer.mode = PaceMode::Paced;
                let _ = self.commands.send(Command::All(Control::Gated));
            }
            Action::ToggleFast => {
                self.pacer.mode = PaceMode::Free;
                for r in self.pacer.release_all() {
                    self.permit(r);
                }
                let _ = self.commands.send(Command::All(Control::Free));
            }
            Action::SelectRank(r) if r < self.setup.header.world_size => self.selected = Some(r),
            _ => {}
        }
        // Whatever the action did to the pace, the messages shown from now
        // on cross at that pace (at full speed, not at all).
        self.session.set_flight(presentation(&self.pacer));
    }

    fn mode(&self) -> Mode {
        if self.session.model().all_done() {
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
        // Judge the run on everything that arrived, shown or not yet.
        self.session.set_flight(None);
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
        let status = StatusInfo {
            mode: self.mode(),
            speed_label: self.pacer.speed_label(),
            received: self.session.received_total(),
            dropped: self.session.lost(),
        };
        let now = self.run_clock();
        let auto = self.summary_auto();
        let deadlock = self.watch.check(self.session.model(), Instant::now());
        let mut screen = self.panes.screen(
            self.session.model(),
            self.setup.program.info(
                self.setup
                    .program
                    .shown_source(self.session.model(), self.selected),
            ),
            status,
            deadlock,
            now,
            auto,
        );
        screen.flight = self.pacer.flight().as_secs_f64();
        f.render_widget(&screen, f.area());
    }
}
