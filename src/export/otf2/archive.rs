//! The OTF2 archive being written, through the reference library: one
//! event writer per rank (a location each), the marker writer, and the
//! global definitions at the end. Every call of the library is checked;
//! its error becomes an `io::Error` naming what the library said.
//!
//! The library keeps each location's events in chunks of
//! [`EVENT_CHUNK`] bytes, asking the memory callbacks below for each. Left
//! to itself it would `malloc` chunk after chunk and write them all at the
//! end (the whole archive in memory); given one chunk per buffer, it
//! writes a full chunk out to its file (the flush callbacks say "flush"),
//! frees it and asks again. Its file layer buffers up to ~4 MB per file
//! before writing (heaptrack: 16 chunks): memory grows with the ranks (up
//! to ~4.5 MB each), not the events.

use std::ffi::{CStr, CString};
use std::io;
use std::os::raw::c_void;
use std::path::Path;
use std::ptr;
use std::sync::atomic::{AtomicU64, Ordering};

use otf2_sys as sys;

use crate::trace::Rank;

/// Bytes of events each location buffers before writing them out: the
/// library's least chunk.
const EVENT_CHUNK: u64 = 256 << 10;
/// Bytes of definitions buffered before writing them out.
const DEFINITION_CHUNK: u64 = 4 << 20;

/// OTF2's "none" for 32-bit references and numbers (a macro bindgen cannot
/// evaluate).
pub(super) const UNDEFINED_U32: u32 = u32::MAX;
/// OTF2's "none" for 64-bit numbers and timestamps.
pub(super) const UNDEFINED_U64: u64 = u64::MAX;

/// Turns the library's status into a result.
pub(super) fn check(code: sys::OTF2_ErrorCode) -> io::Result<()> {
    if code == sys::OTF2_SUCCESS {
        return Ok(());
    }
    // SAFETY: the library returns static, NUL-terminated strings for any
    // code, its own or not.
    let (name, description) = unsafe {
        (
            CStr::from_ptr(sys::OTF2_Error_GetName(code)),
            CStr::from_ptr(sys::OTF2_Error_GetDescription(code)),
        )
    };
    Err(io::Error::other(format!(
        "the OTF2 library says {}: {}",
        name.to_string_lossy(),
        description.to_string_lossy()
    )))
}

/// A pointer the library returned, or the error that it is null.
fn handle<T>(raw: *mut T, what: &str) -> io::Result<*mut T> {
    if raw.is_null() {
        Err(io::Error::other(format!("the OTF2 library gave no {what}")))
    } else {
        Ok(raw)
    }
}

/// Text for the library: a C string, cut at a NUL it cannot hold.
pub(super) fn c_text(text: &str) -> CString {
    let text = text.split('\0').next().unwrap_or_default();
    CString::new(text).unwrap_or_default()
}

/// Every buffer is written out when full, and at the end.
unsafe extern "C" fn pre_flush(
    _user: *mut c_void,
    _file: sys::OTF2_FileType,
    _location: sys::OTF2_LocationRef,
    _caller: *mut c_void,
    _last: bool,
) -> sys::OTF2_FlushType {
    sys::OTF2_FLUSH as sys::OTF2_FlushType
}

/// The flush's end, for the BufferFlush record the library writes: the
/// location's latest time (writing a file is not the program's time).
unsafe extern "C" fn post_flush(
    user: *mut c_void,
    _file: sys::OTF2_FileType,
    location: sys::OTF2_LocationRef,
) -> sys::OTF2_TimeStamp {
    // SAFETY: `user` is the archive's `latest`, which outlives the archive.
    let latest = unsafe { &*user.cast::<Latest>() };
    let at = usize::try_from(location).ok().and_then(|l| latest.0.get(l));
    at.map_or(0, |t| t.load(Ordering::Relaxed))
}

/// The chunks one buffer of the library holds: at most one.
type Chunks = Vec<(*mut u8, std::alloc::Layout)>;

/// A chunk of `size` bytes for the buffer whose chunks `slot` keeps;
/// null when it has its one already, which makes the library write that
/// one out, free it (`free_all`) and ask again.
unsafe extern "C" fn allocate(
    _user: *mut c_void,
    _file: sys::OTF2_FileType,
    _location: sys::OTF2_LocationRef,
    slot: *mut *mut c_void,
    size: u64,
) -> *mut c_void {
    // SAFETY: the library passes the slot it keeps for this buffer: null
    // at first, then the box made here.
    let chunks = unsafe { &mut *slot.cast::<*mut Chunks>() };
    if chunks.is_null() {
        *chunks = Box::into_raw(Box::default());
    }
    // SAFETY: made just above or by an earlier call, freed only by the
    // final `free_all`.
    let chunks = unsafe { &mut **chunks };
    let Ok(layout) = std::alloc::Layout::from_size_align(size as usize, 8) else {
        return ptr::null_mut();
    };
    if !chunks.is_empty() || layout.size() == 0 {
        return ptr::null_mut();
    }
    // SAFETY: a layout of nonzero size.
    let chunk = unsafe { std::alloc::alloc(layout) };
    if !chunk.is_null() {
        chunks.push((chunk, layout));
    }
    chunk.cast()
}

/// Frees every chunk of a buffer (its contents were written out); the
/// final time, the list of them too.
unsafe extern "C" fn free_all(
    _user: *mut c_void,
    _file: sys::OTF2_FileType,
    _location: sys::OTF2_LocationRef,
    slot: *mut *mut c_void,
    last: bool,
) {
    // SAFETY: as in `allocate`.
    let chunks = unsafe { &mut *slot.cast::<*mut Chunks>() };
    if chunks.is_null() {
        return;
    }
    // SAFETY: the box `allocate` made; each chunk with the layout it was
    // allocated with.
    unsafe {
        for (chunk, layout) in (**chunks).drain(..) {
            std::alloc::dealloc(chunk, layout);
        }
        if last {
            drop(Box::from_raw(*chunks));
            *chunks = ptr::null_mut();
        }
    }
}

static MEMORY: sys::OTF2_MemoryCallbacks = sys::OTF2_MemoryCallbacks {
    otf2_allocate: Some(allocate),
    otf2_free_all: Some(free_all),
};

static FLUSH: sys::OTF2_FlushCallbacks = sys::OTF2_FlushCallbacks {
    otf2_pre_flush: Some(pre_flush),
    otf2_post_flush: Some(post_flush),
};

/// An archive open for writing, with a writer per rank.
pub(super) struct Archive {
    raw: *mut sys::OTF2_Archive,
    events: Vec<*mut sys::OTF2_EvtWriter>,
    markers: *mut sys::OTF2_MarkerWriter,
    /// Each rank's latest time written, for the flush records; boxed so
    /// that its address, given to the library, stays put.
    latest: Box<Latest>,
}

/// Each rank's latest time written.
struct Latest(Vec<AtomicU64>);

impl Archive {
    /// Creates `dir/name.otf2` (the anchor file), `dir/name.def` and
    /// `dir/name/` with a writer for each of `world` ranks.
    pub fn create(dir: &Path, name: &str, world: Rank) -> io::Result<Archive> {
        let path = c_text(&dir.to_string_lossy());
        let name = c_text(name);
        // SAFETY: both strings outlive the call, which copies them.
        let raw = unsafe {
            sys::OTF2_Archive_Open(
                path.as_ptr(),
                name.as_ptr(),
                sys::OTF2_FILEMODE_WRITE as sys::OTF2_FileMode,
                EVENT_CHUNK,
                DEFINITION_CHUNK,
                sys::OTF2_SUBSTRATE_POSIX as sys::OTF2_FileSubstrate,
                sys::OTF2_COMPRESSION_NONE as sys::OTF2_Compression,
            )
        };
        let mut archive = Archive {
            raw: handle(raw, "archive")?,
            events: Vec::new(),
            markers: ptr::null_mut(),
            latest: Box::new(Latest((0..world).map(|_| AtomicU64::new(0)).collect())),
        };
        archive.set_up(world)?;
        Ok(archive)
    }

    /// Callbacks, creator, and the event and marker writers.
    fn set_up(&mut self, world: Rank) -> io::Result<()> {
        let creator = c_text(concat!("mpi-tutor ", env!("CARGO_PKG_VERSION")));
        // SAFETY: `raw` is the open archive; the callbacks are static; the serial
        // callbacks are the library's own (one process writes it all).
        unsafe {
            let latest: *const Latest = &*self.latest;
            check(sys::OTF2_Archive_SetFlushCallbacks(
                self.raw,
                &FLUSH,
                latest.cast_mut().cast(),
            ))?;
            check(sys::OTF2_Archive_SetMemoryCallbacks(
                self.raw,
                &MEMORY,
                ptr::null_mut(),
            ))?;
            check(sys::OTF2_Archive_SetSerialCollectiveCallbacks(self.raw))?;
            check(sys::OTF2_Archive_SetCreator(self.raw, creator.as_ptr()))?;
            check(sys::OTF2_Archive_OpenEvtFiles(self.raw))?;
        }
        for rank in 0..world {
            // SAFETY: the archive's event files are open.
            let writer = unsafe { sys::OTF2_Archive_GetEvtWriter(self.raw, u64::from(rank)) };
            self.events.push(handle(writer, "event writer")?);
        }
        // SAFETY: as above.
        self.markers = handle(
            unsafe { sys::OTF2_Archive_GetMarkerWriter(self.raw) },
            "marker writer",
        )?;
        Ok(())
    }

    /// The event writer of `rank` (a rank of the world, as made above),
    /// for a record at `tick`.
    pub fn events(&self, rank: Rank, tick: u64) -> *mut sys::OTF2_EvtWriter {
        self.latest.0[rank as usize].store(tick, Ordering::Relaxed);
        self.events[rank as usize]
    }

    pub fn markers(&self) -> *mut sys::OTF2_MarkerWriter {
        self.markers
    }

    /// How many events each rank's writer has taken.
    fn event_counts(&self) -> io::Result<Vec<u64>> {
        self.events
            .iter()
            .map(|&writer| {
                let mut count = 0;
                // SAFETY: an open writer of this archive.
                check(unsafe { sys::OTF2_EvtWriter_GetNumberOfEvents(writer, &mut count) })?;
                Ok(count)
            })
            .collect()
    }

    /// Closes the event and marker writers, then gives the global
    /// definitions writer to `define` with the number of events of each
    /// rank, and closes the archive.
    pub fn finish(
        mut self,
        define: impl FnOnce(*mut sys::OTF2_GlobalDefWriter, &[u64]) -> io::Result<()>,
    ) -> io::Result<()> {
        let counts = self.event_counts()?;
        self.close_writers()?;
        // SAFETY: the open archive; each location gets its (empty) local
        // definitions file, which readers expect beside its events.
        unsafe {
            check(sys::OTF2_Archive_OpenDefFiles(self.raw))?;
            for rank in 0..counts.len() {
                let local = sys::OTF2_Archive_GetDefWriter(self.raw, rank as u64);
                check(sys::OTF2_Archive_CloseDefWriter(
                    self.raw,
                    handle(local, "definition writer")?,
                ))?;
            }
            check(sys::OTF2_Archive_CloseDefFiles(self.raw))?;
        }
        // SAFETY: as above.
        let global = unsafe { sys::OTF2_Archive_GetGlobalDefWriter(self.raw) };
        define(handle(global, "global definition writer")?, &counts)?;
        let raw = std::mem::replace(&mut self.raw, ptr::null_mut());
        // SAFETY: closed once; `Drop` sees the null.
        check(unsafe { sys::OTF2_Archive_Close(raw) })
    }

    fn close_writers(&mut self) -> io::Result<()> {
        for writer in std::mem::take(&mut self.events) {
            // SAFETY: a writer of this archive, closed once.
            check(unsafe { sys::OTF2_Archive_CloseEvtWriter(self.raw, writer) })?;
        }
        let markers = std::mem::replace(&mut self.markers, ptr::null_mut());
        // SAFETY: as above.
        unsafe {
            check(sys::OTF2_Archive_CloseMarkerWriter(self.raw, markers))?;
            check(sys::OTF2_Archive_CloseEvtFiles(self.raw))
        }
    }
}

impl Drop for Archive {
    /// An archive given up half-way (an error) is closed all the same,
    /// so the library lets go of its files; the caller removes them.
    fn drop(&mut self) {
        if !self.raw.is_null() {
            // SAFETY: the archive is open; closing it closes its writers.
            unsafe { sys::OTF2_Archive_Close(self.raw) };
        }
    }
}
