//! The tutor's own threads give way to the lesson's. On a machine with no
//! more cores than ranks (a laptop in class, two cores in CI) every
//! microsecond rank 0's collector, a rank's reporter or the headless app
//! runs is taken from a rank, and a rank that is descheduled stalls the
//! ranks that wait for its messages (halo at full speed on 2 ranks: +92%
//! at normal priority, +20-26% with this; BENCHMARKS.md). So those threads
//! run only on a core no rank wants: when a rank waits, sleeps or is done.
//! They cannot fall behind for good: a rank whose events rank 0 has not
//! taken waits for room (`reporter.rs`), and a waiting rank frees its core.
//! The live view's thread keeps its priority: a person waits on it.
//!
//! The idle class alone is not enough. A rank that waits a little longer
//! than its spin yields its core, and an idle-class thread that gets the
//! core then keeps it until the scheduler's next tick (4 ms at the common
//! 250 Hz): a yielding rank is not woken, so nothing preempts the thread.
//! Its partner then waits too, and both ranks fall into their sleeping
//! back-off for a while. So these threads also hand the core back every few
//! events ([`let_lessons_in`]): a rank waiting for a core gets it within
//! microseconds (halo, 2 ranks, 256x256: +14% -> +6%, BENCHMARKS.md).

use std::cell::Cell;

/// Pieces of work (an event taken, applied, recorded...) between two
/// yields: a few microseconds of work, against a yield's ~0.3 us when no
/// rank wants the core.
const YIELD_EVERY: u32 = 16;

thread_local! {
    /// Pieces of work done since the last yield; None on a thread that
    /// keeps its priority (it has no reason to yield).
    static SINCE_YIELD: Cell<Option<u32>> = const { Cell::new(None) };
}

/// Moves the calling thread to the idle scheduling class (`SCHED_IDLE`,
/// and nice 19 where that class is refused); threads it starts inherit it.
/// Lowering one's own priority needs no privilege.
pub fn give_way_to_lessons() {
    SINCE_YIELD.set(Some(0));
    #[cfg(target_os = "linux")]
    // SAFETY: plain system calls on this thread's own id; on Linux the
    // nice value of PRIO_PROCESS with a thread id is that thread's alone.
    unsafe {
        let me = libc::syscall(libc::SYS_gettid) as libc::id_t;
        let param = libc::sched_param { sched_priority: 0 };
        if libc::sched_setscheduler(me as libc::pid_t, libc::SCHED_IDLE, &param) != 0 {
            libc::setpriority(libc::PRIO_PROCESS, me, 19);
        }
    }
}

/// Call once per small piece of work. On a thread that gave way to the
/// lessons, yields the core every [`YIELD_EVERY`] calls; elsewhere (the
/// live view, tests) does nothing.
pub fn let_lessons_in() {
    SINCE_YIELD.with(|since| {
        if let Some(n) = since.get() {
            if n + 1 >= YIELD_EVERY {
                since.set(Some(0));
                std::thread::yield_now();
            } else {
                since.set(Some(n + 1));
            }
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_a_thread_that_gave_way_counts_its_work() {
        let_lessons_in();
        assert_eq!(SINCE_YIELD.get(), None, "a normal thread never yields");
        std::thread::spawn(|| {
            give_way_to_lessons();
            for _ in 0..YIELD_EVERY - 1 {
                let_lessons_in();
            }
            assert_eq!(SINCE_YIELD.get(), Some(YIELD_EVERY - 1));
            let_lessons_in();
            assert_eq!(
                SINCE_YIELD.get(),
                Some(0),
                "the count restarts after a yield"
            );
        })
        .join()
        .unwrap();
    }
}
