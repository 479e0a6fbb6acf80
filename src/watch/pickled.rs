//! mpi4py's pickle-based calls as the student wrote them: which lower-case
//! methods are several MPI calls inside, how many, and what a pickle holds.
//! The hooks (`hooks/src/fold.rs`) fold those MPI calls into one recorded
//! call; the counts here follow mpi4py's own code (`msgpickle.pxi`, the
//! same in 3.1 and 4.1, plain or large-count calls).

use crate::trace::Op;

/// A pickle-based method of `mpi4py.MPI.Comm` (or `Request`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Method {
    Send,
    Ssend,
    Isend,
    Recv,
    Irecv,
    Bcast,
    Scatter,
    Gather,
    Allgather,
    Alltoall,
    Reduce,
    Allreduce,
    Scan,
    Exscan,
    Sendrecv,
    /// The futures pool's own messages, each one task or one result:
    /// the master's task to a worker, the worker's taking it, the
    /// worker's result back, the master's taking that.
    TaskSend,
    TaskRecv,
    ResultSend,
    ResultRecv,
}

impl Method {
    /// The method called `name`; None for any other (the buffer calls
    /// `Send`, `Recv`... are one MPI call each and need no folding).
    pub fn named(name: &str) -> Option<Method> {
        Some(match name {
            "send" => Method::Send,
            "ssend" => Method::Ssend,
            // A synchronous send shows as an isend, as in C.
            "isend" | "issend" => Method::Isend,
            "recv" => Method::Recv,
            "irecv" => Method::Irecv,
            "bcast" => Method::Bcast,
            "scatter" => Method::Scatter,
            "gather" => Method::Gather,
            "allgather" => Method::Allgather,
            "alltoall" => Method::Alltoall,
            "reduce" => Method::Reduce,
            "allreduce" => Method::Allreduce,
            "scan" => Method::Scan,
            "exscan" => Method::Exscan,
            "sendrecv" => Method::Sendrecv,
            // The helper's names for the pool's calls (`callee`).
            "pool task isend" => Method::TaskSend,
            "pool task recv" => Method::TaskRecv,
            "pool result isend" => Method::ResultSend,
            "pool result recv" => Method::ResultRecv,
            _ => return None,
        })
    }

    /// The one call the trace shows (an exclusive scan shows as a scan).
    pub fn op(self) -> Op {
        match self {
            Method::Send => Op::Send,
            Method::Ssend => Op::Ssend,
            Method::Isend => Op::Isend,
            Method::Recv => Op::Recv,
            Method::Irecv => Op::Irecv,
            Method::Bcast => Op::Bcast,
            Method::Scatter => Op::Scatter,
            Method::Gather => Op::Gather,
            Method::Allgather => Op::Allgather,
            Method::Alltoall => Op::Alltoall,
            Method::Reduce => Op::Reduce,
            Method::Allreduce => Op::Allreduce,
            Method::Scan | Method::Exscan => Op::Scan,
            Method::Sendrecv => Op::Sendrecv,
            Method::TaskSend | Method::ResultSend => Op::Isend,
            Method::TaskRecv | Method::ResultRecv => Op::Recv,
        }
    }

    /// What the method's object is called when it is not read from the
    /// pickle: the pool's messages are a task or a result.
    pub fn label(self) -> Option<&'static str> {
        match self {
            Method::TaskSend | Method::TaskRecv => Some("task"),
            Method::ResultSend | Method::ResultRecv => Some("result"),
            _ => None,
        }
    }

    /// The call's arguments the fold needs from the student's line, as
    /// `name:position` (position after the object), with their values'
    /// defaults: a reduction's root, a sendrecv's source and tag.
    pub fn arguments(self) -> Option<&'static str> {
        match self {
            Method::Reduce => Some("root:2"),
            Method::Sendrecv => Some("source:4,recvtag:5"),
            _ => None,
        }
    }

    /// Whether `first`, the first MPI call seen inside the method, is one
    /// it starts with: anything else is not the pickled form (a buffer
    /// given, another library in between) and is recorded as it is.
    pub fn starts_with(self, first: Op) -> bool {
        match self {
            Method::Send => first == Op::Send,
            Method::Ssend => first == Op::Ssend,
            Method::Isend | Method::Sendrecv | Method::TaskSend | Method::ResultSend => {
                first == Op::Isend
            }
            // `comm.recv()` probes for the size (a matched probe, or a
            // plain one with `mpi4py.rc.recv_mprobe` off); with a buffer
            // given it is one receive.
            Method::Recv | Method::TaskRecv | Method::ResultRecv => {
                matches!(first, Op::Mprobe | Op::Probe | Op::Recv)
            }
            Method::Irecv => first == Op::Irecv,
            Method::Bcast => first == Op::Bcast,
            Method::Scatter => first == Op::Scatter,
            Method::Gather => first == Op::Gather,
            Method::Allgather => first == Op::Allgather,
            Method::Alltoall => first == Op::Alltoall,
            Method::Reduce | Method::Allreduce | Method::Scan | Method::Exscan => matches!(
                first,
                Op::CommDup | Op::Send | Op::Recv | Op::Sendrecv | Op::Bcast
            ),
        }
    }

    /// Whether the method's MPI calls are point-to-point messages of the
    /// student's own (the folded call carries the message), rather than a
    /// collective's internals.
    pub fn is_point_to_point(self) -> bool {
        matches!(
            self,
            Method::Send
                | Method::Ssend
                | Method::Isend
                | Method::Recv
                | Method::Irecv
                | Method::Sendrecv
                | Method::TaskSend
                | Method::TaskRecv
                | Method::ResultSend
                | Method::ResultRecv
        )
    }

    /// How many MPI calls the method makes on this rank (`rank` of `size`,
    /// `root` where it has one), its first being `first`. The reductions
    /// first duplicate the communicator (once per communicator: not
    /// counted, see [`Method::starts_with`]), then pass pickles along a
    /// tree, each a count then the data.
    pub fn calls(self, first: Op, rank: u32, size: u32, root: u32) -> u32 {
        match self {
            Method::Send
            | Method::Ssend
            | Method::Isend
            | Method::Irecv
            | Method::TaskSend
            | Method::ResultSend => 1,
            Method::Recv if first == Op::Recv => 1,
            // The isend, the receive's probe and receive, the wait.
            Method::Sendrecv => 4,
            // The size, then the pickle.
            Method::Recv
            | Method::TaskRecv
            | Method::ResultRecv
            | Method::Bcast
            | Method::Scatter
            | Method::Gather
            | Method::Allgather
            | Method::Alltoall => 2,
            Method::Reduce => 2 * reduce_steps(rank, size, root),
            Method::Allreduce => 2 * reduce_steps(rank, size, 0) + 2,
            Method::Scan | Method::Exscan => 2 * scan_steps(rank, size),
        }
    }
}

/// The messages (sent or received) of mpi4py's tree reduction to `root`
/// on this rank: at each bit of the rank, send to the rank without it, or
/// receive from the rank with it; then rank 0 passes the result to `root`.
fn reduce_steps(rank: u32, size: u32, root: u32) -> u32 {
    let mut steps = 0;
    let mut mask = 1u32;
    while mask < size {
        if rank & mask != 0 || (rank | mask) < size {
            steps += 1;
        }
        mask <<= 1;
    }
    if root != 0 && (rank == 0 || rank == root) {
        steps += 1;
    }
    steps
}

/// The exchanges of mpi4py's prefix reduction on this rank: one with each
/// rank that differs in one bit, if there is such a rank.
fn scan_steps(rank: u32, size: u32) -> u32 {
    let mut steps = 0;
    let mut mask = 1u32;
    while mask < size {
        if (rank ^ mask) < size {
            steps += 1;
        }
        mask <<= 1;
    }
    steps
}

/// Pickles longer than this are not read to their end for their type.
const READ_AT_MOST: usize = 64 * 1024;

/// The Python type of the object `pickle` holds (`dict`, `list`, a class's
/// name), read from its opcodes: the last one that builds something makes
/// the object itself. None when it cannot tell.
pub fn type_of(pickle: &[u8]) -> Option<String> {
    let mut at = 0;
    let mut last: Option<u8> = None;
    let mut first_global: Option<String> = None;
    let mut strings: Vec<&[u8]> = Vec::new();
    while at < pickle.len().min(READ_AT_MOST) {
        let opcode = pickle[at];
        if opcode == b'.' {
            return name_of(last?, first_global);
        }
        let (skip, text) = argument(opcode, &pickle[at + 1..])?;
        if let Some(text) = text {
            strings.push(text);
        }
        if opcode == 0x93 && first_global.is_none() {
            first_global = strings
                .last()
                .map(|s| String::from_utf8_lossy(s).into_owned());
        }
        if !matches!(
            opcode,
            0x80 | 0x95 | 0x94 | b'q' | b'r' | b'h' | b'j' | b'('
        ) {
            last = Some(opcode);
        }
        at += 1 + skip;
    }
    None
}

/// The first class or function the pickle names by reference (module,
/// qualified name): a futures task's function, pickled as
/// `(function, args, kwargs)`. None when it names none before its end.
pub fn first_global(pickle: &[u8]) -> Option<(String, String)> {
    let mut at = 0;
    let mut strings: Vec<&[u8]> = Vec::new();
    while at < pickle.len().min(READ_AT_MOST) {
        let opcode = pickle[at];
        if opcode == 0x93 {
            let [module, name] = strings.get(strings.len().checked_sub(2)?..)? else {
                return None;
            };
            let text = |s: &[u8]| String::from_utf8_lossy(s).into_owned();
            return Some((text(module), text(name)));
        }
        if opcode == b'.' {
            return None;
        }
        let (skip, text) = argument(opcode, &pickle[at + 1..])?;
        strings.extend(text);
        at += 1 + skip;
    }
    None
}

/// What the object built by `opcode` is called.
fn name_of(opcode: u8, first_global: Option<String>) -> Option<String> {
    let name = match opcode {
        b'}' | b's' | b'u' => "dict",
        b']' | b'a' | b'e' => "list",
        b')' | b't' | 0x85 | 0x86 | 0x87 => "tuple",
        b'K' | b'J' | b'M' | 0x8a | 0x8b => "int",
        b'G' => "float",
        0x8c | b'X' | 0x8d => "str",
        b'C' | b'B' | 0x8e => "bytes",
        b'N' => "None",
        0x88 | 0x89 => "bool",
        0x8f | 0x90 => "set",
        0x91 => "frozenset",
        // An instance of a class: the first class the pickle names.
        b'R' | b'b' | 0x81 | 0x92 => {
            let class = first_global?;
            return Some(if class == "_reconstruct" {
                "ndarray".to_string()
            } else {
                class
            });
        }
        _ => return None,
    };
    Some(name.to_string())
}

/// How many bytes follow `opcode` as its argument, and the text of a
/// string argument; None for an opcode not read here.
fn argument(opcode: u8, rest: &[u8]) -> Option<(usize, Option<&[u8]>)> {
    let sized = |width: usize| -> Option<(usize, Option<&[u8]>)> {
        let mut length = [0u8; 8];
        length[..width].copy_from_slice(rest.get(..width)?);
        let length = usize::try_from(u64::from_le_bytes(length)).ok()?;
        let text = rest.get(width..width.checked_add(length)?)?;
        Some((width + length, Some(text)))
    };
    Some(match opcode {
        0x80 | b'K' | b'q' | b'h' => (1, None),
        b'M' => (2, None),
        b'J' | b'r' | b'j' => (4, None),
        b'G' | 0x95 => (8, None),
        0x8c | b'C' | 0x8a => sized(1)?,
        b'X' | b'B' | 0x8b => sized(4)?,
        0x8d | 0x8e | 0x96 => sized(8)?,
        b'}' | b's' | b'u' | b']' | b'a' | b'e' | b')' | b't' | 0x85 | 0x86 | 0x87 | b'N'
        | 0x88 | 0x89 | 0x8f | 0x90 | 0x91 | b'R' | b'b' | 0x81 | 0x92 | 0x93 | 0x94 | b'('
        | b'0' | b'1' | b'2' | 0x97 | 0x98 => (0, None),
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pickles_name_their_objects_type() {
        // pickle.dumps(..., protocol=5) of a dict, a list, a tuple, an
        // int, a str and None, as Python 3.11 writes them.
        let dict = b"\x80\x05\x95\x13\x00\x00\x00\x00\x00\x00\x00}\x94(\x8c\x01a\x94K\x07\x8c\x01b\x94G@\t\x1e\xb8Q\xeb\x85\x1fu.";
        assert_eq!(type_of(dict).as_deref(), Some("dict"));
        let list = b"\x80\x05\x95\x0b\x00\x00\x00\x00\x00\x00\x00]\x94(K\x01K\x02K\x03e.";
        assert_eq!(type_of(list).as_deref(), Some("list"));
        let pair = b"\x80\x05\x95\x07\x00\x00\x00\x00\x00\x00\x00K\x01K\x02\x86\x94.";
        assert_eq!(type_of(pair).as_deref(), Some("tuple"));
        assert_eq!(type_of(b"\x80\x05K\x07.").as_deref(), Some("int"));
        assert_eq!(type_of(b"\x80\x05\x8c\x02hi\x94.").as_deref(), Some("str"));
        assert_eq!(type_of(b"\x80\x05N.").as_deref(), Some("None"));
        assert_eq!(type_of(b"\x80\x05\xff."), None);
        assert_eq!(type_of(b"\x80\x05}"), None, "cut short");
    }

    #[test]
    fn a_tasks_function_is_named_by_its_module_and_name() {
        // pickle.dumps((slow_square, (3,), {}), protocol=5) in a script.
        let task = b"\x80\x05\x95\x1f\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x0bslow_square\x94\x93\x94K\x03\x85\x94}\x94\x87\x94.";
        let named = first_global(task);
        assert_eq!(named, Some(("__main__".into(), "slow_square".into())));
        assert_eq!(first_global(b"\x80\x05K\x07."), None);
    }

    #[test]
    fn an_instance_is_named_by_its_class() {
        let point = b"\x80\x05\x95\x00\x00\x00\x00\x00\x00\x00\x00\x8c\x08__main__\x94\x8c\x05Point\x94\x93\x94)\x81\x94}\x94\x8c\x01x\x94K\x01sb.";
        assert_eq!(type_of(point).as_deref(), Some("Point"));
    }

    #[test]
    fn the_tree_reduction_counts_each_ranks_messages() {
        // 4 ranks to root 0: rank 0 receives from 1 and 2, rank 1 sends
        // to 0 and receives from 3, rank 2 receives from 3 and sends to
        // 0, rank 3 sends to 2 and to 1.
        let steps: Vec<u32> = (0..4).map(|r| reduce_steps(r, 4, 0)).collect();
        assert_eq!(steps, [2, 2, 2, 2]);
        // 3 ranks: rank 2 has no partner at bit 0 but sends at bit 1.
        let steps: Vec<u32> = (0..3).map(|r| reduce_steps(r, 3, 0)).collect();
        assert_eq!(steps, [2, 1, 1]);
        // To root 2: rank 0 passes the result on, rank 2 takes it.
        assert_eq!(reduce_steps(0, 3, 2), 3);
        assert_eq!(reduce_steps(2, 3, 2), 2);
        assert_eq!(Method::Allreduce.calls(Op::Send, 1, 3, 0), 4);
        assert_eq!(Method::Recv.calls(Op::Mprobe, 1, 2, 0), 2);
    }

    #[test]
    fn a_probed_recv_a_sendrecv_and_the_pools_messages_fold() {
        // recv_mprobe off: a plain probe, then the receive.
        assert!(Method::Recv.starts_with(Op::Probe));
        assert_eq!(Method::Recv.calls(Op::Probe, 1, 2, 0), 2);
        // An isend, the receive's two calls, the wait.
        assert_eq!(Method::Sendrecv.calls(Op::Isend, 0, 2, 0), 4);
        assert_eq!(Method::Sendrecv.op(), Op::Sendrecv);
        let task = Method::named("pool task isend").unwrap();
        assert_eq!((task.op(), task.label()), (Op::Isend, Some("task")));
        let result = Method::named("pool result recv").unwrap();
        assert_eq!((result.op(), result.label()), (Op::Recv, Some("result")));
        assert_eq!(Method::Reduce.arguments(), Some("root:2"));
    }
}
