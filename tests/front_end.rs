//! The whole front end (keys -> actions -> model -> frame) driven by
//! scripted keys and ticks over recorded runs, drawn on a ratatui
//! `TestBackend`: what a teacher sees at each key moment of a replay, and
//! of a live run fed the recorded events as the collector delivers them,
//! without a terminal. The clock is scripted too: a tick per input.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::path::Path;
use std::sync::mpsc::{channel, Receiver};
use std::time::Instant;

use mpi_tutor::app::front::FrontEnd;
use mpi_tutor::app::inputs::{Input, Inputs, TICK};
use mpi_tutor::app::live::Live;
use mpi_tutor::app::pace::PaceMode;
use mpi_tutor::app::playback::Playback;
use mpi_tutor::app::program::Program;
use mpi_tutor::app::ui::Painter;
use mpi_tutor::app::{Ending, RunSetup};
use mpi_tutor::probe::{Command, Control, Delivery};
use mpi_tutor::term::keys::Key;
use mpi_tutor::trace::{read_packed, read_trace, Event, EventKind, Outcome};
use ratatui::backend::TestBackend;

const SIZE: (u16, u16) = (80, 24);

/// A replay of a recorded run on a test screen, with its own clock.
struct Replay {
    front: FrontEnd<TestBackend, Playback>,
    now: Instant,
    ended: bool,
}

impl Replay {
    fn of(fixture: &str) -> Replay {
        let path = format!(
            "{}/tests/fixtures/{fixture}.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        Replay::of_file(Path::new(&path))
    }

    fn of_file(path: &Path) -> Replay {
        let trace = read_packed(path).expect("a recorded run");
        let now = Instant::now();
        let painter = Painter::new(TestBackend::new(SIZE.0, SIZE.1), SIZE).expect("a test screen");
        let mut replay = Replay {
            front: FrontEnd::new(Playback::new(trace, now), painter),
            now,
            ended: false,
        };
        replay.tick();
        replay
    }

    /// One turn of the front end, a tick after the last.
    fn input(&mut self, input: Input<Infallible>) {
        assert!(!self.ended, "the replay has already ended");
        self.now += TICK;
        let step = self.front.step(input, self.now, Some(SIZE));
        self.ended = step.expect("the frame is drawn").is_some();
    }

    fn tick(&mut self) {
        self.input(Input::Tick);
    }

    fn press(&mut self, keys: &str) {
        for c in keys.chars() {
            self.input(Input::Key(Key::Char(c)));
        }
    }

    fn screen(&self) -> String {
        text(self.front.backend())
    }

    fn position(&self) -> usize {
        self.front.show.position()
    }
}

/// The screen as text, one line per row, trailing blanks cut.
fn text(backend: &TestBackend) -> String {
    let buf = backend.buffer();
    let area = buf.area;
    let mut out = String::new();
    for y in area.top()..area.bottom() {
        let row: String = (area.left()..area.right())
            .map(|x| buf[(x, y)].symbol())
            .collect();
        out.push_str(row.trim_end());
        out.push('\n');
    }
    out
}

/// The words in rank `r`'s box: the rows under its title, in its columns,
/// as one line.
fn rank_box(screen: &str, r: u32) -> String {
    let lines: Vec<Vec<char>> = screen.lines().map(|l| l.chars().collect()).collect();
    let title: Vec<char> = format!("┌ rank {r} ").chars().collect();
    let (top, left) = lines
        .iter()
        .enumerate()
        .find_map(|(y, l)| {
            (0..l.len())
                .find(|&x| l[x..].starts_with(&title))
                .map(|x| (y, x))
        })
        .unwrap_or_else(|| panic!("no box of rank {r} in\n{screen}"));
    let right = (left + 1..lines[top].len())
        .find(|&x| lines[top][x] == '┐')
        .expect("the box's corner");
    lines[top + 1..]
        .iter()
        .take_while(|l| l.get(left) == Some(&'│'))
        .map(|l| l[left + 1..right.min(l.len())].iter().collect::<String>())
        .collect::<Vec<_>>()
        .join(" ")
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

#[test]
fn a_teacher_steps_through_send_recv_and_back() {
    let mut replay = Replay::of("send_recv");
    let start = replay.screen();
    assert!(start.contains("REPLAY"), "{start}");
    assert!(start.contains("event 0/25"), "{start}");
    insta::assert_snapshot!("send_recv_start", start);

    // Rank 1's receive begins with the 16th event: it waits for rank 0.
    replay.press(&"n".repeat(16));
    assert_eq!(replay.position(), 16);
    let waiting = replay.screen();
    let rank1 = rank_box(&waiting, 1);
    assert!(rank1.contains("waiting in recv from 0"), "{rank1}");
    assert!(rank_box(&waiting, 0).contains("held by the tutor send → 1"));
    insta::assert_snapshot!("send_recv_rank1_waits", waiting);

    replay.press("?");
    let help = replay.screen();
    assert!(help.contains("replay: one event back"), "{help}");
    insta::assert_snapshot!("send_recv_help", help);
    replay.press("?");
    assert!(!replay.screen().contains("replay: one event back"));

    // At the end the summary comes up by itself.
    replay.press("]");
    let end = replay.screen();
    assert!(end.contains("DONE") && end.contains("event 25/25"), "{end}");
    assert!(
        end.contains("┌ summary") && end.contains("1 passed, 0 failed"),
        "{end}"
    );
    insta::assert_snapshot!("send_recv_summary", end);

    // One step back: the run is not over, the summary goes away.
    replay.press("b");
    assert_eq!(replay.position(), 24);
    let back = replay.screen();
    assert!(
        back.contains("REPLAY") && back.contains("event 24/25"),
        "{back}"
    );
    assert!(!back.contains("┌ summary"), "{back}");
    insta::assert_snapshot!("send_recv_step_back", back);

    replay.press("q");
    assert!(replay.ended, "q ends the replay");
}

#[test]
fn playing_moves_on_by_the_clock_at_the_chosen_speed() {
    let mut replay = Replay::of("ring");
    // 4 events a second: one every quarter of a second, 7.5 ticks.
    replay.press(" ");
    for _ in 0..30 {
        replay.tick();
    }
    assert_eq!(replay.position(), 4, "a second of playing at 4 ev/s");
    replay.press("+");
    for _ in 0..30 {
        replay.tick();
    }
    assert_eq!(replay.position(), 4 + 7, "a second more at 8 ev/s");
    assert!(replay.screen().contains("playing · event 11/"));
    assert!(
        !replay.screen().contains("speed playing"),
        "a position, not a speed: {}",
        replay.screen()
    );
    replay.press(" ");
    for _ in 0..30 {
        replay.tick();
    }
    assert_eq!(replay.position(), 11, "paused");
    assert!(replay.screen().contains("paused · event 11/"));
}

#[test]
fn a_recorded_deadlock_shows_its_cycle_at_the_end() {
    let mut replay = Replay::of("deadlock");
    replay.press("]");
    let end = replay.screen();
    assert!(end.contains("DEADLOCK"), "{end}");
    insta::assert_snapshot!("deadlock_end", end);
}

/// Scripted inputs for the front end's own loop: each a tick apart.
struct Script {
    inputs: VecDeque<Input<Infallible>>,
    now: Instant,
}

impl Inputs for Script {
    type Data = Infallible;

    fn next(&mut self) -> Input<Infallible> {
        self.now += TICK;
        self.inputs.pop_front().unwrap_or(Input::Closed)
    }

    fn now(&self) -> Instant {
        self.now
    }

    fn size(&self) -> Option<(u16, u16)> {
        Some(SIZE)
    }
}

#[test]
fn the_loop_runs_until_quit_or_until_its_inputs_end() {
    let mut replay = Replay::of("send_recv");
    let keys = [
        Key::Char('n'),
        Key::Char('n'),
        Key::Char('q'),
        Key::Char('n'),
    ];
    let mut script = Script {
        inputs: keys.into_iter().map(Input::Key).collect(),
        now: replay.now,
    };
    replay.front.run(&mut script).expect("drawn");
    assert_eq!(replay.position(), 2, "what came after q was not read");
    assert_eq!(script.inputs.len(), 1);

    let mut replay = Replay::of("send_recv");
    let mut script = Script {
        inputs: VecDeque::from([Input::Key(Key::Char(']'))]),
        now: replay.now,
    };
    replay.front.run(&mut script).expect("drawn");
    assert_eq!(replay.position(), 25, "ended when the inputs did");
}

/// A live run on a test screen: the recorded send-recv's events arrive as
/// the collector would deliver them, and what the app tells the ranks is
/// read from its command channel.
struct LiveRun {
    front: FrontEnd<TestBackend, Live>,
    commands: Receiver<Command>,
    events: Vec<Event>,
    now: Instant,
}

impl LiveRun {
    /// Send-recv on 5 ranks, started with `--paused`.
    fn paused() -> LiveRun {
        LiveRun::started(PaceMode::Paused)
    }

    /// Send-recv on 5 ranks at the pace `pace`.
    fn started(pace: PaceMode) -> LiveRun {
        let path = format!(
            "{}/tests/fixtures/send_recv.jsonl",
            env!("CARGO_MANIFEST_DIR")
        );
        let trace = read_trace(Path::new(&path)).expect("a recorded run");
        let setup = RunSetup {
            program: Program::from_header(&trace.header),
            header: trace.header,
            record: None,
            pace,
            speed: 2.0,
            exit_when_done: false,
        };
        let (tx, commands) = channel();
        let now = Instant::now();
        let live = Live::new(setup, tx, now, 0.0).expect("a live run");
        let painter = Painter::new(TestBackend::new(SIZE.0, SIZE.1), SIZE).expect("a test screen");
        // The app writes how the run ended itself.
        let events = trace.events.into_iter().filter(|e| !ended(e)).collect();
        LiveRun {
            front: FrontEnd::new(live, painter),
            commands,
            events,
            now,
        }
    }

    fn input(&mut self, input: Input<Delivery>) -> Option<Ending> {
        self.now += TICK;
        let step = self.front.step(input, self.now, Some(SIZE));
        step.expect("the frame is drawn")
    }

    /// The recorded events arrive up to rank 1's receive (not included):
    /// ranks 0 and 1 are shown held before their calls.
    fn deliver_until_rank1_begins(&mut self) {
        let rank1_begins = self
            .events
            .iter()
            .position(|e| e.rank == 1 && matches!(e.event, EventKind::Begin(_)))
            .expect("rank 1's receive");
        self.deliver(rank1_begins);
    }

    /// The next `n` recorded events arrive in one batch.
    fn deliver(&mut self, n: usize) {
        let batch: Vec<Event> = self.events.drain(..n).collect();
        assert!(self.input(Input::Data(Delivery::Events(batch))).is_none());
    }

    fn press(&mut self, keys: &str) -> Option<Ending> {
        keys.chars()
            .map(|c| self.input(Input::Key(Key::Char(c))))
            .last()
            .flatten()
    }

    /// Time passes, a tick at a time, until the summary is up by itself
    /// (at most 10 s).
    fn tick_until_the_summary(&mut self) {
        let mut ticks = 0;
        while !self.screen().contains("┌ summary") {
            assert!(self.input(Input::Tick).is_none());
            ticks += 1;
            assert!(ticks < 300, "no summary after 10 s:\n{}", self.screen());
        }
    }

    /// What the app told the ranks since the last look.
    fn told(&self) -> Vec<Command> {
        self.commands.try_iter().collect()
    }

    fn screen(&self) -> String {
        text(self.front.backend())
    }
}

fn ended(e: &Event) -> bool {
    matches!(e.event, EventKind::RunEnded { .. })
}

#[test]
fn a_plain_step_lets_the_receive_go_first_and_the_send_once_it_waits() {
    let mut run = LiveRun::paused();
    run.deliver_until_rank1_begins();
    // Both ranks are held: one `n` is a tick for both, the receive first.
    run.press("n");
    assert_eq!(run.told(), vec![Command::To(1, Control::Permit)]);
    assert!(run.input(Input::Tick).is_none());
    assert_eq!(run.told(), vec![], "the send waits to see the receive");
    // Rank 1's receive is shown waiting: now rank 0 sends.
    run.deliver(1);
    assert!(rank_box(&run.screen(), 1).contains("waiting in recv from 0"));
    assert!(run.input(Input::Tick).is_none());
    assert_eq!(run.told(), vec![Command::To(0, Control::Permit)]);
}

#[test]
fn a_run_at_full_speed_shows_its_summary_by_itself_and_s_hides_it() {
    let mut run = LiveRun::started(PaceMode::Free);
    let all = run.events.len();
    run.deliver(all);
    // Only time passes: no key is pressed.
    run.tick_until_the_summary();
    run.press("s");
    assert!(!run.screen().contains("┌ summary"), "{}", run.screen());
    run.press("s");
    assert!(run.screen().contains("┌ summary"), "{}", run.screen());
}

#[test]
fn a_teacher_lets_rank_1_go_first_then_rank_0() {
    let mut run = LiveRun::paused();
    run.deliver_until_rank1_begins();
    let paused = run.screen();
    assert!(paused.contains("PAUSED"), "{paused}");
    assert!(rank_box(&paused, 0).contains("held by the tutor send → 1"));
    assert!(rank_box(&paused, 1).contains("held by the tutor recv ← 0"));
    insta::assert_snapshot!("live_paused", paused);

    // `1` then `n`: rank 1 is let into its receive, and only rank 1.
    run.press("1n");
    assert_eq!(run.told(), vec![Command::To(1, Control::Permit)]);
    run.deliver(1);
    let waiting = run.screen();
    assert!(waiting.contains("STEPPING"), "{waiting}");
    assert!(rank_box(&waiting, 1).contains("waiting in recv from 0"));
    insta::assert_snapshot!("live_rank1_waits", waiting);

    // `n` again: rank 0, the one still held, sends; the run ends.
    run.press("n");
    assert_eq!(run.told(), vec![Command::To(0, Control::Permit)]);
    let rest = run.events.len();
    run.deliver(rest);
    // The summary comes up once the message has crossed and landed.
    run.tick_until_the_summary();
    let done = run.screen();
    assert!(done.contains("DONE") && done.contains("1 passed, 0 failed"));
    insta::assert_snapshot!("live_summary", done);

    let ending = run.press("q").expect("q ends the run");
    assert_eq!(ending.outcome, Outcome::Completed);
    assert_eq!(ending.exit_code(), 0);
}

#[test]
fn a_damaged_trace_replays_and_says_so_in_the_status_bar() {
    let fixture = format!(
        "{}/tests/fixtures/send_recv.jsonl",
        env!("CARGO_MANIFEST_DIR")
    );
    let text = std::fs::read_to_string(fixture).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(6, lines[5]);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("twice.jsonl");
    std::fs::write(&path, lines.join("\n") + "\n").unwrap();
    let mut replay = Replay::of_file(&path);
    replay.press("nnn");
    let screen = replay.screen();
    let status = screen.lines().next().unwrap();
    assert!(
        status.contains("TRACE HAS 1 PROBLEM(S), LISTED ON QUIT"),
        "{screen}"
    );
    assert_eq!(replay.position(), 3, "the replay goes on");
}
