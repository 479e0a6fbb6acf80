//! The names read back from the wire (a lesson's file, a datatype) are a
//! handful of strings repeated in every call's events. Reading each into a
//! fresh `String` was a third of rank 0's decoding time: the allocation,
//! and the free later on the app's thread. Each distinct name is now kept
//! once per thread and shared from then on.

use std::cell::RefCell;

use rustc_hash::FxHashSet;

use super::Text;

/// Distinct names a thread keeps; past that, names are read as owned
/// strings, so corrupt or hostile input cannot make memory grow for ever.
const MAX_NAMES: usize = 4096;
/// Longer text is not a name.
const MAX_NAME_LEN: usize = 256;

thread_local! {
    static NAMES: RefCell<FxHashSet<&'static str>> = RefCell::default();
}

/// `s` as shared text: the kept copy if this thread has seen it before.
pub fn name(s: &str) -> Text {
    if s.len() > MAX_NAME_LEN {
        return Text::Owned(s.to_owned());
    }
    NAMES.with_borrow_mut(|names| {
        if let Some(&kept) = names.get(s) {
            return Text::Borrowed(kept);
        }
        if names.len() >= MAX_NAMES {
            return Text::Owned(s.to_owned());
        }
        // Kept for the thread's life: bounded by the two limits above.
        let kept: &'static str = Box::leak(s.into());
        names.insert(kept);
        Text::Borrowed(kept)
    })
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
    fn long_text_and_names_past_the_limit_are_owned() {
        assert!(matches!(
            name(&"x".repeat(MAX_NAME_LEN + 1)),
            Text::Owned(_)
        ));
        // Run on a thread of its own, whose table starts empty.
        std::thread::spawn(|| {
            for i in 0..MAX_NAMES {
                assert!(matches!(name(&format!("n{i}")), Text::Borrowed(_)));
            }
            assert!(matches!(name("one more"), Text::Owned(_)));
            assert_eq!(name("n7"), "n7", "kept names are still shared");
        })
        .join()
        .unwrap();
    }
}
