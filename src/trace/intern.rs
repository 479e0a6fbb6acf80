//! The names read back from the wire (a lesson's file, a datatype) are a
//! handful of strings repeated in every call's events. Reading each into a
//! fresh `String` was a third of rank 0's decoding time: the allocation,
//! and the free later on the app's thread. Each distinct name is now kept
//! once and shared from then on; a thread finds the names it has seen
//! without taking a lock.

use std::cell::{Cell, RefCell};
use std::sync::{LazyLock, Mutex};

use rustc_hash::FxHashSet;

use super::Text;

/// Distinct names kept; past that, names are read as owned strings, so
/// corrupt or hostile input cannot make memory grow for ever.
const MAX_NAMES: usize = 4096;
/// Longer text is not a name.
const MAX_NAME_LEN: usize = 256;

/// Every name kept, for the process's life. A static, so the names stay
/// reachable (leak checkers see them held, not lost) and threads share
/// one copy of each.
static KEPT: LazyLock<Mutex<FxHashSet<&'static str>>> = LazyLock::new(Mutex::default);

/// Names a thread remembers having read last.
const RECENT_NAMES: usize = 4;

thread_local! {
    /// This thread's view of `KEPT`: looked up without a lock.
    static SEEN: RefCell<FxHashSet<&'static str>> = RefCell::default();
    /// The names this thread read last, and which one to replace next: a
    /// batch repeats a lesson's file and a datatype or two in every call,
    /// and comparing a few short byte strings costs less than hashing.
    static RECENT: Cell<([&'static str; RECENT_NAMES], usize)> =
        const { Cell::new(([""; RECENT_NAMES], 0)) };
}

/// The shared text for `bytes` if this thread read that name lately. No
/// UTF-8 check is needed: the kept copy passed one, and the bytes equal it.
pub fn recent(bytes: &[u8]) -> Option<Text> {
    let (names, _) = RECENT.get();
    names
        .into_iter()
        .find(|n| !n.is_empty() && n.as_bytes() == bytes)
        .map(Text::Borrowed)
}

fn remember(kept: &'static str) {
    let (mut names, next) = RECENT.get();
    names[next] = kept;
    RECENT.set((names, (next + 1) % RECENT_NAMES));
}

/// `s` as shared text: the kept copy if it has been seen before.
pub fn name(s: &str) -> Text {
    if s.len() > MAX_NAME_LEN {
        return Text::Owned(s.to_owned());
    }
    let kept = SEEN.with_borrow_mut(|seen| {
        if let Some(&kept) = seen.get(s) {
            return Some(kept);
        }
        let kept = keep(s)?;
        seen.insert(kept);
        Some(kept)
    });
    match kept {
        Some(kept) => {
            remember(kept);
            Text::Borrowed(kept)
        }
        None => Text::Owned(s.to_owned()),
    }
}

/// The kept copy of `s`, made now if needed; `None` once `MAX_NAMES` are kept.
fn keep(s: &str) -> Option<&'static str> {
    let mut kept = KEPT.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(&k) = kept.get(s) {
        return Some(k);
    }
    if kept.len() >= MAX_NAMES {
        return None;
    }
    let k: &'static str = Box::leak(s.into());
    kept.insert(k);
    Some(k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_seen_before_is_shared_not_copied() {
        let (a, b) = (name("lessons/halo.rs"), name("lessons/halo.rs"));
        match (a, b) {
            (Text::Borrowed(a), Text::Borrowed(b)) => assert!(std::ptr::eq(a, b)),
            other => panic!("expected shared names, got {other:?}"),
        }
    }

    #[test]
    fn long_text_is_owned() {
        assert!(matches!(
            name(&"x".repeat(MAX_NAME_LEN + 1)),
            Text::Owned(_)
        ));
    }

    #[test]
    fn threads_share_one_copy_of_a_name() {
        let here = name("lessons/ring.rs");
        let there = std::thread::spawn(|| name("lessons/ring.rs"))
            .join()
            .unwrap();
        match (here, there) {
            (Text::Borrowed(a), Text::Borrowed(b)) => assert!(std::ptr::eq(a, b)),
            other => panic!("expected shared names, got {other:?}"),
        }
    }

    #[test]
    fn a_name_read_lately_is_found_by_its_bytes_alone() {
        assert!(recent(b"lessons/pool.rs").is_none(), "not read yet");
        let kept = name("lessons/pool.rs");
        match (kept, recent(b"lessons/pool.rs")) {
            (Text::Borrowed(a), Some(Text::Borrowed(b))) => assert!(std::ptr::eq(a, b)),
            other => panic!("expected the same shared name, got {other:?}"),
        }
        // Pushed out by as many other names as are remembered.
        for other in ["a.rs", "b.rs", "c.rs", "d.rs"] {
            name(other);
        }
        assert!(recent(b"lessons/pool.rs").is_none());
        assert!(recent(b"").is_none(), "empty slots are not a name");
    }
}
