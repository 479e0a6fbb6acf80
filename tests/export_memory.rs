//! `mpi-tutor export` of a long recorded run takes memory that does not
//! grow with the file: exporting a run twice as long takes (nearly) no
//! more, and beyond what exporting a tiny run takes, less than the file's
//! own size (the whole-file export took about 20 times the file). Peak memory is the kernel's
//! count for the finished process (`wait4`'s maximum resident set).

mod common;

use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::Path;
use std::process::{Command, Stdio};

/// Peak resident memory of `mpi-tutor export TRACE -o OUT`, in bytes.
fn export_peak(trace: &Path, out: &Path) -> u64 {
    // Reaped by wait4 below, which also gives its peak memory.
    #[allow(clippy::zombie_processes)]
    let child = Command::new(common::bin())
        .arg("export")
        .arg(trace)
        .arg("-o")
        .arg(out)
        .stdin(Stdio::null())
        .spawn()
        .expect("start the export");
    let mut status = 0;
    // SAFETY: rusage is plain data the kernel fills; a zeroed one is valid.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    // SAFETY: waits for our own child; both pointers are to locals that
    // outlive the call.
    let waited = unsafe { libc::wait4(child.id() as i32, &mut status, 0, &mut usage) };
    assert_eq!(waited, child.id() as i32);
    assert!(libc::WIFEXITED(status) && libc::WEXITSTATUS(status) == 0);
    // Linux counts ru_maxrss in kilobytes.
    usage.ru_maxrss as u64 * 1024
}

/// The first `lines` lines of `from`, a trace that ends on a whole event.
/// Read a line at a time: this process stays small, and its size is
/// counted in the peak of the processes it starts.
fn first_lines(from: &Path, to: &Path, lines: usize) {
    let input = BufReader::new(std::fs::File::open(from).unwrap());
    let mut out = BufWriter::new(std::fs::File::create(to).unwrap());
    for line in input.lines().take(lines) {
        writeln!(out, "{}", line.unwrap()).unwrap();
    }
}

fn count_lines(path: &Path) -> usize {
    BufReader::new(std::fs::File::open(path).unwrap())
        .lines()
        .count()
}

#[test]
fn a_run_twice_as_long_exports_in_the_same_memory() {
    let dir = tempfile::tempdir().unwrap();
    let long = dir.path().join("long.jsonl");
    // Its log is not kept: only the recording is wanted.
    let recorded = Command::new(common::bin())
        .args(["lesson", "ring", "--headless", "--fast"])
        .args(["--iterations", "10000", "--record"])
        .arg(&long)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .status()
        .expect("record a long run");
    assert!(recorded.success());
    let lines = count_lines(&long);
    let half = dir.path().join("half.jsonl");
    first_lines(&long, &half, lines / 2);
    let size = std::fs::metadata(&long).unwrap().len();
    assert!(size > 20_000_000, "a long run: {size} bytes");

    let out = dir.path().join("out.json");
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/send_recv.jsonl");
    let base_peak = export_peak(&fixture, &out);
    let half_peak = export_peak(&half, &out);
    let long_peak = export_peak(&long, &out);
    let mb = |b: u64| b as f64 / 1e6;
    eprintln!(
        "export peak: {:.0} MB for {:.0} MB, {:.0} MB for half of it, {:.0} MB for a tiny one",
        mb(long_peak),
        mb(size),
        mb(half_peak),
        mb(base_peak)
    );
    assert!(
        long_peak - base_peak < size,
        "the export's own memory is less than the file itself"
    );
    assert!(
        long_peak < half_peak + size / 8,
        "twice the file, nearly the same memory: {long_peak} vs {half_peak}"
    );
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&out).unwrap()).expect("the export is JSON");
    assert!(json["traceEvents"].as_array().unwrap().len() > lines / 2);
}
