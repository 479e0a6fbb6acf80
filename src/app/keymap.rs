//! Keys become actions through the view's key table, which also words
//! them for the footer and the help: the loops never look at a key itself.

use crate::term::keys::Key;
use crate::view::KEYS;
pub use crate::view::{Action, KeyMode};

/// What `key` does in `mode`, by the key table.
pub fn action_for(key: Key, mode: KeyMode) -> Option<Action> {
    KEYS.iter()
        .filter(|row| row.modes.contains(&mode))
        .flat_map(|row| row.keys)
        .find(|(k, _)| *k == key)
        .map(|(_, action)| *action)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_conventional_keys() {
        let live = |key| action_for(key, KeyMode::Live);
        assert_eq!(live(Key::Char('q')), Some(Action::Quit));
        assert_eq!(live(Key::CtrlC), Some(Action::Quit));
        assert_eq!(live(Key::Char(' ')), Some(Action::TogglePause));
        assert_eq!(live(Key::Right), Some(Action::Step));
        assert_eq!(live(Key::Char('3')), Some(Action::SelectRank(3)));
        assert_eq!(live(Key::Char('z')), None);
    }

    #[test]
    fn the_replay_keys_do_nothing_live_and_the_pace_keys_nothing_in_a_replay() {
        let replay = |key| action_for(key, KeyMode::Replay);
        assert_eq!(action_for(Key::Char('b'), KeyMode::Live), None);
        assert_eq!(replay(Key::Char('b')), Some(Action::StepBack));
        assert_eq!(replay(Key::Char(']')), Some(Action::JumpEnd));
        assert_eq!(replay(Key::Char('f')), None);
        assert_eq!(replay(Key::Char('3')), None);
        assert_eq!(replay(Key::Char('q')), Some(Action::Quit));
    }
}
