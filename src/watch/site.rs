//! Where in the program an MPI call was made: the hook's return address,
//! resolved through the program's debug information (`mpicc -g`) to
//! `ring.c:17`; without it, the function's name.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ffi::CStr;

use rustc_hash::FxHashMap;

use crate::probe::ThisThread;
use crate::trace::{Site, Text};

/// One object's debug information, loaded once (None: it has none).
type Objects = HashMap<String, Option<addr2line::Loader>>;

/// What a return address is known to be.
#[derive(Clone)]
enum Known {
    /// A place in the program (or a library of its own).
    At(Site),
    /// Inside an MPI library: a binding (Fortran's `mpi_send_`, MPICH's
    /// `mpi_f08`) that called the hooked function for the program.
    InBinding,
}

thread_local! {
    /// Per thread: the loaders are not shared between threads, and a
    /// program makes its MPI calls from one thread or a few.
    static SITES: RefCell<(FxHashMap<usize, Known>, Objects)> = RefCell::new(Default::default());
}

/// The site of the call that returns to `return_address`; in a Python
/// program, the student's `.py` line instead (the return address is in
/// mpi4py's extension). A call made by a binding library is placed at
/// the program's call of the binding, found by walking the stack (only
/// then: a C program's calls cost no walk).
pub fn site_of(return_address: usize) -> Site {
    if let Some(site) = super::python::current_site() {
        return site;
    }
    program_site(return_address, |_| {})
}

/// [`site_of`] for a hook that has its thread's [`ThisThread`] at hand,
/// which keeps the places of the program's own calls found lately.
pub fn site_on(thread: &ThisThread, return_address: usize) -> Site {
    if let Some(site) = super::python::current_site() {
        return site;
    }
    let key = return_address as u64;
    if let Some((file, line)) = thread.sites.get(key) {
        return Site {
            file: Text::Borrowed(file),
            line,
        };
    }
    program_site(return_address, |site| {
        if let Text::Borrowed(file) = site.file {
            thread.sites.put(key, (file, site.line));
        }
    })
}

/// The site of a C, C++ or Fortran program's call that returns to
/// `return_address`; `found` sees it if the program made the call itself
/// (not through a binding).
fn program_site(return_address: usize, found: impl FnOnce(&Site)) -> Site {
    SITES.with(|sites| {
        let mut sites = sites.borrow_mut();
        let (known, objects) = &mut *sites;
        if let Known::At(site) = known_as(return_address, known, objects) {
            found(&site);
            return site;
        }
        let program = super::frames::first_outside(return_address, |address| {
            matches!(known_as(address, known, objects), Known::InBinding)
        });
        match program.map(|address| known_as(address, known, objects)) {
            Some(Known::At(site)) => site,
            _ => resolve(return_address, objects),
        }
    })
}

/// What `address` is, from the cache or found out once.
fn known_as(address: usize, known: &mut FxHashMap<usize, Known>, objects: &mut Objects) -> Known {
    if let Some(found) = known.get(&address) {
        return found.clone();
    }
    let found = if in_binding(address) {
        Known::InBinding
    } else {
        Known::At(resolve(address, objects))
    };
    known.insert(address, found.clone());
    found
}

/// Whether `address` is in one of the MPI library's own objects (its
/// Fortran or C++ bindings), not the program's.
fn in_binding(address: usize) -> bool {
    object_of(address).is_some_and(|(path, _)| {
        std::path::Path::new(&path)
            .file_name()
            .is_some_and(|name| super::check::is_mpi_library(&name.to_string_lossy()))
    })
}

/// Whether the program's `main` has line information (built with `-g`).
pub fn program_has_lines(main_address: usize) -> bool {
    site_of(main_address + 1).has_line()
}

/// Asks the dynamic linker which object holds `address`, then that
/// object's DWARF for the line.
fn resolve(address: usize, objects: &mut Objects) -> Site {
    let unknown = Site {
        file: "?".into(),
        line: 0,
    };
    let Some((path, bias)) = object_of(address) else {
        return unknown;
    };
    let loader = objects
        .entry(path.clone())
        .or_insert_with(|| addr2line::Loader::new(&path).ok());
    let Some(loader) = loader else {
        return unknown;
    };
    // The call instruction ends just before the return address.
    let probe = (address - 1 - bias) as u64;
    if let Ok(Some(location)) = loader.find_location(probe) {
        if let (Some(file), Some(line)) = (location.file, location.line) {
            // Shared, not owned: every call's site is a copy of this one,
            // and a copy of an owned name was an allocation per call.
            return Site {
                file: crate::trace::intern::name(&shortened(file)),
                line,
            };
        }
    }
    match loader.find_symbol(probe) {
        Some(name) => Site {
            file: crate::trace::intern::name(&demangled(name)),
            line: 0,
        },
        None => unknown,
    }
}

/// A C++ function's name as its source spells it (`ring::pass(int)`, not
/// `_ZN4ring4passEi`); any other name as it is.
fn demangled(name: &str) -> String {
    addr2line::demangle(name, addr2line::gimli::DW_LANG_C_plus_plus)
        .unwrap_or_else(|| name.to_string())
}

/// The file of the object that holds `address`, and how far it was moved
/// from the addresses its debug information uses.
fn object_of(address: usize) -> Option<(String, usize)> {
    // SAFETY: `info` is plain data dladdr fills in; the pointers it leaves
    // there point into the dynamic linker's tables, alive as long as the
    // object stays loaded, and are only read here.
    let info = unsafe {
        let mut info: libc::Dl_info = std::mem::zeroed();
        if libc::dladdr(address as *const libc::c_void, &mut info) == 0 {
            return None;
        }
        info
    };
    let name = if info.dli_fname.is_null() {
        String::new()
    } else {
        // SAFETY: a non-null dli_fname is a NUL-terminated C string.
        unsafe { CStr::from_ptr(info.dli_fname) }
            .to_string_lossy()
            .into_owned()
    };
    // The main program is named as it was started (or not at all).
    let path = if name.starts_with('/') {
        name
    } else {
        std::fs::read_link("/proc/self/exe")
            .ok()?
            .display()
            .to_string()
    };
    let base = info.dli_fbase as usize;
    let bias = if is_fixed_address(&path) { 0 } else { base };
    Some((path, bias))
}

/// A program linked at fixed addresses (not position-independent): its
/// debug information uses the addresses it runs at.
fn is_fixed_address(path: &str) -> bool {
    use std::io::Read;
    let mut header = [0u8; 18];
    let read = std::fs::File::open(path).and_then(|mut f| f.read_exact(&mut header));
    // e_type, little-endian, at byte 16: 2 is ET_EXEC.
    read.is_ok() && header[16] == 2 && header[17] == 0
}

/// `ring.c` rather than `/home/me/mpi/ring.c` when run from where it is.
pub(super) fn shortened(file: &str) -> String {
    let here = std::env::current_dir().unwrap_or_default();
    match std::path::Path::new(file).strip_prefix(&here) {
        Ok(inside) => inside.display().to_string(),
        Err(_) => file.to_string(),
    }
}
