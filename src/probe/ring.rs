//! A byte ring with one writer and one reader: the recording thread
//! appends encoded events, the reporter thread copies them out. Neither side takes
//! a lock or makes a locked (read-modify-write) instruction per event:
//! each publishes how far it has got with a plain release store. A lock
//! per event costs about 15% of an instrumented call on the 8-byte
//! ping-pong (`cargo bench --bench pingpong`), mostly waiting for the
//! call's own writes to drain before the lock's atomic instruction can run.
//!
//! One writer and one reader is what the types allow: [`Writer`] and
//! [`Reader`] are not `Clone`, and both sides take `&mut self`.

use std::cell::UnsafeCell;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

/// The smallest page size of the machines we run on: touching one byte
/// every `PAGE` bytes touches every page.
const PAGE: usize = 4096;

struct Ring {
    bytes: Box<[UnsafeCell<u8>]>,
    /// Bytes ever written; only the writer stores it.
    head: AtomicUsize,
    /// Bytes ever read; only the reader stores it.
    tail: AtomicUsize,
}

// SAFETY: the writer only writes bytes between `head` and `tail + len`,
// which the reader does not read, and publishes them with a release store
// of `head` before the reader (acquire load) may read them; the reader
// publishes that it is done with bytes by a release store of `tail`
// before the writer (acquire load) may overwrite them.
unsafe impl Sync for Ring {}

impl Ring {
    fn len(&self) -> usize {
        self.bytes.len()
    }

    fn at(&self, pos: usize) -> *mut u8 {
        self.at_offset(pos % self.len())
    }

    /// The byte `offset` bytes into the buffer (below its length).
    fn at_offset(&self, offset: usize) -> *mut u8 {
        UnsafeCell::raw_get(self.bytes[offset..].as_ptr())
    }
}

/// A ring of `capacity` bytes, its first `resident` bytes already in memory.
///
/// Zeroed memory this large comes as pages the system hands out when they
/// are first written: a fault of about a microsecond each, taken by the
/// recording thread in the middle of its calls. A short lesson never wraps
/// the ring, so every page of events it wrote would cost it one: 8-14% on
/// the 8-byte ping-pong (`cargo bench --bench pingpong`). Touching
/// the pages here, before the lesson starts, moves that cost out of it,
/// at the price of holding them from the start whether the rank reports
/// much or not; the caller decides how much that may be (and may leave it
/// to the reader: [`Reader::make_resident`], or [`Reader::keep_ahead`] to
/// bring pages in only as the writer nears them).
pub fn ring(capacity: usize, resident: usize) -> (Writer, Reader) {
    assert!(capacity > 0, "a ring needs room");
    let layout = std::alloc::Layout::array::<u8>(capacity).expect("ring size");
    // SAFETY: a non-zero layout, owned by the box from here on and freed
    // with the same layout; zeroed memory is a valid `UnsafeCell<u8>`
    // slice (same layout as `u8`).
    let bytes = unsafe {
        let p = std::alloc::alloc_zeroed(layout);
        if p.is_null() {
            std::alloc::handle_alloc_error(layout);
        }
        Box::from_raw(std::ptr::slice_from_raw_parts_mut(
            p.cast::<UnsafeCell<u8>>(),
            capacity,
        ))
    };
    let ring = Arc::new(Ring {
        bytes,
        head: AtomicUsize::new(0),
        tail: AtomicUsize::new(0),
    });
    // SAFETY: nobody else holds the ring yet.
    unsafe { touch(&ring, resident) };
    (
        Writer {
            ring: ring.clone(),
            head: 0,
            offset: 0,
        },
        Reader {
            ring,
            tail: 0,
            ahead: Ahead { end: 0, limit: 0 },
        },
    )
}

/// Brings the ring's first `resident` bytes into memory.
///
/// # Safety
/// Nothing has been written to the ring yet, and nothing is written to it
/// until this has returned (and the writer has seen that it did, through
/// a lock or a release-acquire pair).
unsafe fn touch(ring: &Ring, resident: usize) {
    let resident = resident.min(ring.len());
    // A byte in every page, the last byte's page included (the buffer
    // need not start on a page). A write, not a read: reading a fresh
    // zeroed page maps the shared zero page, and the first write would
    // fault anyway.
    for at in (0..resident).step_by(PAGE).chain(resident.checked_sub(1)) {
        // SAFETY: within the buffer; no one else touches it (the caller's
        // promise).
        unsafe { ring.at_offset(at).write_volatile(0) };
    }
}

/// How far ahead of the writer a reader keeps the ring in memory
/// ([`Reader::populate_ahead`]): as far again as has been written, plus
/// this. A rank that reports little has this much brought in, 16 pages
/// (one call, ~10 us of the system's time), not its whole ring; one that
/// floods finds the lead growing with what it wrote, so pages stay ahead
/// of it between two of the reader's looks.
const LEAD: usize = POPULATE_AT_ONCE;

/// Where the ring should be in memory up to, in bytes from its start,
/// once `written` bytes were written: twice that plus [`LEAD`], never
/// beyond `resident`.
fn populated_to(written: usize, resident: usize) -> usize {
    written.saturating_mul(2).saturating_add(LEAD).min(resident)
}

/// What a reader has brought into memory ahead of the writer: the whole
/// pages (addresses) from the ring's first one up to `end`, and at most
/// up to `limit`.
struct Ahead {
    end: usize,
    limit: usize,
}

/// Bytes brought in per call: 16 pages, ~10 us of the system's time. One
/// call for many pages holds the process's memory map and the core for
/// milliseconds, inside the system, where even an idle-class thread is
/// not preempted: a rank that starts a thread or maps memory meanwhile
/// (rank 0 starting its app) would wait for it (measured: 1-2 ms at a
/// two-rank job's start and end).
const POPULATE_AT_ONCE: usize = 16 * PAGE;

/// The addresses of the whole pages within the ring's first `len` bytes
/// (a page the buffer only shares is left to the writer's first write).
fn whole_pages(ring: &Ring, len: usize) -> std::ops::Range<usize> {
    let start = ring.at_offset(0) as usize;
    start.next_multiple_of(PAGE)..(start + len) / PAGE * PAGE
}

/// `MADV_POPULATE_WRITE` on `pages` (page-aligned): the pages mapped
/// writable as a first write would, without writing; false if refused.
fn populate(pages: std::ops::Range<usize>) -> bool {
    if pages.is_empty() {
        return true;
    }
    // SAFETY: the range lies within a live allocation (the caller holds
    // the ring); populating changes no byte in it.
    let rc = unsafe {
        libc::madvise(
            pages.start as *mut libc::c_void,
            pages.len(),
            libc::MADV_POPULATE_WRITE,
        )
    };
    rc == 0
}

/// The side that appends.
pub struct Writer {
    ring: Arc<Ring>,
    /// Our own copy of `ring.head`: only we store it.
    head: usize,
    /// Where `head` is in the buffer, kept as it moves: a division per
    /// event costs more than the rest of a push.
    offset: usize,
}

impl Writer {
    /// Appends `bytes` whole and returns true, or returns false and writes
    /// nothing if there is not room for all of them now.
    pub fn push(&mut self, bytes: &[u8]) -> bool {
        let r = &*self.ring;
        let tail = r.tail.load(Ordering::Acquire);
        if self.head + bytes.len() - tail > r.len() {
            return false;
        }
        let first = bytes.len().min(r.len() - self.offset);
        // SAFETY: the bytes from head to tail + len are ours (see `Ring`),
        // and `first` stops at the end of the buffer; the rest wraps to
        // its start.
        unsafe {
            std::ptr::copy_nonoverlapping(bytes.as_ptr(), r.at_offset(self.offset), first);
            if first < bytes.len() {
                std::ptr::copy_nonoverlapping(
                    bytes[first..].as_ptr(),
                    r.at_offset(0),
                    bytes.len() - first,
                );
            }
        }
        self.advance(bytes.len());
        true
    }

    /// The free room from where the next push lands to the end of the
    /// buffer (or to the bytes not yet read): an event written straight
    /// into it and [`Writer::commit`]ted needs no copy. Empty when the
    /// ring is full or the next push lands at the very end.
    pub fn room(&mut self) -> &mut [u8] {
        let r = &*self.ring;
        let tail = r.tail.load(Ordering::Acquire);
        let free = r.len() - (self.head - tail);
        let n = free.min(r.len() - self.offset);
        // SAFETY: the bytes from head to tail + len are ours (see `Ring`)
        // until `commit` publishes them; `n` stops at both that and the
        // end of the buffer, and `&mut self` keeps the slice the only one.
        unsafe { std::slice::from_raw_parts_mut(r.at_offset(self.offset), n) }
    }

    /// Publishes the first `n` bytes of [`Writer::room`] as written.
    pub fn commit(&mut self, n: usize) {
        debug_assert!(n <= self.ring.len() - self.offset, "commit beyond the room");
        self.advance(n);
    }

    /// Publishes the next `n` bytes, written from where the last push
    /// ended (wrapping at the buffer's end), to the reader.
    fn advance(&mut self, n: usize) {
        let r = &*self.ring;
        self.offset += n;
        if self.offset >= r.len() {
            self.offset -= r.len();
        }
        self.head += n;
        r.head.store(self.head, Ordering::Release);
    }

    /// Bytes ever written: where the next push lands.
    pub fn written(&self) -> usize {
        self.head
    }

    /// Bytes written and not yet read.
    pub fn queued(&self) -> usize {
        self.head - self.ring.tail.load(Ordering::Acquire)
    }

    pub fn capacity(&self) -> usize {
        self.ring.len()
    }
}

/// The side that copies out.
pub struct Reader {
    ring: Arc<Ring>,
    /// Our own copy of `ring.tail`: only we store it.
    tail: usize,
    ahead: Ahead,
}

impl Reader {
    /// Bytes ever written, as far as this thread can see now.
    pub fn written(&self) -> usize {
        self.ring.head.load(Ordering::Acquire)
    }

    /// Brings the ring's first `resident` bytes into memory, as [`ring`]
    /// does, here on the reader's thread, off the recording thread's path.
    ///
    /// # Safety
    /// The writer has written nothing yet, and writes nothing until this
    /// has returned and it has seen so (a lock, a release-acquire pair).
    pub unsafe fn make_resident(&mut self, resident: usize) {
        // SAFETY: the caller's promise.
        unsafe { touch(&self.ring, resident) };
    }

    /// Has [`Reader::populate_ahead`] keep the ring's first `resident`
    /// bytes in memory ahead of the writer, without writing to them, so
    /// the writer may write meanwhile; false if this system cannot (Linux
    /// before 5.14: no `MADV_POPULATE_WRITE`), found by bringing in the
    /// first page.
    pub fn keep_ahead(&mut self, resident: usize) -> bool {
        let pages = whole_pages(&self.ring, resident.min(self.ring.len()));
        let first = pages.start..pages.end.min(pages.start + PAGE);
        if !populate(first.clone()) {
            return false;
        }
        self.ahead = Ahead {
            end: first.end,
            limit: pages.end,
        };
        true
    }

    /// Brings the pages just ahead of the writer into memory (see
    /// [`populated_to`]), within what [`Reader::keep_ahead`] allowed: the
    /// system zeroes and maps them, and their bytes, whatever the writer
    /// has put there, stay as they are. A page the writer reaches first
    /// it brings in itself by writing to it.
    pub fn populate_ahead(&mut self) {
        let Ahead { end, limit } = self.ahead;
        if end >= limit {
            return;
        }
        let start = self.ring.at_offset(0) as usize;
        let wanted = populated_to(self.written(), limit - start);
        let target = (start + wanted).next_multiple_of(PAGE).min(limit);
        for from in (end..target).step_by(POPULATE_AT_ONCE) {
            let to = (from + POPULATE_AT_ONCE).min(target);
            if !populate(from..to) {
                self.ahead.limit = from;
                return;
            }
            self.ahead.end = to;
        }
    }

    /// Bytes ever read.
    pub fn read(&self) -> usize {
        self.tail
    }

    /// Appends to `out` what was written between what was last read and
    /// `upto` (a position [`Reader::written`] returned), and frees that
    /// room for the writer.
    pub fn read_to(&mut self, upto: usize, out: &mut Vec<u8>) {
        let r = &*self.ring;
        debug_assert!(upto <= r.head.load(Ordering::Acquire));
        let upto = upto.max(self.tail);
        let n = upto - self.tail;
        let start = self.tail % r.len();
        let first = n.min(r.len() - start);
        out.reserve(n);
        // SAFETY: the bytes from tail to upto were published by the
        // writer's release store of head, which `written` loaded with
        // acquire; the writer does not touch them until we store tail.
        unsafe {
            let at = out.len();
            std::ptr::copy_nonoverlapping(r.at(self.tail), out.as_mut_ptr().add(at), first);
            std::ptr::copy_nonoverlapping(
                r.at(self.tail + first),
                out.as_mut_ptr().add(at + first),
                n - first,
            );
            out.set_len(at + n);
        }
        self.tail = upto;
        r.tail.store(upto, Ordering::Release);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_come_out_in_order_across_the_wrap() {
        let (mut w, mut r) = ring(10, 10);
        let mut out = Vec::new();
        assert!(w.push(b"abcdef"));
        r.read_to(r.written(), &mut out);
        // Starts at 6 of 10: wraps after 4 bytes.
        assert!(w.push(b"ghijklm"));
        assert_eq!(w.queued(), 7);
        r.read_to(r.written(), &mut out);
        assert_eq!(out, b"abcdefghijklm");
        assert_eq!(w.queued(), 0);
    }

    #[test]
    fn bytes_written_in_the_room_come_out_once_committed() {
        let (mut w, mut r) = ring(10, 10);
        let mut out = Vec::new();
        assert_eq!(w.room().len(), 10);
        w.room()[..4].copy_from_slice(b"abcd");
        w.commit(4);
        assert!(w.push(b"efg"));
        r.read_to(r.written(), &mut out);
        // The room stops at the buffer's end, whatever is free before it.
        assert_eq!(w.room().len(), 3);
        w.room().copy_from_slice(b"hij");
        w.commit(3);
        assert_eq!(w.room().len(), 7, "from the start, up to the unread bytes");
        w.room()[..2].copy_from_slice(b"kl");
        w.commit(2);
        r.read_to(r.written(), &mut out);
        assert_eq!(out, b"abcdefghijkl");
        assert_eq!(w.queued(), 0);
    }

    #[test]
    fn a_full_ring_refuses_until_the_reader_frees_room() {
        let (mut w, mut r) = ring(8, 0);
        assert!(w.push(b"12345"));
        assert!(!w.push(b"6789"), "9 bytes do not fit in 8");
        assert_eq!(w.written(), 5, "a refused push writes nothing");
        let mut out = Vec::new();
        r.read_to(3, &mut out);
        assert_eq!(out, b"123");
        assert!(w.push(b"6789"));
        r.read_to(r.written(), &mut out);
        assert_eq!(out, b"123456789");
    }

    #[test]
    fn a_reader_on_another_thread_sees_every_byte_once() {
        let (mut w, mut r) = ring(64, 64);
        let writer = std::thread::spawn(move || {
            for i in 0..20_000u32 {
                let bytes = i.to_le_bytes();
                while !w.push(&bytes) {
                    std::hint::spin_loop();
                }
            }
        });
        let mut out = Vec::new();
        while out.len() < 80_000 {
            r.read_to(r.written(), &mut out);
        }
        writer.join().unwrap();
        let got: Vec<u32> = out
            .chunks(4)
            .map(|c| u32::from_le_bytes(c.try_into().unwrap()))
            .collect();
        assert_eq!(got, (0..20_000).collect::<Vec<_>>());
    }

    /// Which of the pages from `at` for `len` bytes are in memory.
    fn in_memory(at: *const u8, len: usize) -> Vec<bool> {
        let start = at as usize & !(PAGE - 1);
        let pages = (at as usize + len - start).div_ceil(PAGE);
        let mut flags = vec![0u8; pages];
        // SAFETY: `start..start + pages * PAGE` lies within the ring's
        // allocation rounded out to whole pages, which are mapped.
        let rc = unsafe { libc::mincore(start as *mut _, pages * PAGE, flags.as_mut_ptr()) };
        assert_eq!(rc, 0, "mincore: {}", std::io::Error::last_os_error());
        flags.iter().map(|f| f & 1 == 1).collect()
    }

    #[test]
    fn the_reader_brings_the_resident_part_into_memory() {
        const BIG: usize = 64 << 20;
        let (w, mut r) = ring(BIG, 0);
        let at = w.ring.at(0).cast_const();
        assert!(
            in_memory(at, 1 << 20).iter().filter(|&&p| p).count() <= 1,
            "nothing is in memory before"
        );
        // SAFETY: nothing was written.
        unsafe { r.make_resident(1 << 20) };
        assert!(in_memory(at, 1 << 20).iter().all(|&p| p));
    }

    #[test]
    fn the_part_kept_in_memory_grows_with_what_was_written() {
        const RESIDENT: usize = 1 << 20;
        assert_eq!(populated_to(0, RESIDENT), LEAD, "a lead before anything");
        assert_eq!(populated_to(1000, RESIDENT), 2000 + LEAD);
        assert_eq!(populated_to(RESIDENT / 2, RESIDENT), RESIDENT);
        assert_eq!(populated_to(usize::MAX, RESIDENT), RESIDENT);
        assert_eq!(populated_to(0, 100), 100, "never beyond the resident part");
    }

    /// Counts the ring's whole pages in memory within `range` (bytes from
    /// its start, page-aligned offsets from its first whole page).
    fn pages_in_memory(w: &Writer, range: std::ops::Range<usize>) -> usize {
        let first = (w.ring.at(0) as usize).next_multiple_of(PAGE) as *const u8;
        // SAFETY: within the ring's buffer (the callers' ranges are).
        let at = unsafe { first.add(range.start) };
        let flags = in_memory(at, range.len());
        flags.iter().filter(|&&p| p).count()
    }

    #[test]
    fn pages_are_brought_in_just_ahead_of_the_writer_and_no_further() {
        const BIG: usize = 64 << 20;
        const RESIDENT: usize = 4 << 20;
        let (mut w, mut r) = ring(BIG, 0);
        if !r.keep_ahead(RESIDENT) {
            return; // a system without MADV_POPULATE_WRITE
        }
        let pages = |bytes: usize| bytes / PAGE;
        r.populate_ahead();
        assert_eq!(pages_in_memory(&w, 0..LEAD), pages(LEAD), "the lead");
        assert_eq!(pages_in_memory(&w, LEAD..LEAD + (1 << 20)), 0);

        // The writer writes 100 pages (its own writes bring those in).
        let chunk = vec![7u8; 100 * PAGE];
        assert!(w.push(&chunk));
        r.populate_ahead();
        let ahead = 200 * PAGE + LEAD;
        assert_eq!(pages_in_memory(&w, 0..ahead), pages(ahead));
        assert_eq!(pages_in_memory(&w, ahead..ahead + (1 << 20)), 0);

        // Past half the resident part: all of it, and nothing beyond.
        while w.written() < RESIDENT / 2 {
            assert!(w.push(&chunk));
        }
        r.populate_ahead();
        let written = w.written().next_multiple_of(PAGE) + PAGE;
        assert_eq!(
            pages_in_memory(&w, written..RESIDENT - PAGE),
            pages(RESIDENT - PAGE - written)
        );
        assert_eq!(pages_in_memory(&w, RESIDENT..RESIDENT + (8 << 20)), 0);

        let mut out = Vec::new();
        r.read_to(r.written(), &mut out);
        assert!(out.iter().all(|&b| b == 7), "populating changed no byte");
    }

    #[test]
    fn the_resident_part_is_in_memory_before_the_first_push() {
        // Larger than any allocator keeps in its heap: fresh pages.
        const BIG: usize = 64 << 20;
        let (w, _r) = ring(BIG, 1 << 20);
        let at = w.ring.at(0).cast_const();
        let head = in_memory(at, 1 << 20);
        assert!(head.iter().all(|&p| p), "the first MiB is in memory");
        // SAFETY: the last MiB of the ring's own buffer.
        let tail = in_memory(unsafe { at.add(BIG - (1 << 20)) }, 1 << 20);
        // (At most the one page the allocator's own bookkeeping may touch.)
        assert!(
            tail.iter().filter(|&&p| p).count() <= 1,
            "the rest waits for its first write"
        );
    }
}
