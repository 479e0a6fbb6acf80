//! The live view on rank 0: a run as it happens, shown by the front end
//! (`front`), fed by the collector's deliveries, the keys and the ticks.

use std::sync::mpsc::{sync_channel, Receiver, Sender};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use super::front::{FrameInfo, FrontEnd, Show};
use super::inputs::{forward, Input, TerminalInputs};
use super::keymap::{Action, KeyMode};
use super::pace::{PaceMode, Pacer};
use super::report::verdict;
use super::session::Session;
use super::ui::terminal_painter;
use super::watch::DeadlockWatch;
use super::{Ending, RunSetup};
use crate::model::{Model, RankState};
use crate::probe::{Command, Control, Delivery};
use crate::term::screen::Screen;
use crate::term::{signals, ScreenTarget};
use crate::trace::{Event, EventKind, Outcome};
use crate::view::{self, Mode, StatusInfo};

/// Inputs (key presses, event batches) waiting for the owner loop.
const INPUT_BACKLOG: usize = 16;

/// A run as it happens.
pub struct Live {
    setup: RunSetup,
    session: Session,
    pacer: Pacer,
    commands: Sender<Command>,
    watch: DeadlockWatch,
    /// The rank whose source file is shown.
    selected: Option<u32>,
    /// The rank the next `n` lets go alone (a rank key, then `n`).
    step_only: Option<u32>,
    stepped: bool,
    /// When the class saw every rank end: the summary comes up once the
    /// last messages have crossed the screen.
    done_at: Option<Instant>,
    /// Whether the summary was up by itself at the last look.
    summary_was_auto: bool,
    started: Instant,
    /// The run's clock (seconds since the run started) at `started`.
    run_clock_at_start: f64,
    quit: bool,
    /// Set when the run must end at once (a failed rank, a signal).
    ended: Option<Ending>,
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
    let trace_tx = forward(tx, Input::Data);
    std::thread::spawn(move || deliveries.into_iter().try_for_each(|d| trace_tx.send(d)));
    let since_epoch = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0.0, |d| d.as_secs_f64());
    let run_clock = since_epoch - setup.header.started_unix;
    let record = setup.record.clone();
    let live = match Live::new(setup, commands, Instant::now(), run_clock) {
        Ok(live) => live,
        Err(e) => return Ending::error(super::cannot_record(record.as_deref(), &e)),
    };
    let (ending, note) = match terminal_painter(&screen) {
        Ok(painter) => {
            let mut front = FrontEnd::new(live, painter);
            let ending = front.run(&mut TerminalInputs::new(inputs, &screen));
            let note = front.show.session.recording_note();
            (ending.unwrap_or_else(Ending::error), note)
        }
        Err(e) => (Ending::error(e), None),
    };
    drop(screen);
    // On the terminal given back, where it stays.
    if let Some(note) = note {
        super::out::say_error(&format!("mpi-tutor: {note}"));
    }
    ending
}

/// At the classroom pace messages are shown travelling; at full speed
/// they would only fall behind.
fn presentation(pacer: &Pacer) -> Option<Duration> {
    (pacer.mode != PaceMode::Free).then(|| pacer.flight())
}

impl Live {
    /// The view of a run, from `now`, which is `run_clock` on the run's
    /// clock (seconds since it started, as event times); it records the
    /// run if asked to, and sends its pace to the ranks by `commands`.
    pub fn new(
        setup: RunSetup,
        commands: Sender<Command>,
        now: Instant,
        run_clock: f64,
    ) -> std::io::Result<Live> {
        let mut session = Session::new(setup.header.clone(), setup.record.as_deref())?;
        let pacer = Pacer::new(setup.pace, setup.speed);
        session.set_flight(presentation(&pacer));
        if pacer.mode == PaceMode::Paced {
            // The ranks start stopped; from here each keeps its own pace.
            let _ = commands.send(Command::All(pacer.control()));
        }
        Ok(Live {
            run_clock_at_start: run_clock,
            pacer,
            setup,
            session,
            commands,
            watch: DeadlockWatch::default(),
            selected: None,
            step_only: None,
            stepped: false,
            done_at: None,
            summary_was_auto: false,
            started: now,
            quit: false,
            ended: None,
        })
    }

    /// Shows the events whose time has come; true if there were any.
    fn show_due(&mut self, now: Instant) -> bool {
        let shown = self.session.present(now);
        self.note_held(&shown);
        !shown.is_empty()
    }

    /// Lets the rest of a tick go when its time has come, unless the ranks
    /// are deadlocked and none is left to let go (then the run pauses);
    /// true when the screen changed. Ranks that can still move go on: after
    /// a failure, they go into the calls where they wait for it.
    fn release_due(&mut self, now: Instant) -> bool {
        let model = self.session.model();
        let held = (model.ranks().iter()).any(|r| matches!(r.state, RankState::Held(_)));
        if self.watch.check(model, now).is_some() && !held {
            let changed = self.pacer.mode != PaceMode::Paused;
            if changed {
                self.set_mode(PaceMode::Paused);
            }
            return changed;
        }
        for rank in self.pacer.due(now) {
            self.permit(rank);
        }
        false
    }

    /// Notices that every rank has ended on screen; true when the screen
    /// must be redrawn for it (the summary comes up by itself).
    fn note_done(&mut self, now: Instant) -> bool {
        if !self.session.model().all_done() {
            return false;
        }
        self.done_at.get_or_insert(now);
        if self.setup.exit_when_done {
            self.quit = true;
        }
        let auto = self.summary_auto(now);
        let changed = auto != self.summary_was_auto;
        self.summary_was_auto = auto;
        changed
    }

    /// Now, on the clock of event times (seconds since the run started).
    fn run_clock(&self, now: Instant) -> f64 {
        self.run_clock_at_start + self.elapsed(now)
    }

    /// Seconds since the app started, for the record.
    fn elapsed(&self, now: Instant) -> f64 {
        now.saturating_duration_since(self.started).as_secs_f64()
    }

    /// A rank is let go only once the class has seen it stop.
    fn note_held(&mut self, shown: &[Event]) {
        note_held(&mut self.pacer, shown);
    }

    fn permit(&mut self, rank: u32) {
        let _ = self.commands.send(Command::To(rank, Control::Permit));
    }

    /// Runs the ranks in `mode` from now on, and tells them.
    fn set_mode(&mut self, mode: PaceMode) {
        if mode != PaceMode::Paused {
            self.pacer.forget_held();
        }
        self.pacer.mode = mode;
        let _ = self.commands.send(Command::All(self.pacer.control()));
    }

    fn toggle_pause(&mut self) {
        self.stepped = false;
        self.set_mode(match self.pacer.mode {
            PaceMode::Paused => PaceMode::Paced,
            _ => PaceMode::Paused,
        });
    }

    /// One tick: every held rank makes one call (a rank chosen just
    /// before: that rank alone).
    fn step(&mut self, now: Instant) {
        let ranks = self.pacer.step(self.step_only.take(), now);
        self.stepped |= !ranks.is_empty();
        for rank in ranks {
            self.permit(rank);
        }
    }

    /// A new speed: the ranks at the classroom pace hear it at once.
    fn change_speed(&mut self, faster: bool) {
        if faster {
            self.pacer.faster();
        } else {
            self.pacer.slower();
        }
        if self.pacer.mode == PaceMode::Paced {
            let _ = self.commands.send(Command::All(self.pacer.control()));
        }
    }

    /// Full speed, or back to the classroom pace.
    fn toggle_fast(&mut self) {
        self.set_mode(if self.pacer.mode == PaceMode::Free {
            PaceMode::Paced
        } else {
            PaceMode::Free
        });
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

    /// A signal ends the run at once; so does a failed rank when nobody
    /// watches (`--exit-when-done`). Else the failure stays on screen, and
    /// the other ranks go on until they wait for the failed one (a
    /// deadlock then shows who waits for it), until the class quits.
    fn must_end(&mut self, now: Instant) -> Option<Ending> {
        let t = self.elapsed(now);
        if self.setup.exit_when_done {
            self.session.must_end(t)
        } else {
            self.session.interrupted(t)
        }
    }

    fn quit_ending(&mut self, now: Instant) -> Ending {
        // Judge the run on everything that arrived, shown or not yet.
        self.session.set_flight(None);
        let elapsed = self.elapsed(now);
        if let Some(ending) = self.session.failed_ending(elapsed) {
            return ending;
        }
        if let Some(d) = self.watch.check(self.session.model(), now) {
            let detail = crate::view::words::deadlock_detail(d);
            self.session.end(Outcome::Deadlock, &detail, elapsed);
            return Ending::abort(Outcome::Deadlock, format!("deadlock: {detail}"));
        }
        if self.session.all_done() {
            let (outcome, detail) = verdict(&self.session.model().summary());
            self.session.end(outcome, &detail, elapsed);
            let message = if outcome == Outcome::Completed {
                String::new()
            } else {
                detail
            };
            Ending::finish(outcome, message)
        } else {
            self.session.end(Outcome::Quit, "quit by the user", elapsed);
            Ending::abort(Outcome::Quit, String::new())
        }
    }

    fn shown_file(&self) -> Option<&super::program::SourceFile> {
        (self.setup.program).shown_source(self.session.model(), self.selected)
    }
}

impl Show for Live {
    type Data = Delivery;
    type Ending = Ending;

    fn key_mode(&self) -> KeyMode {
        KeyMode::Live
    }

    fn model(&self) -> &Model {
        self.session.model()
    }

    fn source(&self) -> &str {
        self.shown_file().map_or("", |f| f.text.as_str())
    }

    /// The summary comes up by itself once the last messages have landed.
    fn summary_auto(&self, now: Instant) -> bool {
        let settled = self.pacer.flight() + Duration::from_secs_f64(view::SHOW_DELIVERED_SECONDS);
        self.done_at
            .is_some_and(|t| now.saturating_duration_since(t) >= settled)
    }

    fn take(&mut self, delivery: Delivery, now: Instant) {
        let shown = self.session.take_at(delivery, now);
        self.note_held(&shown);
    }

    fn act(&mut self, action: Action, now: Instant) {
        match action {
            Action::Quit => self.quit = true,
            Action::TogglePause => self.toggle_pause(),
            Action::Step if self.pacer.mode == PaceMode::Paused => self.step(now),
            Action::Faster => self.change_speed(true),
            Action::Slower => self.change_speed(false),
            Action::ToggleFast => self.toggle_fast(),
            Action::SelectRank(r) if r < self.setup.header.world_size => {
                self.selected = Some(r);
                self.step_only = Some(r);
            }
            _ => {}
        }
        // Whatever the action did to the pace, the messages shown from now
        // on cross at that pace (at full speed, not at all).
        self.session.set_flight(presentation(&self.pacer));
    }

    fn closed(&mut self) {
        self.quit = true;
    }

    fn advance(&mut self, now: Instant) -> bool {
        self.session.tick();
        let mut dirty = self.show_due(now);
        if let Some(ending) = self.must_end(now) {
            self.ended = Some(ending);
            return true;
        }
        dirty |= self.release_due(now);
        // Messages move on screen even when no event arrives.
        let flight = self.pacer.flight().as_secs_f64();
        let model = self.session.model();
        dirty |= !view::on_the_wire(model, self.run_clock(now), flight).is_empty();
        dirty | self.note_done(now)
    }

    fn ending(&mut self, now: Instant) -> Option<Ending> {
        match self.ended.take() {
            Some(ending) => Some(ending),
            None if self.quit => Some(self.quit_ending(now)),
            None => None,
        }
    }

    fn frame(&self, now: Instant) -> FrameInfo<'_> {
        FrameInfo {
            program: self.setup.program.info(self.shown_file()),
            status: StatusInfo {
                mode: self.mode(),
                speed_label: view::pace_words(self.pacer.mode == PaceMode::Free, self.pacer.speed),
                replaying: false,
                received: self.session.received_total(),
                dropped: self.session.lost(),
                trace_problems: 0,
                recording_stopped: self.session.recording_stopped(),
                keys_unavailable: false,
            },
            deadlock: self.watch.confirmed(),
            now: self.run_clock(now),
            flight: self.pacer.flight().as_secs_f64(),
            summary_auto: self.summary_auto(now),
        }
    }
}

/// Tells the pacer who was shown stopped before a call, and who moved on.
pub(super) fn note_held(pacer: &mut Pacer, shown: &[Event]) {
    for e in shown {
        match &e.event {
            EventKind::Held(call) => pacer.held(e.rank, call),
            _ => pacer.moved(e.rank),
        }
    }
}
