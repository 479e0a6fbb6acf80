//! Where the lesson made a call, from `#[track_caller]`'s location.

use std::cell::Cell;
use std::panic::Location;

use crate::trace::Site;

/// Where the lesson made a call, as `lessons/send_recv.rs:21` whatever path
/// the compiler was given. Borrowed: a call site costs no allocation.
pub(super) fn site_of(loc: &'static Location<'static>) -> Site {
    thread_local! {
        /// The last file looked up and its lesson path: a lesson's calls
        /// come from one file, and the search costs more than the rest of
        /// the site.
        static LAST: Cell<(&'static str, &'static str)> = const { Cell::new(("", "")) };
    }
    let file = loc.file();
    let path = LAST.with(|last| {
        let (from, to) = last.get();
        if std::ptr::eq(from, file) {
            to
        } else {
            let to = lesson_path(file);
            last.set((file, to));
            to
        }
    });
    Site {
        file: path.into(),
        line: loc.line(),
    }
}

/// A source path from `lessons/` on, if it is in there.
pub(super) fn lesson_path(file: &str) -> &str {
    match file.find("lessons/") {
        Some(i) => &file[i..],
        None => file,
    }
}
