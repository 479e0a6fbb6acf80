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
        elif same and instruction.opname in ('LOAD_FAST', 'LOAD_DEREF'):
            found = _pool_call(code, instruction.argval) or found
    return found

_POOL = {
    ('client_exec', 'comm_isend'): 'pool task isend',
    ('client_exec', 'comm_recv'): 'pool result recv',
    ('server_exec', 'comm_recv'): 'pool task recv',
    ('server_exec', 'comm_isend'): 'pool result isend',
}

def _pool_call(code, name):
    if '/mpi4py/futures/' not in code.co_filename:
        return None
    return _POOL.get((code.co_qualname.split('.')[0], name))

def defined_at(module, name):
    import sys
    found = sys.modules.get(module)
    for part in name.split('.'):
        found = getattr(found, part, None)
    code = getattr(found, '__code__', None)
    return None if code is None else '%d:%s' % (code.co_firstlineno, code.co_filename)

_expressions = {}
_trees = {}

def arguments(frame, offset, wanted):
    key = (frame.f_code, offset)
    expressions = _expressions.get(key)
    if expressions is None:
        expressions = _expressions[key] = _argument_expressions(frame.f_code, offset, wanted)
    values = []
    for expression in expressions:
        try:
            values.append(str(int(eval(expression, frame.f_globals, frame.f_locals))))
        except Exception:
            values.append('')
    return ','.join(values)

def _argument_expressions(code, offset, wanted):
    import ast, dis, linecache
    wanted = [(n, int(p)) for n, p in (w.split(':') for w in wanted.split(','))]
    found = [None] * len(wanted)
    span = None
    for instruction in dis.get_instructions(code):
        if instruction.offset == offset:
            span = instruction.positions
    if span is None or span.lineno is None:
        return found
    tree = _trees.get(code.co_filename)
    if tree is None:
        tree = _trees[code.co_filename] = ast.parse(''.join(linecache.getlines(code.co_filename)))
    where = (span.lineno, span.col_offset, span.end_lineno, span.end_col_offset)
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and (node.lineno, node.col_offset, node.end_lineno, node.end_col_offset) == where:
            for index, (name, position) in enumerate(wanted):
                given = [k.value for k in node.keywords if k.arg == name]
                if not given and position < len(node.args) and not any(isinstance(a, ast.Starred) for a in node.args[:position + 1]):
                    given = [node.args[position]]
                if given and not any(isinstance(n, (ast.Call, ast.NamedExpr, ast.Lambda, ast.Await, ast.Yield)) for n in ast.walk(given[0])):
                    found[index] = compile(ast.Expression(given[0]), code.co_filename, 'eval')
            break
    return found
";

/// What each (code object, instruction offset) calls; the code objects
/// are kept alive (one reference each), so an address is never reused.
static KNOWN: Mutex<Option<HashMap<CallKey, Option<Method>>>> = Mutex::new(None);

/// A call expression: (code object's address, instruction offset).
type CallKey = (usize, c_int);
/// The helper's functions `callee`, `arguments` and `defined_at`, once
/// made (null: not made, or it failed).
static HELPER_FUNCTIONS: Mutex<[usize; 3]> = Mutex::new([0; 3]);

thread_local! {
    /// The pickled method the thread's latest MPI call came from, with
    /// the (code, offset) of the student's call expression.
    static LATEST: Cell<Option<(Method, (usize, c_int))>> = const { Cell::new(None) };
    /// The values of the latest call's arguments that its method wants
    /// (`Method::arguments`), where the student's line shows them.
    static ARGUMENTS: Cell<[Option<i32>; 2]> = const { Cell::new([None; 2]) };
}

/// The arguments of the latest pickled call that its method wants, in
/// the order `Method::arguments` names them; None: not given, or not a
/// plain expression.
pub fn arguments() -> [Option<i32>; 2] {
    ARGUMENTS.get()
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
    let wanted = found.and_then(|(method, _)| method.arguments());
    // SAFETY: as the caller guarantees.
    let values = wanted.map_or([None; 2], |w| unsafe { ask_arguments(python, frame, w) });
    ARGUMENTS.set(values);
}

/// The values the student's line gives the arguments `wanted` names.
///
/// # Safety
/// As [`note`].
unsafe fn ask_arguments(python: &Interpreter, frame: Object, wanted: &str) -> [Option<i32>; 2] {
    let mut values = [None; 2];
    let Some(lasti) = python.frame_lasti else {
        return values;
    };
    let Ok(wanted) = std::ffi::CString::new(wanted) else {
        return values;
    };
    // SAFETY: as the caller guarantees; the answer's reference is
    // released and a failed call's exception cleared.
    let answer = unsafe {
        let Some(function) = helper(python, ARGUMENTS_FUNCTION) else {
            return values;
        };
        let offset = lasti(frame);
        let answer =
            (python.call_function)(function, c"Ois".as_ptr(), frame, offset, wanted.as_ptr());
        text_of(python, answer)
    };
    for (value, said) in values.iter_mut().zip(answer.unwrap_or_default().split(',')) {
        *value = said.parse().ok();
    }
    values
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
        let helper = helper(python, CALLEE_FUNCTION)?;
        let answer = (python.call_function)(helper, c"Oi".as_ptr(), code, offset);
        text_of(python, answer)
    }
}

/// The text of a helper's `answer` (a new reference, released here; null
/// or not a string: None, its exception cleared).
///
/// # Safety
/// The GIL is held; `answer` is null or a live object of ours.
unsafe fn text_of(python: &Interpreter, answer: Object) -> Option<String> {
    // SAFETY: as the caller guarantees.
    unsafe {
        if answer.is_null() {
            (python.error_clear)();
            return None;
        }
        let text = (python.as_utf8)(answer);
        let said = (!text.is_null()).then(|| CStr::from_ptr(text).to_string_lossy().into_owned());
        if text.is_null() {
            (python.error_clear)();
        }
        (python.decref)(answer);
        said
    }
}

/// Which of the helper's functions: index into [`HELPER_FUNCTIONS`].
const CALLEE_FUNCTION: usize = 0;
const ARGUMENTS_FUNCTION: usize = 1;
const DEFINED_AT_FUNCTION: usize = 2;

/// Where the function `name` of module `module` is defined: its first
/// line and file, as the interpreter has it loaded.
///
/// # Safety
/// The GIL is held.
pub(super) unsafe fn defined_at(
    python: &Interpreter,
    module: &str,
    name: &str,
) -> Option<(u32, String)> {
    let module = std::ffi::CString::new(module).ok()?;
    let name = std::ffi::CString::new(name).ok()?;
    // SAFETY: as the caller guarantees; the answer is released by `text_of`.
    let said = unsafe {
        let function = helper(python, DEFINED_AT_FUNCTION)?;
        let answer =
            (python.call_function)(function, c"ss".as_ptr(), module.as_ptr(), name.as_ptr());
        text_of(python, answer)?
    };
    let (line, file) = said.split_once(':')?;
    Some((line.parse().ok()?, file.to_string()))
}

/// The helper's function `which`, the helper made on first use.
///
/// # Safety
/// The GIL is held.
unsafe fn helper(python: &Interpreter, which: usize) -> Option<Object> {
    let mut made = HELPER_FUNCTIONS.lock().unwrap_or_else(|e| e.into_inner());
    if made[which] != 0 {
        return Some(made[which] as Object);
    }
    // SAFETY: as the caller guarantees; the module and its functions are
    // kept for good.
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
        let names = [c"callee", c"arguments", c"defined_at"];
        for (slot, function) in made.iter_mut().zip(names) {
            let function = (python.get_attribute)(module, function.as_ptr());
            if function.is_null() {
                (python.error_clear)();
                return None;
            }
            *slot = function as usize;
        }
        Some(made[which] as Object)
    }
}

/// `Py_file_input`: the source is a module's.
const FILE_INPUT: c_int = 257;
