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

/// Moves the calling thread to the idle scheduling class (`SCHED_IDLE`,
/// and nice 19 where that class is refused); threads it starts inherit it.
/// Lowering one's own priority needs no privilege.
pub fn give_way_to_lessons() {
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
