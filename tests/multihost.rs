//! Runs across machines, on hosts simulated on this one (scripts/simhosts):
//! the harness itself, then mpi-tutor's lessons and `watch` with ranks on
//! several hosts. Skipped, with the harness's reason, where the machine
//! cannot make namespaces.

mod common;

use std::time::Duration;

use common::hosts::{host_flag, Layout};

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn the_harness_runs_each_rank_on_the_host_it_was_given() {
    let script = format!(
        "hostname; {} {} -n 3 hostname",
        common::mpiexec(),
        host_flag("h1,h2,h3")
    );
    let Some(run) = Layout::hosts(4).run(&script, LIMIT) else {
        return;
    };
    run.assert_ok();
    let mut names: Vec<&str> = run.stdout.lines().collect();
    names.sort_unstable();
    assert_eq!(names, ["h0", "h1", "h2", "h3"], "{run:#?}");
}
