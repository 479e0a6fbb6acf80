//! Included by the benches that compare the `halo` lesson with plain MPI
//! (`#[path]`): the lesson's computation, communicating through rsmpi
//! directly instead of the probe.

use std::time::Instant;

use mpi::traits::*;

use mpi_tutor::lessons::halo::{initial_heat, worst_difference_from_serial, Grid, Layout};

/// The lesson's computation with plain rsmpi: the lesson's own layout,
/// grid and stencil (`lessons::halo`), the same exchange (every receive and
/// send posted, then all waited for) with rsmpi's calls in place of the
/// probe's, and the same serial self-check, untimed. Returns this rank's
/// seconds from the end of its first exchange to the end of its last.
pub fn plain_halo(world: &impl Communicator, n: usize, iterations: u32) -> (f64, bool) {
    let me = Layout::new(world.rank() as u32, world.size() as u32, n);
    let mut u = initial(&me, n);
    let sides = sides(&me);
    world.barrier();
    // Timed from the end of the first exchange to the end of the last, as
    // the probe's run is timed from its trace (`benches/halo.rs`).
    let mut first_exchanged: Option<Instant> = None;
    let mut last_exchanged = Instant::now();
    for _ in 0..iterations {
        let ghosts = exchange(world, &u, &sides, (me.rows, me.cols));
        last_exchanged = Instant::now();
        first_exchanged.get_or_insert(last_exchanged);
        for (side, ghost) in sides.iter().zip(&ghosts) {
            for (x, &v) in ghost.iter().enumerate() {
                match side.3 {
                    Ghost::Row(i) => u.set(i, x + 1, v),
                    Ghost::Col(j) => u.set(x + 1, j, v),
                }
            }
        }
        u = u.step();
    }
    let span = first_exchanged.map_or(0.0, |first| (last_exchanged - first).as_secs_f64());
    (
        span,
        worst_difference_from_serial(&me, &u, iterations) < 1e-9,
    )
}

/// This rank's block of the lesson's starting heat, ghosts zero.
fn initial(me: &Layout, n: usize) -> Grid {
    let mut u = Grid::new(me.rows, me.cols);
    for i in 0..me.rows {
        for j in 0..me.cols {
            u.set(i + 1, j + 1, initial_heat(n, me.row0 + i, me.col0 + j));
        }
    }
    u
}

/// A side: (neighbour, tag I send with, tag I receive with, ghost).
type Side = (u32, i32, i32, Ghost);

/// The sides this rank has a neighbour on.
fn sides(me: &Layout) -> Vec<Side> {
    let (rows, cols) = (me.rows, me.cols);
    [
        me.up().map(|p| (p, 1, 2, Ghost::Row(0))),
        me.down().map(|p| (p, 2, 1, Ghost::Row(rows + 1))),
        me.left().map(|p| (p, 3, 4, Ghost::Col(0))),
        me.right().map(|p| (p, 4, 3, Ghost::Col(cols + 1))),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// One exchange: every receive and send posted, then all waited for;
/// returns the ghost rows and columns received, side by side.
fn exchange(
    world: &impl Communicator,
    u: &Grid,
    sides: &[Side],
    (rows, cols): (usize, usize),
) -> Vec<Vec<f64>> {
    let edges: Vec<Vec<f64>> = sides
        .iter()
        .map(|s| match s.3 {
            Ghost::Row(0) => u.row(1),
            Ghost::Row(_) => u.row(rows),
            Ghost::Col(0) => u.col(1),
            Ghost::Col(_) => u.col(cols),
        })
        .collect();
    let mut ghosts: Vec<Vec<f64>> = sides
        .iter()
        .map(|s| {
            vec![
                0.0;
                if matches!(s.3, Ghost::Row(_)) {
                    cols
                } else {
                    rows
                }
            ]
        })
        .collect();
    mpi::request::multiple_scope(2 * sides.len(), |scope, coll| {
        for ((side, edge), ghost) in sides.iter().zip(&edges).zip(ghosts.iter_mut()) {
            let peer = world.process_at_rank(side.0 as i32);
            coll.add(peer.immediate_receive_into_with_tag(scope, &mut ghost[..], side.2));
            coll.add(peer.immediate_send_with_tag(scope, &edge[..], side.1));
        }
        let mut statuses = Vec::new();
        coll.wait_all(&mut statuses);
    });
    ghosts
}

#[derive(Clone, Copy)]
enum Ghost {
    Row(usize),
    Col(usize),
}
