//! Which method the student's line is calling, read from the frame's
//! current instruction: mpi4py's pickled calls (`comm.send`, `comm.bcast`)
//! are several MPI calls each, and the hooks fold them into the one call
//! the student wrote. The interpreter's own `dis` module decodes the
//! bytecode, so every Python version reads alike: the call instruction's
//! source span starts where its callee's expression does, and the last
//! attribute load starting there is the method's name. Looked up once per
//! (code object, instruction).

use std::cell::Cell;
use std::collections::HashMap;
use std::ffi::{c_char, c_int, CStr};
use std::sync::Mutex;

use super::{Interpreter, Object};
use crate::watch::pickled::Method;

/// The helper, run once in the interpreter: `callee(code, offset)` names
/// the attribute the call at `offset` calls, or None.
const HELPER: &CStr = c"
def callee(code, offset):
    import dis
    found = None
    start = None
    for instruction in dis.get_instructions(code):
        if instruction.offset == offset:
            start = instruction.positions
            break
    if start is None or start.lineno is None:
        return None
    for instruction in dis.get_instructions(code):
        if instruction.offset >= offset:
            break
        at = instruction.positions
        same = at is not None and (at.lineno, at.col_offset) == (start.lineno, start.col_offset)
        if same and instruction.opname in ('LOAD_METHOD', 'LOAD_ATTR'):
            found = instruction.argval
    return found
";

/// What each (code object, instruction offset) calls; the code objects
/// are kept alive (one reference each), so an address is never reused.
static KNOWN: Mutex<Option<HashMap<CallKey, Option<Method>>>> = Mutex::new(None);

/// A call expression: (code object's address, instruction offset).
type CallKey = (usize, c_int);
/// The helper function, once made (null: not made, or it failed).
static HELPER_FUNCTION: Mutex<usize> = Mutex::new(0);

thread_local! {
    /// The pickled method the thread's latest MPI call came from, with
    /// the (code, offset) of the student's call expression.
    static LATEST: Cell<Option<(Method, (usize, c_int))>> = const { Cell::new(None) };
}

/// The pickled method (and where it is called) behind this thread's
/// latest MPI call, as its site was read.
pub fn latest() -> Option<(Method, (usize, c_int))> {
    LATEST.get()
}

/// Forgets the latest callee (a call with no student's frame).
pub(super) fn clear() {
    LATEST.set(None);
}

/// Notes what `frame` (the student's, alive) is calling.
///
/// # Safety
/// The calling thread holds the GIL and `frame` is alive.
pub(super) unsafe fn note(python: &Interpreter, frame: Object) {
    // SAFETY: as the caller guarantees.
    let found = unsafe { callee_of(python, frame) };
    LATEST.set(found);
}

/// # Safety
/// As [`note`].
unsafe fn callee_of(python: &Interpreter, frame: Object) -> Option<(Method, (usize, c_int))> {
    let lasti = python.frame_lasti?;
    // SAFETY: as the caller guarantees; the code's reference is kept in
    // the table (or released when already there).
    unsafe {
        let offset = lasti(frame);
        let code = (python.frame_code)(frame);
        if code.is_null() {
            return None;
        }
        let key = (code as usize, offset);
        if let Some(method) = looked_up(key) {
            (python.decref)(code);
            return method.map(|m| (m, key));
        }
        // Asked without the table locked: the helper may let another
        // thread run, whose hook would wait for the table holding the GIL.
        let method = ask_helper(python, code, offset).and_then(|n| Method::named(&n));
        let mut known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
        if known
            .get_or_insert_with(HashMap::new)
            .insert(key, method)
            .is_some()
        {
            (python.decref)(code);
        }
        method.map(|m| (m, key))
    }
}

/// What the table knows of `key`: None when it was never asked.
fn looked_up(key: (usize, c_int)) -> Option<Option<Method>> {
    let known = KNOWN.lock().unwrap_or_else(|e| e.into_inner());
    known.as_ref()?.get(&key).copied()
}

/// The helper's answer for `code` at `offset`.
///
/// # Safety
/// The GIL is held and `code` is alive.
unsafe fn ask_helper(python: &Interpreter, code: Object, offset: c_int) -> Option<String> {
    // SAFETY: as the caller guarantees; each new reference is released and
    // a failed call's exception cleared.
    unsafe {
        let helper = helper(python)?;
        let answer = (python.call_function)(helper, c"Oi".as_ptr(), code, offset);
        if answer.is_null() {
            (python.error_clear)();
            return None;
        }
        let text = (python.as_utf8)(answer);
        let name = (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned());
        if text.is_null() {
            (python.error_clear)();
        }
        (python.decref)(answer);
        name
    }
}

/// The helper function, made on first use.
///
/// # Safety
/// The GIL is held.
unsafe fn helper(python: &Interpreter) -> Option<Object> {
    let mut made = HELPER_FUNCTION.lock().unwrap_or_else(|e| e.into_inner());
    if *made != 0 {
        return Some(*made as Object);
    }
    // SAFETY: as the caller guarantees; the module is kept for good.
    unsafe {
        let code = (python.compile)(HELPER.as_ptr(), c"<mpi-tutor>".as_ptr(), FILE_INPUT);
        if code.is_null() {
            (python.error_clear)();
            return None;
        }
        let name: *const c_char = c"_mpi_tutor_callee".as_ptr();
        let module = (python.exec_module)(name, code);
        (python.decref)(code);
        if module.is_null() {
            (python.error_clear)();
            return None;
        }
        let function = (python.get_attribute)(module, c"callee".as_ptr());
        if function.is_null() {
            (python.error_clear)();
            return None;
        }
        *made = function as usize;
        Some(function)
    }
}

/// `Py_file_input`: the source is a module's.
const FILE_INPUT: c_int = 257;
