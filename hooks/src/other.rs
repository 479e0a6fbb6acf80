//! Every other MPI call, shown by its name: build.rs writes one trampoline
//! (`other_hook!`) for each `MPI_*` function of the library that has no
//! hook of its own and is no pure query. The trampoline records the call's
//! begin, puts the address of [`returned`] where the program's return
//! address was (keeping the real one on this thread's own stack of
//! returns) and jumps to `PMPI_*` with every argument as it was: the
//! function's signature need not be known. When `PMPI_*` returns,
//! [`returned`] records the end and goes back to the program with the
//! result as it was.

use std::cell::RefCell;

use mpi_tutor::probe::CallSpec;
use mpi_tutor::trace::Text;

use crate::{begin_posted, recording, site, step};

/// An other call under way on this thread: where it returns to, and its
/// recorded id and name.
struct Open {
    return_address: usize,
    id: u64,
    name: &'static str,
}

thread_local! {
    /// The other calls this thread is in, innermost last (an MPI call
    /// can run the program's callbacks, which call MPI again).
    static RETURNS: RefCell<Vec<Open>> = const { RefCell::new(Vec::new()) };
}

/// Called by every other-call trampoline with its name's index and the
/// program's return address: whether the call is recorded (then its end
/// must come through [`returned`]).
extern "C" fn other_begin(index: usize, return_address: usize) -> usize {
    let recorded = std::panic::catch_unwind(|| record_begin(index, return_address));
    usize::from(recorded.unwrap_or(false))
}

fn record_begin(index: usize, return_address: usize) -> bool {
    // Inside a pickled call (`fold`) a call is one of mpi4py's own.
    if !recording() || crate::fold::is_open() {
        return false;
    }
    let Some(&name) = NAMES.get(index) else {
        return false;
    };
    let describe = || Some(CallSpec::other(Text::Borrowed(name), site(return_address)));
    let Some(id) = begin_posted(describe) else {
        return false;
    };
    let open = Open {
        return_address,
        id,
        name,
    };
    let pushed = RETURNS.try_with(|returns| returns.borrow_mut().push(open));
    if pushed.is_err() {
        // The thread is ending: no stack to come back through.
        step(|r| r.end_other(id, Text::Borrowed(name)));
    }
    pushed.is_ok()
}

/// Called by [`returned`] once `PMPI_*` has returned: records the end and
/// gives back the program's return address.
extern "C" fn other_end() -> usize {
    let open = RETURNS
        .try_with(|returns| returns.borrow_mut().pop())
        .ok()
        .flatten();
    let Some(open) = open else {
        // Never: every trampoline that comes back here pushed first. There
        // is no address to return to, and no unwinding into C.
        std::process::abort();
    };
    let _ = std::panic::catch_unwind(|| step(|r| r.end_other(open.id, Text::Borrowed(open.name))));
    open.return_address
}

/// Where a recorded other call's `PMPI_*` returns to: records its end,
/// then returns to the program with `rax`, `rdx` and `xmm0` (the result)
/// as `PMPI_*` left them.
#[unsafe(naked)]
extern "C" fn returned() {
    // The stack is as the program's `call` left it, less the return
    // address `PMPI_*` popped: 16-byte aligned, and still after two pushes
    // and 16 bytes for xmm0.
    core::arch::naked_asm!(
        "push rax",
        "push rdx",
        "sub rsp, 16",
        "movdqu [rsp], xmm0",
        "call {end}",
        "mov r11, rax",
        "movdqu xmm0, [rsp]",
        "add rsp, 16",
        "pop rdx",
        "pop rax",
        "jmp r11",
        end = sym other_end,
    )
}

/// Defines the exported symbol `$name`: a trampoline that asks
/// `other_begin` whether to record the call (name `$index`), and if so
/// swaps its return address for [`returned`]'s; then jumps to `$target`
/// with every argument register (`rax` too: a variadic call's count of
/// vector registers), the vector registers and the stack as they were.
macro_rules! other_hook {
    ($name:ident, $target:ident, $index:expr) => {
        #[no_mangle]
        #[unsafe(naked)]
        pub extern "C" fn $name() {
            // 7 pushes and the return address are 64 bytes, so the call
            // below is 16-byte aligned; 128 bytes keep xmm0-7. The CFI
            // lets an unwinder in `other_begin` (`watch::site`, for a
            // call from a binding library) step over this frame. The
            // target is weak: a Fortran binding's (`pmpi_type_commit_`)
            // is absent from a C program, which never calls its hook.
            core::arch::naked_asm!(
                ".weak {target}",
                ".cfi_startproc",
                "push rax",
                "push rdi",
                "push rsi",
                "push rdx",
                "push rcx",
                "push r8",
                "push r9",
                "sub rsp, 128",
                ".cfi_def_cfa_offset 192",
                "movdqu [rsp], xmm0",
                "movdqu [rsp + 16], xmm1",
                "movdqu [rsp + 32], xmm2",
                "movdqu [rsp + 48], xmm3",
                "movdqu [rsp + 64], xmm4",
                "movdqu [rsp + 80], xmm5",
                "movdqu [rsp + 96], xmm6",
                "movdqu [rsp + 112], xmm7",
                "mov edi, {index}",
                "mov rsi, [rsp + 184]",
                "call {begin}",
                "mov r11, rax",
                "movdqu xmm0, [rsp]",
                "movdqu xmm1, [rsp + 16]",
                "movdqu xmm2, [rsp + 32]",
                "movdqu xmm3, [rsp + 48]",
                "movdqu xmm4, [rsp + 64]",
                "movdqu xmm5, [rsp + 80]",
                "movdqu xmm6, [rsp + 96]",
                "movdqu xmm7, [rsp + 112]",
                "add rsp, 128",
                "pop r9",
                "pop r8",
                "pop rcx",
                "pop rdx",
                "pop rsi",
                "pop rdi",
                "pop rax",
                ".cfi_def_cfa_offset 8",
                "test r11, r11",
                "jz 2f",
                "lea r11, [rip + {returned}]",
                "mov [rsp], r11",
                "2:",
                "jmp {target}",
                ".cfi_endproc",
                index = const $index,
                begin = sym other_begin,
                returned = sym returned,
                target = sym $target,
            )
        }
    };
}

include!(concat!(env!("OUT_DIR"), "/others.rs"));
