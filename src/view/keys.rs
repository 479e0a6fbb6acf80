//! The key table: every key, what it does, the words shown for it and
//! where it applies. The app maps keys through it (`app::keymap`), the
//! footer and the help overlay show it, so they can never disagree.
//!
//! The keys follow the terminal-tool conventions: q/Esc quit, space pause,
//! ? help, Tab focus, arrows scroll.

use crate::term::keys::Key;

/// What the user asks for; the app's loops never look at a key itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Quit,
    TogglePause,
    Step,
    /// Replay: one event back.
    StepBack,
    /// Replay: to the first / last event.
    JumpStart,
    JumpEnd,
    Faster,
    Slower,
    ToggleFast,
    ToggleHelp,
    ToggleSummary,
    FocusNext,
    FocusPrev,
    ScrollUp,
    ScrollDown,
    PageUp,
    PageDown,
    Top,
    Bottom,
    SelectRank(u32),
    /// The top panel: ranks and messages, space-time diagram, matrix.
    ShowWorld,
    ShowSpaceTime,
    ShowMatrix,
    ZoomIn,
    ZoomOut,
    Earlier,
    Later,
    /// Show or hide the values messages carry.
    ToggleValues,
}

/// What the view is showing: a run as it happens, or a recorded one.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyMode {
    Live,
    Replay,
}

/// One line of the help: its keys as shown, what they do, the footer's
/// word for them ("" to leave them out of the footer), where they apply,
/// and each key with its action.
pub struct KeyRow {
    pub label: &'static str,
    pub what: &'static str,
    pub hint: &'static str,
    pub modes: &'static [KeyMode],
    pub keys: &'static [(Key, Action)],
}

const BOTH: &[KeyMode] = &[KeyMode::Live, KeyMode::Replay];
const LIVE: &[KeyMode] = &[KeyMode::Live];
const REPLAY: &[KeyMode] = &[KeyMode::Replay];

/// The key table, in the order the help lists it.
pub const KEYS: &[KeyRow] = &[
    KeyRow {
        label: "space",
        what: "pause / resume the ranks",
        hint: "pause",
        modes: BOTH,
        keys: &[
            (Key::Char(' '), Action::TogglePause),
            (Key::Char('p'), Action::TogglePause),
        ],
    },
    KeyRow {
        label: "n",
        what: "while paused: each held rank makes one call (also →)",
        hint: "step",
        modes: BOTH,
        keys: &[(Key::Char('n'), Action::Step), (Key::Right, Action::Step)],
    },
    KeyRow {
        label: "0-9",
        what: "choose a rank: the next n moves it alone",
        hint: "",
        modes: LIVE,
        keys: &[
            (Key::Char('0'), Action::SelectRank(0)),
            (Key::Char('1'), Action::SelectRank(1)),
            (Key::Char('2'), Action::SelectRank(2)),
            (Key::Char('3'), Action::SelectRank(3)),
            (Key::Char('4'), Action::SelectRank(4)),
            (Key::Char('5'), Action::SelectRank(5)),
            (Key::Char('6'), Action::SelectRank(6)),
            (Key::Char('7'), Action::SelectRank(7)),
            (Key::Char('8'), Action::SelectRank(8)),
            (Key::Char('9'), Action::SelectRank(9)),
        ],
    },
    KeyRow {
        label: "+ -",
        what: "faster / slower",
        hint: "speed",
        modes: BOTH,
        keys: &[
            (Key::Char('+'), Action::Faster),
            (Key::Char('='), Action::Faster),
            (Key::Char('-'), Action::Slower),
        ],
    },
    KeyRow {
        label: "f",
        what: "full speed / classroom pace",
        hint: "",
        modes: LIVE,
        keys: &[(Key::Char('f'), Action::ToggleFast)],
    },
    KeyRow {
        label: "tab",
        what: "move focus: world, lesson, log",
        hint: "focus",
        modes: BOTH,
        keys: &[
            (Key::Tab, Action::FocusNext),
            (Key::BackTab, Action::FocusPrev),
        ],
    },
    KeyRow {
        label: "w t m",
        what: "top panel: world, space-time diagram, matrix",
        hint: "",
        modes: BOTH,
        keys: &[
            (Key::Char('w'), Action::ShowWorld),
            (Key::Char('t'), Action::ShowSpaceTime),
            (Key::Char('m'), Action::ShowMatrix),
        ],
    },
    KeyRow {
        label: "< > , .",
        what: "space-time: zoom out / in; earlier / later",
        hint: "",
        modes: BOTH,
        keys: &[
            (Key::Char('<'), Action::ZoomOut),
            (Key::Char('>'), Action::ZoomIn),
            (Key::Char(','), Action::Earlier),
            (Key::Char('.'), Action::Later),
        ],
    },
    KeyRow {
        label: "b [ ]",
        what: "replay: one event back; to the start / end",
        hint: "",
        modes: REPLAY,
        keys: &[
            (Key::Char('b'), Action::StepBack),
            (Key::Left, Action::StepBack),
            (Key::Char('['), Action::JumpStart),
            (Key::Char(']'), Action::JumpEnd),
        ],
    },
    KeyRow {
        label: "↑ ↓ PgUp PgDn",
        what: "scroll the focused pane (space-time: its ranks)",
        hint: "scroll",
        modes: BOTH,
        keys: &[
            (Key::Up, Action::ScrollUp),
            (Key::Char('k'), Action::ScrollUp),
            (Key::Down, Action::ScrollDown),
            (Key::Char('j'), Action::ScrollDown),
            (Key::PageUp, Action::PageUp),
            (Key::PageDown, Action::PageDown),
            (Key::Home, Action::Top),
            (Key::Char('g'), Action::Top),
            (Key::End, Action::Bottom),
            (Key::Char('G'), Action::Bottom),
        ],
    },
    KeyRow {
        label: "v",
        what: "show / hide the values messages carry",
        hint: "",
        modes: BOTH,
        keys: &[(Key::Char('v'), Action::ToggleValues)],
    },
    KeyRow {
        label: "s",
        what: "show / hide the summary",
        hint: "summary",
        modes: BOTH,
        keys: &[(Key::Char('s'), Action::ToggleSummary)],
    },
    KeyRow {
        label: "?",
        what: "show / hide this help",
        hint: "help",
        modes: BOTH,
        keys: &[
            (Key::Char('?'), Action::ToggleHelp),
            (Key::Char('h'), Action::ToggleHelp),
        ],
    },
    KeyRow {
        label: "q",
        what: "quit, ending every rank (also Esc, Ctrl-C)",
        hint: "quit",
        modes: BOTH,
        keys: &[
            (Key::Char('q'), Action::Quit),
            (Key::Esc, Action::Quit),
            (Key::CtrlC, Action::Quit),
        ],
    },
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_key_does_two_things() {
        let keys: Vec<Key> = KEYS.iter().flat_map(|r| r.keys).map(|(k, _)| *k).collect();
        for (i, key) in keys.iter().enumerate() {
            assert!(!keys[i + 1..].contains(key), "{key:?} is bound twice");
        }
    }
}
