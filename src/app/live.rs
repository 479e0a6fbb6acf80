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
use super::session::Session;
use super::{Ending, RunSetup};
use crate::probe::{Command, Control, Delivery};
use crate::term::keys::Key;
use crate::term::screen::Screen;
use crate::term::{signals, ScreenTarget};
use crate::trace::display::log_line;
use crate::trace::{EventKind, Outcome};

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
    log: Vec<String>,
    selected: Option<u32>,
    show_help: bool,
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
        log: Vec::new(),
        selected: None,
        show_help: false,
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
            if let Some(rank) = self.pacer.due(Instant::now()) {
                self.permit(rank);
            }
            if self.session.all_done() && self.setup.exit_when_done {
                self.quit = true;
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

    fn elapsed(&self) -> f64 {
        self.started.elapsed().as_secs_f64()
    }

    fn take(&mut self, d: Delivery) {
        for e in self.session.take(d) {
            if let EventKind::Held(_) = e.event {
                self.pacer.held(e.rank);
            }
            self.log.push(log_line(&e));
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
                if self.pacer.mode == PaceMode::Paused {
                    let _ = self.commands.send(Command::All(Control::Gated));
                }
            }
            Action::Step if self.pacer.mode == PaceMode::Paused => {
                if let Some(r) = self.pacer.step(self.selected) {
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
            Action::SelectRank(r) if r < self.setup.header.world_size => self.selected = Some(r),
            _ => {}
        }
    }

    fn quit_ending(&mut self) -> Ending {
        if self.session.all_done() {
            self.session
                .end(Outcome::Completed, "lesson completed", self.elapsed());
            Ending::finish(Outcome::Completed, String::new())
        } else {
            self.session
                .end(Outcome::Quit, "quit by the user", self.elapsed());
            Ending::abort(Outcome::Quit, String::new())
        }
    }

    fn draw(&self, f: &mut ratatui::Frame) {
        use ratatui::widgets::{Block, Paragraph};
        let area = f.area();
        let lines = area.height.saturating_sub(2) as usize;
        let start = self.log.len().saturating_sub(lines);
        let text = self.log[start..].join("\n");
        let title = format!(
            " mpi-tutor: {} on {} ranks  [{:?}, {}] ",
            self.setup.lesson.name,
            self.setup.header.world_size,
            self.pacer.mode,
            self.pacer.speed_label()
        );
        f.render_widget(
            Paragraph::new(text).block(Block::bordered().title(title)),
            area,
        );
    }
}
