//! Replay of a one-million-event trace: time and memory to load it, and to
//! move in it as the replay view does. `cargo bench --bench replay`.
//!
//! The trace is a real run: this binary, started under mpiexec as the
//! `ring` lesson on 25 ranks for 10 000 laps (101 events a lap), exactly as
//! `mpi-tutor lesson ring -n 25 --iterations 10000 --record FILE` would.
//! Recording takes ~5 minutes on 2 cores, so the file is kept in target/tmp
//! and reused by later runs (delete it to record again).
//!
//! Beside each figure the run prints floors (reading the bytes, counting
//! lines, parsing each line into a `serde_json::Value`) and a simple
//! baseline without the packed store and the checkpoints (a line at a time
//! into `Event`s; stepping back = rebuilding the model from the start).

use std::alloc::{GlobalAlloc, Layout, System};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use mpi_tutor::app::player::{Player, EVERY};
use mpi_tutor::model::Model;
use mpi_tutor::trace::{read_packed, Event};

#[path = "common/record.rs"]
mod record;
use record::record_lesson;

const RECORD: &str = "MPI_TUTOR_BENCH_RECORD";
const LOAD: &str = "MPI_TUTOR_BENCH_LOAD";
const RANKS: u32 = 25;
const LAPS: u32 = 10_000;

/// Counts the heap in use, and its peak, for the in-process figures.
struct Counting;

static HEAP: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

// SAFETY: every call is passed on to the system allocator unchanged; the
// counters beside it never touch the memory.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller's layout, as GlobalAlloc::alloc requires.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = HEAP.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from System.alloc or realloc with `layout`.
        unsafe { System.dealloc(ptr, layout) };
        HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // SAFETY: `ptr` came from System with `layout`; the caller's size.
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            HEAP.fetch_sub(layout.size(), Ordering::Relaxed);
            let now = HEAP.fetch_add(new_size, Ordering::Relaxed) + new_size;
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }
}

#[global_allocator]
static ALLOC: Counting = Counting;

/// Runs `f`; returns its result, the heap it left allocated and the most
/// it had allocated at once (bytes, beyond what was allocated before).
fn heap<T>(f: impl FnOnce() -> T) -> (T, isize, usize) {
    let before = HEAP.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let r = f();
    let after = HEAP.load(Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    (r, after as isize - before as isize, peak - before)
}

fn main() {
    if let Ok(path) = std::env::var(RECORD) {
        record_ring(&path);
        return;
    }
    if let Ok(path) = std::env::var(LOAD) {
        visit(Path::new(&path));
        return;
    }
    if !std::env::args().any(|a| a == "--bench") {
        return; // `cargo test --all-targets`: building is the test.
    }
    let path = trace_file();
    let size = std::fs::metadata(&path).unwrap().len();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    println!("replay of a recorded `ring` run, {RANKS} ranks x {LAPS} laps (release build, {cores} cores)");

    // Peak RSS of whole processes: first, while this one is small (a
    // child's peak counts the moment it is forked from this process).
    let processes = processes(&path);
    let floors = floors(&path);
    let before = before(&path);
    let now = now(&path, before.events);
    let moves = moves(&path, before.events);

    println!(
        "trace: {:.1} MB, {} lines, {} events ({:.0} B a line)",
        mb(size as f64),
        floors.lines,
        before.events,
        size as f64 / floors.lines as f64
    );
    print_floors(&floors);
    print_load(&before, &now, cores);
    print_moves(&before, &moves);
    print_processes(&processes);
}

fn mb(bytes: f64) -> f64 {
    bytes / 1e6
}

/// Whole processes: wall time and peak RSS (bytes).
struct Processes {
    headless: Duration,
    headless_rss: u64,
    visit_rss: u64,
    idle_rss: u64,
}

fn processes(path: &Path) -> Processes {
    let exe = env!("CARGO_BIN_EXE_mpi-tutor");
    let (headless, headless_rss) = measured(
        Command::new(exe)
            .args(["replay", path.to_str().unwrap(), "--headless"])
            .stdout(Stdio::null()),
    );
    let (_, visit_rss) = measured(
        Command::new(std::env::current_exe().unwrap())
            .env(LOAD, path)
            .stdout(Stdio::null()),
    );
    let (_, idle_rss) = measured(
        Command::new(std::env::current_exe().unwrap())
            .env(LOAD, "")
            .stdout(Stdio::null()),
    );
    Processes {
        headless,
        headless_rss,
        visit_rss,
        idle_rss,
    }
}

/// Floors: the bytes alone.
struct Floors {
    read: Duration,
    count_lines: Duration,
    value: Duration,
    lines: usize,
}

fn floors(path: &Path) -> Floors {
    let (read, _) = best(3, || std::fs::read(path).unwrap().len());
    let (count_lines, _) = best(3, || {
        let bytes = std::fs::read(path).unwrap();
        memchr::memchr_iter(b'\n', &bytes).count()
    });
    let lines = memchr::memchr_iter(b'\n', &std::fs::read(path).unwrap()).count();
    let (value, _) = best(1, || {
        let bytes = std::fs::read(path).unwrap();
        let mut n = 0;
        for line in bytes.split(|&b| b == b'\n').filter(|l| !l.is_empty()) {
            let v: serde_json::Value = serde_json::from_slice(line).unwrap();
            n += v.as_object().map_or(0, |o| o.len());
        }
        n
    });
    Floors {
        read,
        count_lines,
        value,
        lines,
    }
}

/// Before: a line at a time into parsed events.
struct Before {
    time: Duration,
    cpu: Duration,
    peak: usize,
    /// A step back: the model rebuilt from the start.
    rebuild: Duration,
    events: usize,
}

fn before(path: &Path) -> Before {
    let cpu0 = cpu();
    let ((old, _, peak), time) = timed(|| heap(|| read_line_by_line(path)));
    let cpu = cpu() - cpu0;
    let events = old.events.len();
    let (rebuild, _) = best(3, || {
        let mut m = Model::new(old.header.clone());
        old.events[..events - 1].iter().for_each(|e| m.apply(e));
        m.events_applied()
    });
    Before {
        time,
        cpu,
        peak,
        rebuild,
        events,
    }
}

/// Now: packed, parsed by worker threads.
struct Now {
    load: Duration,
    load_cpu: Duration,
    load_peak: usize,
    held: isize,
    packed: usize,
    decode: Duration,
    open: Duration,
}

fn now(path: &Path, events: usize) -> Now {
    let (load, load_cpu) = best(3, || read_packed(path).unwrap().events.len());
    let ((trace, held, load_peak), _) = timed(|| heap(|| read_packed(path).unwrap()));
    assert_eq!(trace.events.len(), events);
    let packed = trace.events.heap_bytes();
    let (decode, _) = best(3, || trace.events.iter().count());
    let (_, open) = timed(|| heap(|| Player::new(trace.header.clone(), trace.events)));
    Now {
        load,
        load_cpu,
        load_peak,
        held,
        packed,
        decode,
        open,
    }
}

/// Moves, as the keys of the view make them.
struct Moves {
    end_cold: Duration,
    checkpoints_heap: isize,
    checkpoints: usize,
    snapshot: isize,
    copy: isize,
    /// Steps back one event at the end, sorted.
    backs: Vec<Duration>,
    start: Duration,
    end_warm: Duration,
    fwd: Duration,
    back_mid: Duration,
}

fn moves(path: &Path, n: usize) -> Moves {
    let trace = read_packed(path).unwrap();
    let mut player = Player::new(trace.header.clone(), trace.events);
    let ((_, checkpoints_heap, _), end_cold) = timed(|| heap(|| player.seek(n)));
    let snapshot = heap(|| player.model().snapshot()).1;
    let copy = heap(|| player.model().clone()).1;
    let mut backs: Vec<Duration> = (1..=20).map(|k| timed(|| player.seek(n - k)).1).collect();
    backs.sort();
    Moves {
        end_cold,
        checkpoints_heap,
        snapshot,
        copy,
        backs,
        start: timed(|| player.seek(0)).1,
        end_warm: timed(|| player.seek(n)).1,
        fwd: timed(|| player.seek(n / 2)).1,
        back_mid: timed(|| player.seek(n / 2 - 1)).1,
        checkpoints: player.checkpoints(),
    }
}

fn print_floors(f: &Floors) {
    println!("\nfloors (one thread)");
    row("read the bytes", f.read, "");
    row("read + count lines (wc -l)", f.count_lines, "");
    row("read + parse each line to serde_json::Value", f.value, "");
}

fn print_load(before: &Before, now: &Now, cores: usize) {
    println!("\nload (a) read + parse, (b) ready for the first frame");
    row(
        "before: a line at a time into Vec<Event>",
        before.time,
        &format!(
            "{}, heap peak {:.0} MB",
            cpu_note(before.cpu),
            mb(before.peak as f64)
        ),
    );
    row(
        &format!("now: packed, {} parser threads", cores.min(4)),
        now.load,
        &format!(
            "{}, heap peak {:.0} MB, held {:.0} MB (packed events {:.1} MB, {:.0} B/event)",
            cpu_note(now.load_cpu),
            mb(now.load_peak as f64),
            mb(now.held as f64),
            mb(now.packed as f64),
            now.packed as f64 / before.events as f64
        ),
    );
    row(
        "now: player ready (first frame needs nothing more)",
        now.open,
        "",
    );
    row(
        "decode every packed event",
        now.decode,
        &format!(
            "{:.0} ns/event",
            now.decode.as_secs_f64() * 1e9 / before.events as f64
        ),
    );
}

fn print_moves(before: &Before, m: &Moves) {
    println!("\nmoves (c), checkpoint every {EVERY} events");
    row(
        "before: step back = rebuild from the start",
        before.rebuild,
        "",
    );
    row(
        "jump to end, first time (takes the checkpoints)",
        m.end_cold,
        &format!(
            "+{:.1} MB: {} checkpoints of ~{:.0} KB (a whole copy of the model: {:.1} MB) + the model",
            mb(m.checkpoints_heap as f64),
            m.checkpoints,
            m.snapshot as f64 / 1e3,
            mb(m.copy as f64)
        ),
    );
    row(
        "step back one event at the end (median of 20)",
        m.backs[m.backs.len() / 2],
        &format!(
            "max {:.2} ms",
            m.backs[m.backs.len() - 1].as_secs_f64() * 1e3
        ),
    );
    row("jump to start", m.start, "");
    row("jump to end again", m.end_warm, "");
    row("jump to the middle", m.fwd, "");
    row("step back one event in the middle", m.back_mid, "");
}

fn print_processes(p: &Processes) {
    println!("\npeak RSS of a process (d)");
    row(
        "mpi-tutor replay FILE --headless > /dev/null",
        p.headless,
        &format!("{:.0} MB", mb(p.headless_rss as f64)),
    );
    println!(
        "  {:<52} {:>10}  {:.0} MB (the same binary idle: {:.0} MB)",
        "load + player + visit end, start, end, back one",
        "",
        mb(p.visit_rss as f64),
        mb(p.idle_rss as f64)
    );
}

fn row(what: &str, t: Duration, note: &str) {
    let t = t.as_secs_f64();
    let t = if t >= 0.1 {
        format!("{t:.2} s")
    } else {
        format!("{:.2} ms", t * 1e3)
    };
    println!("  {what:<52} {t:>10}  {note}");
}

/// The least time of `n` runs, and the processor time of that run (all
/// threads).
fn best<T>(n: usize, mut f: impl FnMut() -> T) -> (Duration, Duration) {
    (0..n)
        .map(|_| {
            let (cpu0, start) = (cpu(), Instant::now());
            std::hint::black_box(f());
            (start.elapsed(), cpu() - cpu0)
        })
        .min()
        .unwrap()
}

/// Processor time of this process so far (user + system, all threads).
fn cpu() -> Duration {
    // SAFETY: rusage is a C struct of integers: all zeros is a valid one.
    let mut u: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: getrusage only writes the rusage it is given.
    unsafe { libc::getrusage(libc::RUSAGE_SELF, &mut u) };
    let t = |v: libc::timeval| Duration::new(v.tv_sec as u64, v.tv_usec as u32 * 1000);
    t(u.ru_utime) + t(u.ru_stime)
}

fn cpu_note(cpu: Duration) -> String {
    format!("cpu {:.2} s", cpu.as_secs_f64())
}

fn timed<T>(f: impl FnOnce() -> T) -> (T, Duration) {
    let start = Instant::now();
    let r = f();
    (r, start.elapsed())
}

/// Runs a process to its end: its wall time and peak RSS (bytes).
#[allow(clippy::zombie_processes)] // waited for by wait4, for its rusage
fn measured(cmd: &mut Command) -> (Duration, u64) {
    let start = Instant::now();
    let child = cmd.spawn().expect("start the process");
    let pid = child.id() as libc::pid_t;
    let mut status = 0;
    // SAFETY: rusage is a C struct of integers: all zeros is a valid one.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: wait4 writes only to `usage` and `status`; `child` is never
    // waited for by std afterwards.
    let got = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
    let t = start.elapsed();
    assert_eq!(got, pid, "wait4");
    assert!(
        libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0,
        "{cmd:?} failed"
    );
    (t, usage.ru_maxrss as u64 * 1024)
}

/// The child of the RSS figure: loads the trace as the replay view does
/// and visits its end (every checkpoint), its start and its end again.
fn visit(path: &Path) {
    if path.as_os_str().is_empty() {
        return;
    }
    let trace = read_packed(path).unwrap();
    let mut p = Player::new(trace.header, trace.events);
    let n = p.len();
    for target in [n, 0, n, n - 1] {
        p.seek(target);
    }
    std::hint::black_box(p.model().events_applied());
}

struct Parsed {
    header: mpi_tutor::trace::Header,
    events: Vec<Event>,
}

/// The baseline reader: a line at a time into a `String`, parsed into an
/// `Event`, kept in a `Vec`.
fn read_line_by_line(path: &Path) -> Parsed {
    let mut lines = BufReader::with_capacity(1 << 16, std::fs::File::open(path).unwrap());
    let mut buf = String::new();
    lines.read_line(&mut buf).unwrap();
    let header = serde_json::from_str(&buf).unwrap();
    let mut events = Vec::new();
    loop {
        buf.clear();
        if lines.read_line(&mut buf).unwrap() == 0 {
            break;
        }
        if buf.trim().is_empty() {
            continue;
        }
        events.push(serde_json::from_str::<Event>(&buf).unwrap());
    }
    Parsed { header, events }
}

/// The recorded trace, recorded now if no earlier run kept it.
fn trace_file() -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"));
    let path = dir.join(format!("replay-ring-{RANKS}x{LAPS}.jsonl"));
    if path.exists() {
        return path;
    }
    println!(
        "recording ring on {RANKS} ranks, {LAPS} laps, once (~5 minutes on 2 cores) into {}",
        path.display()
    );
    std::fs::create_dir_all(dir).unwrap();
    let partial = path.with_extension("partial");
    let status = Command::new(std::env::var("MPIEXEC").unwrap_or("mpiexec".into()))
        .args(["-n", &RANKS.to_string()])
        .arg(std::env::current_exe().unwrap())
        .env(RECORD, &partial)
        .stdout(Stdio::null())
        .status()
        .unwrap();
    assert!(status.success(), "recording failed");
    std::fs::rename(&partial, &path).unwrap();
    path
}

fn record_ring(path: &str) {
    record_lesson("ring", Path::new(path), None, Some(LAPS));
}
