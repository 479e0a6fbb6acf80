// Lesson: halo. Heat spreads over an N x N grid. The grid is cut into
// blocks, one per rank. To update the cells on the edge of its block, a rank
// needs its neighbours' edge cells: every iteration, each rank sends its
// edges to its neighbours and receives theirs into "ghost" cells around
// its block (the halo).
use crate::probe::Comm;
use crate::trace::FieldBlock;

// Tags name the direction a message travels: what I send up, my upper
// neighbour receives from below as GOING_UP.
const GOING_UP: i32 = 1;
const GOING_DOWN: i32 = 2;
const GOING_LEFT: i32 = 3;
const GOING_RIGHT: i32 = 4;
/// How fast heat spreads per iteration (stable up to 0.25).
const ALPHA: f64 = 0.2;
/// Send the field to the view every few iterations.
const SHOW_EVERY: u32 = 2;

pub fn run(world: &Comm, params: &crate::lessons::Params) {
    let n = params.size.unwrap_or(16) as usize;
    let iterations = params.iterations.unwrap_or(6);
    let me = Layout::new(world.rank(), world.size(), n);
    world.say(format!(
        "ranks form a {} x {} grid; my block: rows {}..{}, cols {}..{}",
        me.prows,
        me.pcols,
        me.row0,
        me.row0 + me.rows,
        me.col0,
        me.col0 + me.cols
    ));

    // My block plus a ring of ghost cells. At the outer walls of the grid
    // the ghost cells stay 0: the walls are cold.
    let mut u = Grid::new(me.rows, me.cols);
    for i in 0..me.rows {
        for j in 0..me.cols {
            u.set(i + 1, j + 1, initial_heat(n, me.row0 + i, me.col0 + j));
        }
    }
    show(world, &me, &u, 0);

    // `--variant skip-exchange`: exercise 2, no exchange on even iterations.
    let skip = params.variant == Some("skip-exchange");
    for it in 1..=iterations {
        if !(skip && it % 2 == 0) {
            exchange_halo(world, &me, &mut u);
        }
        u = u.step();
        // At full speed a step takes microseconds and the view draws 30
        // pictures a second: copy the grid only when the view wants one.
        if it == iterations || (it % SHOW_EVERY == 0 && world.field_due()) {
            show(world, &me, &u, it);
        }
    }

    let worst = worst_difference_from_serial(&me, &u, iterations);
    world.check(
        format!(
            "rank {}'s block equals the serial computation",
            world.rank()
        ),
        worst < 1e-9,
    );
}

/// Self-check: computes the whole grid alone, serially, and returns the
/// largest difference between it and my block after `iterations` steps.
pub fn worst_difference_from_serial(me: &Layout, u: &Grid, iterations: u32) -> f64 {
    let n = me.n;
    let mut whole = Grid::new(n, n);
    for i in 0..n {
        for j in 0..n {
            whole.set(i + 1, j + 1, initial_heat(n, i, j));
        }
    }
    for _ in 0..iterations {
        whole = whole.step();
    }
    let mut worst = 0.0f64;
    for i in 0..me.rows {
        for j in 0..me.cols {
            let serial = whole.get(me.row0 + i + 1, me.col0 + j + 1);
            worst = worst.max((u.get(i + 1, j + 1) - serial).abs());
        }
    }
    worst
}

/// One halo exchange: to each existing neighbour, send my edge and receive
/// its edge into my ghost cells. Everything is posted, then waited for.
pub fn exchange_halo(world: &Comm, me: &Layout, u: &mut Grid) {
    let (rows, cols) = (me.rows, me.cols);
    let mut requests = Vec::new();
    let mut ghosts = Vec::new(); // where each received edge goes
    if let Some(up) = me.up() {
        requests.push(world.irecv::<f64>(cols, up, GOING_DOWN));
        requests.push(world.isend(&u.row(1), up, GOING_UP));
        ghosts.push(Ghost::Row(0));
    }
    if let Some(down) = me.down() {
        requests.push(world.irecv::<f64>(cols, down, GOING_UP));
        requests.push(world.isend(&u.row(rows), down, GOING_DOWN));
        ghosts.push(Ghost::Row(rows + 1));
    }
    if let Some(left) = me.left() {
        requests.push(world.irecv::<f64>(rows, left, GOING_RIGHT));
        requests.push(world.isend(&u.col(1), left, GOING_LEFT));
        ghosts.push(Ghost::Col(0));
    }
    if let Some(right) = me.right() {
        requests.push(world.irecv::<f64>(rows, right, GOING_LEFT));
        requests.push(world.isend(&u.col(cols), right, GOING_RIGHT));
        ghosts.push(Ghost::Col(cols + 1));
    }
    let done = world.waitall(requests);
    // done[0], done[2], ... are the receives, in the order of `ghosts`.
    for (k, ghost) in ghosts.into_iter().enumerate() {
        let edge = &done[2 * k].data;
        for (x, &v) in edge.iter().enumerate() {
            match ghost {
                Ghost::Row(i) => u.set(i, x + 1, v),
                Ghost::Col(j) => u.set(x + 1, j, v),
            }
        }
    }
}

enum Ghost {
    Row(usize),
    Col(usize),
}

/// A hot disc in the middle of a cold grid.
pub fn initial_heat(n: usize, row: usize, col: usize) -> f64 {
    let (dy, dx) = (
        row as f64 + 0.5 - n as f64 / 2.0,
        col as f64 + 0.5 - n as f64 / 2.0,
    );
    if dx * dx + dy * dy < (n as f64 / 4.0).powi(2) {
        100.0
    } else {
        0.0
    }
}

fn show(world: &Comm, me: &Layout, u: &Grid, iteration: u32) {
    let mut values = Vec::with_capacity(me.rows * me.cols);
    for i in 1..=me.rows {
        for j in 1..=me.cols {
            values.push(u.get(i, j) as f32);
        }
    }
    world.show_field(FieldBlock {
        name: "heat".into(),
        iteration: iteration as u64,
        grid_rows: me.n as u32,
        grid_cols: me.n as u32,
        row0: me.row0 as u32,
        col0: me.col0 as u32,
        rows: me.rows as u32,
        cols: me.cols as u32,
        values,
    });
}

/// Which block of the grid is mine, and who my neighbours are.
pub struct Layout {
    pub n: usize,
    pub rank: u32,
    pub prows: u32,
    pub pcols: u32,
    pub my_row: u32,
    pub my_col: u32,
    pub row0: usize,
    pub rows: usize,
    pub col0: usize,
    pub cols: usize,
}

impl Layout {
    pub fn new(rank: u32, size: u32, n: usize) -> Self {
        let (prows, pcols) = grid_of_ranks(size);
        // Ranks fill the grid of ranks row by row, like MPI_Cart_create.
        let (my_row, my_col) = (rank / pcols, rank % pcols);
        let (row0, row1) = split(n, prows, my_row);
        let (col0, col1) = split(n, pcols, my_col);
        Layout {
            n,
            rank,
            prows,
            pcols,
            my_row,
            my_col,
            row0,
            rows: row1 - row0,
            col0,
            cols: col1 - col0,
        }
    }
    pub fn up(&self) -> Option<u32> {
        (self.my_row > 0).then(|| self.rank - self.pcols)
    }
    pub fn down(&self) -> Option<u32> {
        (self.my_row + 1 < self.prows).then(|| self.rank + self.pcols)
    }
    pub fn left(&self) -> Option<u32> {
        (self.my_col > 0).then(|| self.rank - 1)
    }
    pub fn right(&self) -> Option<u32> {
        (self.my_col + 1 < self.pcols).then(|| self.rank + 1)
    }
}

/// Arranges `size` ranks in a grid as square as possible, rows >= cols,
/// as MPI_Dims_create does: 4 -> 2 x 2, 6 -> 3 x 2, 7 -> 7 x 1 (strips).
fn grid_of_ranks(size: u32) -> (u32, u32) {
    let cols = (1..=size)
        .filter(|c| size % c == 0 && c * c <= size)
        .max()
        .unwrap_or(1);
    (size / cols, cols)
}

/// The grid side this many ranks need, and the default: every rank needs
/// at least one row and one column of the grid; by default it gets about 4
/// (16 x 16 up to 16 ranks, 32 x 32 on 64 ranks, which form an 8 x 8 grid).
pub fn size_for_ranks(size: u32) -> (u32, u32) {
    let (prows, _) = grid_of_ranks(size); // prows >= pcols
    (prows, (4 * prows).max(16))
}

/// Part `k` of `parts` nearly equal parts of 0..n: (start, end).
fn split(n: usize, parts: u32, k: u32) -> (usize, usize) {
    let (parts, k) = (parts as usize, k as usize);
    (k * n / parts, (k + 1) * n / parts)
}

/// A block of `rows` x `cols` cells with one ghost cell on every side.
pub struct Grid {
    rows: usize,
    cols: usize,
    v: Vec<f64>,
}

impl Grid {
    pub fn new(rows: usize, cols: usize) -> Self {
        let v = vec![0.0; (rows + 2) * (cols + 2)];
        Grid { rows, cols, v }
    }
    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.v[i * (self.cols + 2) + j]
    }
    pub fn set(&mut self, i: usize, j: usize, x: f64) {
        self.v[i * (self.cols + 2) + j] = x;
    }
    pub fn row(&self, i: usize) -> Vec<f64> {
        (1..=self.cols).map(|j| self.get(i, j)).collect()
    }
    pub fn col(&self, j: usize) -> Vec<f64> {
        (1..=self.rows).map(|i| self.get(i, j)).collect()
    }
    /// One step of diffusion: each cell moves towards the mean of its
    /// four neighbours. Ghost cells are read, never written.
    pub fn step(&self) -> Grid {
        let mut next = Grid::new(self.rows, self.cols);
        for i in 1..=self.rows {
            for j in 1..=self.cols {
                let around = self.get(i - 1, j)
                    + self.get(i + 1, j)
                    + self.get(i, j - 1)
                    + self.get(i, j + 1);
                let here = self.get(i, j);
                next.set(i, j, here + ALPHA * (around - 4.0 * here));
            }
        }
        next
    }
}

pub const EXPLANATION: &str = "\
GOAL
  Domain decomposition: each rank owns one block of the grid. A cell's
  next value depends on its 4 neighbours, so every iteration each rank
  exchanges its edge cells with its neighbouring ranks (the halo), then
  updates its own block.

WATCH FOR
  - Every iteration, each rank sends to and receives from exactly its
    neighbours (up to 4 in 2-D, 2 in strips), then waits in waitall.
  - Corner ranks have 2 neighbours, edge ranks 3, inner ranks 4: they
    exchange different numbers of messages.
  - In the heat map, the hot disc spreads across block borders as if the
    grid were one piece: the ghost cells make the blocks fit together.

EXERCISES
  1. Run with -n 4, then -n 5. Predict the grid of ranks and how many
     messages each rank sends per iteration.
  2. --variant skip-exchange: no exchange on every other iteration.
     Predict what the heat map shows at block borders, and whether
     the check passes. (Or edit the twin: `mpi-tutor exercise halo`.)
  3. Double --size. Predict how the message sizes change, and how the
     work per rank changes: which grows faster?
";

// How `mpi-tutor list` shows the lesson and `mpi-tutor lesson` runs it.
use super::{Knob, Lesson, Section};

pub const LESSON: Lesson = Lesson::new(
    "halo",
    "Halo exchange: heat diffusion on a split grid",
    lesson_file!("halo.rs"),
    EXPLANATION,
    run,
)
.ranks(1..=64, 4)
.size(Knob::new(16, 16..=256))
.iterations(Knob::new(6, 1..=1000))
.size_for_ranks(size_for_ranks)
.section(Section::Performance)
.variants(&[("skip-exchange", "no halo exchange on every other iteration")]);
