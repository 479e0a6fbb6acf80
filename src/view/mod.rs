//! The terminal view: pure rendering of a [`Model`] into a ratatui buffer.
//! Nothing here reads a clock or the terminal: the app passes `now`, the
//! scroll offsets and the mode, so every frame is reproducible in tests.
//!
//! Layout (at least 80x24): status bar on top, the world (ranks and the
//! messages between them) in the middle, lesson source and event log side
//! by side below, key hints at the bottom; help, summary and the deadlock
//! banner are drawn over it. When the lesson shows a field (halo), the heat
//! map takes the right of the world row, as wide as its height lets the
//! map be and at most half of it; the ranks keep the rest (boxes when they
//! fit, else the compact grid).
//!
//! Many ranks (tested at 64): the grid's cells shorten their words to fit
//! (`waiting in recv from 3`, `recv←3`, `←3`), the world's title its counts,
//! the heat map drops block outlines for ticks on its frame when blocks get
//! too small to outline, the space-time diagram scrolls through the ranks
//! (↑↓ with the world focused), the matrix groups ranks, and the summary
//! lists only the ranks that waited longest.

mod deadlock;
mod detail;
mod field;
mod footer;
mod heatmap;
mod help;
pub mod hosts;
mod keys;
mod lesson;
mod log;
mod matrix;
mod messages;
mod ranks;
mod spacetime;
mod status;
mod summary;
mod theme;
mod too_small;
pub mod words;
mod world;
mod wrap;

#[cfg(test)]
mod collective_tests;
#[cfg(test)]
mod heatmap_tests;
#[cfg(test)]
mod hosts_tests;
#[cfg(test)]
mod panel_tests;
#[cfg(test)]
mod summary_outcome_tests;
#[cfg(test)]
mod summary_tests;
#[cfg(test)]
mod tests;
#[cfg(test)]
mod words_tests;

pub use deadlock::DeadlockBanner;
pub use field::{active_edges, EDGE_GLOW_SECONDS};
pub use footer::Footer;
pub use heatmap::{has_field, HeatMap};
pub use help::HelpOverlay;
pub use keys::{Action, KeyMode, KeyRow, KEYS};
pub use lesson::LessonPane;
pub use log::LogPane;
pub use matrix::{Matrix, SHADES};
pub use messages::{on_the_wire, FLIGHT_SECONDS, SHOW_DELIVERED_SECONDS};
pub use spacetime::{time_label, SpaceTime, SpaceTimeView};
pub use status::{pace_words, replay_position, StatusBar};
pub use summary::SummaryOverlay;
pub use theme::Theme;
pub use too_small::{TooSmall, MIN_HEIGHT, MIN_WIDTH};
pub use world::World;

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::widgets::Widget;

use crate::model::{Deadlock, Model};

/// The program being run as the status bar, the source pane and the help
/// show it: for a lesson, the lesson; `file` and `source` are the one
/// source file shown (the app picks it).
#[derive(Debug, Clone, Copy)]
pub struct LessonInfo<'a> {
    /// Short name: `send_recv`.
    pub name: &'a str,
    /// One-line title: `Send and receive`.
    pub title: &'a str,
    /// Source file as named in call sites: `lessons/send_recv.rs`.
    pub file: &'a str,
    pub source: &'a str,
    pub explanation: &'a str,
}

/// The title shown for a recorded program this version does not know.
pub const UNKNOWN_TITLE: &str = "(a lesson this version does not know)";

impl LessonInfo<'_> {
    /// A built-in lesson, which checks its results; a watched program's
    /// file is its own source, and it has no checks.
    pub fn is_lesson(&self) -> bool {
        self.file.starts_with("lessons/")
    }
}

impl From<&'static crate::lessons::Lesson> for LessonInfo<'static> {
    fn from(l: &'static crate::lessons::Lesson) -> Self {
        LessonInfo {
            name: l.name,
            title: l.title,
            file: l.file,
            source: l.source,
            explanation: l.explanation,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Live,
    Paused,
    Stepping,
    Done,
    Replay,
}

impl Mode {
    pub fn word(self) -> &'static str {
        match self {
            Mode::Live => "LIVE",
            Mode::Paused => "PAUSED",
            Mode::Stepping => "STEPPING",
            Mode::Done => "DONE",
            Mode::Replay => "REPLAY",
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct StatusInfo {
    pub mode: Mode,
    /// `1x`, `0.25x`, `max`...; a replay's position (`paused · event
    /// 3/40 · 4 ev/s`) when `replaying`.
    pub speed_label: String,
    /// A replay: the label says where it is, not only a speed.
    pub replaying: bool,
    /// Events received by rank 0.
    pub received: u64,
    /// Events known to be lost (shown whenever > 0).
    pub dropped: u64,
    /// Problems found in a replayed trace (ranks outside the world,
    /// duplicated, missing or out-of-order events), shown whenever > 0;
    /// each is listed when the replay ends.
    pub trace_problems: usize,
    /// A failed write (a full disk) stopped the live run's recording.
    pub recording_stopped: bool,
    /// No key can reach the view: the status bar says how to stop it.
    pub keys_unavailable: bool,
}

/// The panes Tab cycles through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Pane {
    #[default]
    World,
    Lesson,
    Log,
}

impl Pane {
    pub fn next(self) -> Pane {
        match self {
            Pane::World => Pane::Lesson,
            Pane::Lesson => Pane::Log,
            Pane::Log => Pane::World,
        }
    }
}

/// What fills the top of the screen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MainPanel {
    /// The ranks and the messages between them, now.
    #[default]
    World,
    /// Each rank's calls and messages over time.
    SpaceTime,
    /// Who sent how much to whom.
    Matrix,
}

/// One frame. Build it per draw and render `&screen` into the frame:
/// `frame.render_widget(&screen, frame.area())`.
pub struct Screen<'a> {
    pub model: &'a Model,
    pub lesson: LessonInfo<'a>,
    pub status: StatusInfo,
    pub focus: Pane,
    /// Log lines scrolled up from the newest (0 = follow the newest).
    pub log_scroll: usize,
    /// First source line shown (0-based); None = keep the ranks' lines in view.
    pub source_scroll: Option<usize>,
    pub show_help: bool,
    pub show_summary: bool,
    /// The deadlock to show, once the app has seen it last its grace period.
    pub deadlock: Option<&'a Deadlock>,
    /// Time in the run's clock (seconds, like event times) for animation.
    pub now: f64,
    /// Seconds an envelope takes to cross the screen at the current pace.
    pub flight: f64,
    /// False to honour NO_COLOR: meaning is carried by words alone.
    pub color: bool,
    /// The panel above the lesson and the log.
    pub main_panel: MainPanel,
    /// The stretch of time the space-time diagram shows.
    pub spacetime: SpaceTimeView,
    /// The rank chosen with its number key: shown in full under the ranks.
    pub selected: Option<u32>,
    /// Whether the values messages carry are shown (the `v` key).
    pub values: bool,
}

impl<'a> Screen<'a> {
    /// The screen of a live run at full speed with nothing open: the world
    /// panel, focus on it, following the newest log line, at the model's
    /// time. Benches and tests start here and change what they look at.
    pub fn following(model: &'a Model, lesson: LessonInfo<'a>) -> Self {
        Screen {
            model,
            lesson,
            status: StatusInfo {
                mode: Mode::Live,
                speed_label: "full speed".into(),
                replaying: false,
                received: model.events_applied(),
                dropped: 0,
                trace_problems: 0,
                recording_stopped: false,
                keys_unavailable: false,
            },
            focus: Pane::World,
            log_scroll: 0,
            source_scroll: None,
            show_help: false,
            show_summary: false,
            deadlock: None,
            now: model.now(),
            flight: FLIGHT_SECONDS,
            color: true,
            main_panel: MainPanel::World,
            spacetime: SpaceTimeView::default(),
            selected: None,
            values: true,
        }
    }
}

impl Widget for &Screen<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            TooSmall {
                width: area.width,
                height: area.height,
            }
            .render(area, buf);
            return;
        }
        let theme = Theme::new(self.color);
        let heat = self.heat_map(theme);
        let areas = Areas::of(area, heat.as_ref());
        StatusBar {
            model: self.model,
            lesson: &self.lesson,
            status: &self.status,
            deadlock: self.deadlock.is_some(),
            theme,
        }
        .render(areas.status, buf);
        self.render_top(&areas, heat.as_ref(), theme, buf);
        self.render_bottom(&areas, theme, buf);
        self.render_overlays(&areas, theme, buf);
    }
}

/// Where each part of the screen goes.
struct Areas {
    status: Rect,
    /// The top panel, the lesson and the log: what overlays cover.
    main: Rect,
    /// The top panel.
    world: Rect,
    /// The world's ranks, beside the heat map when there is one.
    ranks: Rect,
    heat: Option<Rect>,
    lesson: Rect,
    log: Rect,
    footer: Rect,
}

impl Areas {
    fn of(area: Rect, heat: Option<&HeatMap>) -> Areas {
        let [status, main, footer] = rows(area);
        let [world, bottom] = main_rows(main);
        let [lesson, log] =
            Layout::horizontal([Constraint::Percentage(55), Constraint::Fill(1)]).areas(bottom);
        let (ranks, heat) = match heat {
            Some(h) => {
                let w = h.width_for(world.height).min(world.width / 2);
                let [ranks, map] =
                    Layout::horizontal([Constraint::Fill(1), Constraint::Length(w)]).areas(world);
                (ranks, Some(map))
            }
            None => (world, None),
        };
        Areas {
            status,
            main,
            world,
            ranks,
            heat,
            lesson,
            log,
            footer,
        }
    }
}

impl Screen<'_> {
    /// The heat map, when the lesson has shown a field.
    fn heat_map(&self, theme: Theme) -> Option<HeatMap<'_>> {
        has_field(self.model).then(|| HeatMap {
            model: self.model,
            now: self.now,
            flight: self.flight,
            theme,
            focused: self.focus == Pane::World,
        })
    }

    /// The top panel: the world (and the heat map), the space-time
    /// diagram or the matrix.
    fn render_top(&self, areas: &Areas, heat: Option<&HeatMap>, theme: Theme, buf: &mut Buffer) {
        let focused = self.focus == Pane::World;
        match self.main_panel {
            MainPanel::World => {
                World {
                    model: self.model,
                    selected: self.selected,
                    deadlock: self.deadlock,
                    now: self.now,
                    flight: self.flight,
                    values: self.values,
                    focused,
                    theme,
                }
                .render(areas.ranks, buf);
                if let (Some(h), Some(area)) = (heat, areas.heat) {
                    h.render(area, buf);
                }
            }
            MainPanel::SpaceTime => SpaceTime {
                model: self.model,
                view: self.spacetime,
                focused,
                theme,
            }
            .render(areas.world, buf),
            MainPanel::Matrix => Matrix {
                model: self.model,
                focused,
                theme,
            }
            .render(areas.world, buf),
        }
    }

    /// The lesson's source, the log and the key hints.
    fn render_bottom(&self, areas: &Areas, theme: Theme, buf: &mut Buffer) {
        LessonPane {
            model: self.model,
            lesson: &self.lesson,
            scroll: self.source_scroll,
            focused: self.focus == Pane::Lesson,
            theme,
        }
        .render(areas.lesson, buf);
        LogPane {
            model: self.model,
            scroll: self.log_scroll,
            focused: self.focus == Pane::Log,
            values: self.values,
            theme,
        }
        .render(areas.log, buf);
        Footer { theme }.render(areas.footer, buf);
    }

    /// The deadlock banner, the summary and the help, over the rest.
    fn render_overlays(&self, areas: &Areas, theme: Theme, buf: &mut Buffer) {
        if let Some(d) = self.deadlock {
            let failure = (d.dead_end)
                .and_then(|r| self.model.ranks().get(r as usize))
                .and_then(words::failure);
            DeadlockBanner {
                deadlock: d,
                failure,
                theme,
            }
            .render(areas.world, buf);
        }
        if self.show_summary {
            SummaryOverlay {
                model: self.model,
                deadlock: self.deadlock,
                mode: self.status.mode,
                theme,
                lesson: self.lesson.is_lesson(),
            }
            .render(areas.main, buf);
        }
        if self.show_help {
            HelpOverlay {
                name: self.lesson.name,
                title: self.lesson.title,
                explanation: self.lesson.explanation,
                header: self.model.header(),
                theme,
            }
            .render(areas.main, buf);
        }
    }
}

/// Status bar, the panels, key hints.
fn rows(area: Rect) -> [Rect; 3] {
    Layout::vertical([
        Constraint::Length(1),
        Constraint::Fill(1),
        Constraint::Length(1),
    ])
    .areas(area)
}

/// The top panel (world, space-time or matrix) above lesson and log.
fn main_rows(main: Rect) -> [Rect; 2] {
    Layout::vertical([Constraint::Percentage(55), Constraint::Fill(1)]).areas(main)
}

/// Where the top panel goes on a screen of `area`: the keys that scroll
/// it need its size.
pub fn top_panel(area: Rect) -> Rect {
    main_rows(rows(area)[1])[0]
}

/// Cuts `s` to `width` columns, ending in `…` if anything was cut.
pub(crate) fn fit(s: &str, width: usize) -> String {
    let n = s.chars().count();
    if n <= width {
        s.to_string()
    } else if width == 0 {
        String::new()
    } else {
        let mut out: String = s.chars().take(width - 1).collect();
        out.push('…');
        out
    }
}

/// The file name of a path: `send_recv.rs` for `lessons/send_recv.rs`.
pub(crate) fn base_name(path: &str) -> &str {
    path.rsplit(['/', '\\']).next().unwrap_or(path)
}
