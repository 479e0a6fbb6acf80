//! The OTF2 archive being written, through the reference library: one
//! event writer per rank (a location each), the marker writer, and the
//! global definitions at the end. Every call of the library is checked;
//! its error becomes an `io::Error` naming what the library said.
//!
//! The library keeps each location's events in chunks of
//! [`EVENT_CHUNK`] bytes and writes a full chunk out to its file (the
//! flush callbacks say "flush"), so memory grows with the ranks, not with
//! the events.

use std::ffi::{CStr, CString};
use std::io;
use std::os::raw::c_void;
use std::path::Path;
use std::ptr;

use otf2_sys as sys;

use crate::trace::Rank;

/// Bytes of events each location buffers before writing them out.
const EVENT_CHUNK: u64 = 1 << 20;
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

/// No BufferFlush record in the events: the flush is not the program's.
unsafe extern "C" fn post_flush(
    _user: *mut c_void,
    _file: sys::OTF2_FileType,
    _location: sys::OTF2_LocationRef,
) -> sys::OTF2_TimeStamp {
    0
}

static FLUSH: sys::OTF2_FlushCallbacks = sys::OTF2_FlushCallbacks {
    otf2_pre_flush: Some(pre_flush),
    otf2_post_flush: Some(post_flush),
};

/// An archive open for writing, with a writer per rank.
pub(super) struct Archive {
    raw: *mut sys::OTF2_Archive,
    events: Vec<*mut sys::OTF2_EvtWriter>,
    markers: *mut sys::OTF2_MarkerWriter,
}

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
        };
        archive.set_up(world)?;
        Ok(archive)
    }

    /// Callbacks, creator, and the event and marker writers.
    fn set_up(&mut self, world: Rank) -> io::Result<()> {
        let creator = c_text(concat!("mpi-tutor ", env!("CARGO_PKG_VERSION")));
        // SAFETY: `raw` is the open archive; FLUSH is static; the serial
        // callbacks are the library's own (one process writes it all).
        unsafe {
            check(sys::OTF2_Archive_SetFlushCallbacks(
                self.raw,
                &FLUSH,
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

    /// The event writer of `rank` (a rank of the world, as made above).
    pub fn events(&self, rank: Rank) -> *mut sys::OTF2_EvtWriter {
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
