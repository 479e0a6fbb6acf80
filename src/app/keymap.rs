//! Keys become actions; the loop never looks at a key itself. The keys
//! follow the terminal-tool conventions: q/Esc quit, space pause, ? help,
//! Tab focus, arrows scroll. What the keys do is listed for people in
//! `view::KEYS`.

use crate::term::keys::Key;

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
}

pub fn action_for(key: Key) -> Option<Action> {
    Some(match key {
        Key::Char('q') | Key::Esc | Key::CtrlC => Action::Quit,
        Key::Char(' ') | Key::Char('p') => Action::TogglePause,
        Key::Char('n') | Key::Right => Action::Step,
        Key::Char('b') | Key::Left => Action::StepBack,
        Key::Char('[') => Action::JumpStart,
        Key::Char(']') => Action::JumpEnd,
        Key::Char('+') | Key::Char('=') => Action::Faster,
        Key::Char('-') => Action::Slower,
        Key::Char('f') => Action::ToggleFast,
        Key::Char('?') | Key::Char('h') => Action::ToggleHelp,
        Key::Char('s') => Action::ToggleSummary,
        Key::Tab => Action::FocusNext,
        Key::BackTab => Action::FocusPrev,
        Key::Up | Key::Char('k') => Action::ScrollUp,
        Key::Down | Key::Char('j') => Action::ScrollDown,
        Key::PageUp => Action::PageUp,
        Key::PageDown => Action::PageDown,
        Key::Home | Key::Char('g') => Action::Top,
        Key::End | Key::Char('G') => Action::Bottom,
        Key::Char(c) if c.is_ascii_digit() => Action::SelectRank(c as u32 - '0' as u32),
        Key::Char('w') => Action::ShowWorld,
        Key::Char('t') => Action::ShowSpaceTime,
        Key::Char('m') => Action::ShowMatrix,
        Key::Char('>') => Action::ZoomIn,
        Key::Char('<') => Action::ZoomOut,
        Key::Char(',') => Action::Earlier,
        Key::Char('.') => Action::Later,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conventional_keys() {
        assert_eq!(action_for(Key::Char('q')), Some(Action::Quit));
        assert_eq!(action_for(Key::CtrlC), Some(Action::Quit));
        assert_eq!(action_for(Key::Char(' ')), Some(Action::TogglePause));
        assert_eq!(action_for(Key::Right), Some(Action::Step));
        assert_eq!(action_for(Key::Char('3')), Some(Action::SelectRank(3)));
        assert_eq!(action_for(Key::Char('z')), None);
    }
}
