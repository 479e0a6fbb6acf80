//! The Python line of an MPI call made through mpi4py. A hook runs inside
//! mpi4py's C extension, so its return address names no line of the
//! student's; the interpreter's own frames do. The hook takes the GIL back
//! (mpi4py releases it around MPI calls), reads the calling thread's
//! current frame, and walks out of mpi4py's own Python code to the
//! student's `.py` line. The interpreter's functions are looked up in the
//! process itself: a program that has none is not Python.

use std::ffi::{c_char, c_int, c_void, CStr};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::OnceLock;

use crate::trace::{Site, Text};
use crate::watch::pickled::Method;

pub mod callee;

/// A `PyObject *`, opaque here.
type Object = *mut c_void;

/// The interpreter's functions a site needs, from its stable C API.
struct Interpreter {
    is_initialized: unsafe extern "C" fn() -> c_int,
    gil_ensure: unsafe extern "C" fn() -> c_int,
    gil_release: unsafe extern "C" fn(c_int),
    /// Borrowed reference.
    current_frame: unsafe extern "C" fn() -> Object,
    /// New reference.
    frame_code: unsafe extern "C" fn(Object) -> Object,
    frame_line: unsafe extern "C" fn(Object) -> c_int,
    /// New reference, or null at the outermost frame.
    frame_back: unsafe extern "C" fn(Object) -> Object,
    /// New reference, or null with an exception set.
    get_attribute: unsafe extern "C" fn(Object, *const c_char) -> Object,
    as_utf8: unsafe extern "C" fn(Object) -> *const c_char,
    /// The interpreter's threads: its state, the first thread's, the
    /// next one's (null after the last), and a thread's current frame
    /// (a new reference, or null).
    interpreter_state: unsafe extern "C" fn() -> Object,
    first_thread: unsafe extern "C" fn(Object) -> Object,
    next_thread: unsafe extern "C" fn(Object) -> Object,
    thread_frame: unsafe extern "C" fn(Object) -> Object,
    incref: unsafe extern "C" fn(Object),
    decref: unsafe extern "C" fn(Object),
    error_fetch: unsafe extern "C" fn(*mut Object, *mut Object, *mut Object),
    error_restore: unsafe extern "C" fn(Object, Object, Object),
    error_clear: unsafe extern "C" fn(),
    /// The frame's current instruction, in bytes (Python 3.11 on).
    frame_lasti: Option<unsafe extern "C" fn(Object) -> c_int>,
    /// `PyObject_CallFunction`: a new reference, or null.
    call_function: unsafe extern "C" fn(Object, *const c_char, ...) -> Object,
    /// `Py_CompileString`: a new reference, or null.
    compile: unsafe extern "C" fn(*const c_char, *const c_char, c_int) -> Object,
    /// `PyImport_ExecCodeModule`: a new reference, or null.
    exec_module: unsafe extern "C" fn(*const c_char, Object) -> Object,
}

/// Looks up `name` among the symbols the process has loaded.
fn symbol(name: &CStr) -> Option<*mut c_void> {
    // SAFETY: dlsym with RTLD_DEFAULT only reads the loader's tables.
    let found = unsafe { libc::dlsym(libc::RTLD_DEFAULT, name.as_ptr()) };
    (!found.is_null()).then_some(found)
}

/// The interpreter's function `name`, typed `T`.
///
/// # Safety
/// `T` is a function pointer type matching the function's C signature.
unsafe fn function<T: Copy>(name: &CStr) -> Option<T> {
    let found = symbol(name)?;
    assert_eq!(std::mem::size_of::<T>(), std::mem::size_of_val(&found));
    // SAFETY: as the caller guarantees; the sizes match.
    Some(unsafe { std::mem::transmute_copy::<*mut c_void, T>(&found) })
}

impl Interpreter {
    fn find() -> Option<Interpreter> {
        // SAFETY: each field's type spells out the C signature of the
        // interpreter's function of that name (Python's stable C API).
        unsafe {
            Some(Interpreter {
                is_initialized: function(c"Py_IsInitialized")?,
                gil_ensure: function(c"PyGILState_Ensure")?,
                gil_release: function(c"PyGILState_Release")?,
                current_frame: function(c"PyEval_GetFrame")?,
                frame_code: function(c"PyFrame_GetCode")?,
                frame_line: function(c"PyFrame_GetLineNumber")?,
                frame_back: function(c"PyFrame_GetBack")?,
                get_attribute: function(c"PyObject_GetAttrString")?,
                as_utf8: function(c"PyUnicode_AsUTF8")?,
                interpreter_state: function(c"PyInterpreterState_Get")?,
                first_thread: function(c"PyInterpreterState_ThreadHead")?,
                next_thread: function(c"PyThreadState_Next")?,
                thread_frame: function(c"PyThreadState_GetFrame")?,
                incref: function(c"Py_IncRef")?,
                decref: function(c"Py_DecRef")?,
                error_fetch: function(c"PyErr_Fetch")?,
                error_restore: function(c"PyErr_Restore")?,
                error_clear: function(c"PyErr_Clear")?,
                frame_lasti: function(c"PyFrame_GetLasti"),
                call_function: function(c"PyObject_CallFunction")?,
                compile: function(c"Py_CompileString")?,
                exec_module: function(c"PyImport_ExecCodeModule")?,
            })
        }
    }
}

/// The interpreter of this process, looked up once; None: not Python.
fn interpreter() -> Option<&'static Interpreter> {
    static FOUND: OnceLock<Option<Interpreter>> = OnceLock::new();
    FOUND.get_or_init(Interpreter::find).as_ref()
}

/// Whether this process is a Python interpreter.
pub fn is_python() -> bool {
    interpreter().is_some()
}

/// The student's line that made the running MPI call: None when the
/// process is not Python or the interpreter is not running (being torn
/// down at exit). A call made on a thread of mpi4py's own (the futures
/// pool's master) is placed where another thread is in the student's
/// code (the `pool.map` line); one made with no student's code on any
/// thread (a futures worker's loop) is placed in `mpi4py`, line 0.
pub fn current_site() -> Option<Site> {
    let python = interpreter()?;
    // SAFETY: Py_IsInitialized may be called at any time.
    if unsafe { (python.is_initialized)() } == 0 {
        return None;
    }
    if !RAN.load(Ordering::Relaxed) {
        RAN.store(true, Ordering::Relaxed);
    }
    // SAFETY: the interpreter runs; the GIL is taken for this thread (or
    // re-entered if it holds it) and given back before returning, and the
    // pending exception, if any, is put back as it was.
    unsafe {
        let state = (python.gil_ensure)();
        let mut pending: [Object; 3] = [std::ptr::null_mut(); 3];
        (python.error_fetch)(&mut pending[0], &mut pending[1], &mut pending[2]);
        callee::clear();
        let site = student_frame(python).or_else(|| {
            // mpi4py's own code (a futures worker's loop, the pool's
            // thread) calls pickled methods too.
            innermost_callee(python);
            task_site(python).or_else(|| other_threads_site(python))
        });
        (python.error_restore)(pending[0], pending[1], pending[2]);
        (python.gil_release)(state);
        Some(site.unwrap_or_else(|| Site {
            file: Text::from("mpi4py"),
            line: 0,
        }))
    }
}

/// Whether the interpreter was seen running (at an MPI call's site).
static RAN: AtomicBool = AtomicBool::new(false);

/// Whether the interpreter has ended: it ran, and is torn down now (its
/// `Py_AtExit` functions run, mpi4py's clean-up among them), so no code
/// of the student's can run any more.
pub fn has_ended() -> bool {
    let Some(python) = interpreter().filter(|_| RAN.load(Ordering::Relaxed)) else {
        return false;
    };
    // SAFETY: Py_IsInitialized may be called at any time.
    unsafe { (python.is_initialized)() == 0 }
}

thread_local! {
    /// The function of the futures task this worker thread took last:
    /// (module, qualified name).
    static TASK: std::cell::RefCell<Option<(String, String)>> = const { std::cell::RefCell::new(None) };
}

/// A futures worker took a task that runs `name` of `module`.
pub fn note_task(module: String, name: String) {
    TASK.set(Some((module, name)));
}

/// Where a futures worker's result is sent from: the student's function
/// the task ran (its `def` line), if it is the student's.
///
/// # Safety
/// The calling thread holds the GIL.
unsafe fn task_site(python: &Interpreter) -> Option<Site> {
    let sends_result = callee::latest().is_some_and(|(m, _)| m == Method::ResultSend);
    let (module, name) = TASK.with_borrow(|t| t.clone()).filter(|_| sends_result)?;
    // SAFETY: as the caller guarantees.
    let (line, file) = unsafe { callee::defined_at(python, &module, &name) }?;
    is_students(&file).then(|| Site {
        file: Text::from(super::site::shortened(&file)),
        line,
    })
}

/// The first student's line found on the interpreter's other threads.
///
/// # Safety
/// The calling thread holds the GIL.
unsafe fn other_threads_site(python: &Interpreter) -> Option<Site> {
    // SAFETY: the GIL is held, so the thread list and their frames stay
    // as they are while they are read; each frame comes with its own
    // reference, which the walk releases.
    unsafe {
        let mut thread = (python.first_thread)((python.interpreter_state)());
        while !thread.is_null() {
            let site = walk_out(python, (python.thread_frame)(thread), false);
            if site.is_some() {
                return site;
            }
            thread = (python.next_thread)(thread);
        }
    }
    None
}

/// Notes what this thread's innermost Python frame is calling.
///
/// # Safety
/// The calling thread holds the GIL.
unsafe fn innermost_callee(python: &Interpreter) {
    // SAFETY: the GIL is held; the frame is borrowed, alive meanwhile.
    unsafe {
        let frame = (python.current_frame)();
        if !frame.is_null() {
            callee::note(python, frame);
        }
    }
}

/// Walks out from this thread's current frame to the first one of the
/// student's.
///
/// # Safety
/// The calling thread holds the GIL.
unsafe fn student_frame(python: &Interpreter) -> Option<Site> {
    // SAFETY: the GIL is held; the borrowed frame gets a reference of its
    // own, as `walk_out` takes one.
    unsafe {
        let frame = (python.current_frame)();
        if frame.is_null() {
            return None;
        }
        (python.incref)(frame);
        walk_out(python, frame, true)
    }
}

/// Walks out from `frame` (whose reference it takes over; null: none)
/// to the first frame of the student's; `own`: the calling thread's
/// frames, whose call is noted for folding ([`callee`]).
///
/// # Safety
/// The calling thread holds the GIL.
unsafe fn walk_out(python: &Interpreter, mut frame: Object, own: bool) -> Option<Site> {
    while !frame.is_null() {
        // SAFETY: `frame` is a live frame we hold a reference to.
        let site = unsafe { site_of_frame(python, frame) };
        if own && site.is_some() {
            // SAFETY: as above.
            unsafe { callee::note(python, frame) };
        }
        // SAFETY: as above; the outer frame comes with its own reference,
        // and the reference taken on `frame` is released.
        let back = unsafe {
            let back = if site.is_none() {
                (python.frame_back)(frame)
            } else {
                std::ptr::null_mut()
            };
            (python.decref)(frame);
            back
        };
        if site.is_some() {
            return site;
        }
        frame = back;
    }
    None
}

/// The frame's file and line, if the file is the student's.
///
/// # Safety
/// The GIL is held and `frame` is alive.
unsafe fn site_of_frame(python: &Interpreter, frame: Object) -> Option<Site> {
    // SAFETY: as the caller guarantees.
    let file = unsafe { frame_file(python, frame) }.filter(|f| is_students(f))?;
    // SAFETY: as the caller guarantees.
    let line = unsafe { (python.frame_line)(frame) };
    Some(Site {
        file: Text::from(super::site::shortened(&file)),
        line: line.max(0) as u32,
    })
}

/// The file a frame's code comes from (`co_filename`).
///
/// # Safety
/// The GIL is held and `frame` is alive.
unsafe fn frame_file(python: &Interpreter, frame: Object) -> Option<String> {
    // SAFETY: as the caller guarantees; each new reference is released.
    unsafe {
        let code = (python.frame_code)(frame);
        if code.is_null() {
            return None;
        }
        let name = (python.get_attribute)(code, c"co_filename".as_ptr());
        (python.decref)(code);
        if name.is_null() {
            return None;
        }
        let text = (python.as_utf8)(name);
        let file = (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned());
        (python.decref)(name);
        file
    }
}

/// Whether a frame's file is the student's: not mpi4py's own Python code
/// (its runner, futures, pickled helpers), nor the interpreter's frozen
/// modules (`<frozen runpy>`, the import machinery), nor any installed
/// module (the standard library's `threading.py`, site-packages).
pub(super) fn is_students(file: &str) -> bool {
    !file.starts_with('<') && !file.contains("/mpi4py/") && !file.contains("/lib/python3")
}

/// The student's script named on the interpreter's command line
/// (`python3 -m mpi4py prog.py`): the source to show when MPI was started
/// from mpi4py's own code.
pub fn script() -> Option<PathBuf> {
    std::env::args()
        .skip(1)
        .map(PathBuf::from)
        .find(|arg| arg.extension().is_some_and(|e| e == "py") && arg.is_file())
}

/// The name a watched program goes by: a Python run's script, not the
/// interpreter; else `typed`, as the command named the program.
pub fn program_name(typed: &str) -> String {
    match script().filter(|_| is_python()) {
        Some(script) => script.display().to_string(),
        None => typed.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mpi4py_and_frozen_frames_are_not_the_students() {
        assert!(is_students("mpi_demo.py"));
        assert!(is_students("/home/me/course/halo.py"));
        assert!(!is_students("/usr/lib/python3/dist-packages/mpi4py/run.py"));
        assert!(!is_students("<frozen runpy>"));
        assert!(!is_students("/usr/lib/python3.11/threading.py"));
    }

    #[test]
    fn a_test_binary_is_not_python() {
        assert!(!is_python());
        assert!(current_site().is_none());
    }
}
