//! How a caller describes a call to the recorder: plain values, no MPI
//! types, so a lesson's communicator and a C hook describe calls alike.

use crate::trace::{Op, ProbePart, RmaPart, Shift, Site, Source, TagSel, Text, Values};

/// The message a call sends.
#[derive(Debug, Clone, PartialEq)]
pub struct SendSpec {
    pub dest: u32,
    pub tag: i32,
    /// Values sent.
    pub count: u64,
    /// How the trace and the view name the values' type (`f64`, `MPI_INT`).
    pub datatype: Text,
    pub bytes: u64,
}

/// What a receive accepts, and room for how many values.
#[derive(Debug, Clone, PartialEq)]
pub struct RecvSpec {
    pub source: Source,
    pub tag: TagSel,
    pub count: u64,
    pub datatype: Text,
}

/// A collective's data. The recorder numbers the collectives of each
/// communicator itself: every rank calls them in the same order.
#[derive(Debug, Clone, PartialEq)]
pub struct CollectiveSpec {
    pub root: Option<u32>,
    /// Values each rank contributes (or receives, for a broadcast).
    pub count: u64,
    pub datatype: Text,
    pub bytes: u64,
    /// Ranks of the communicator taking part.
    pub members: u32,
}

/// One MPI call, as its caller describes it to [`Recorder::begin`]. The
/// builders below are `#[inline]`: a C hook describes every call with
/// them, and out of line each one copied the whole description.
///
/// [`Recorder::begin`]: super::Recorder::begin
#[derive(Debug, Clone, PartialEq)]
pub struct CallSpec<'a> {
    pub op: Op,
    /// Communicator number: 0 is the program's world.
    pub comm: u32,
    pub send: Option<SendSpec>,
    pub recv: Option<RecvSpec>,
    pub collective: Option<CollectiveSpec>,
    /// For wait, waitall and test: the ids of the calls that started the
    /// requests they complete.
    pub requests: &'a [u64],
    /// Where the program made the call.
    pub site: Site,
    /// An other call's MPI name (`MPI_Type_commit`).
    pub name: Option<Text>,
    /// The neighbours a cart shift computed.
    pub shift: Option<Shift>,
    /// A short preview of the values the call sends or puts in.
    pub values: Option<Values>,
    /// How a reduction combines the values (`sum`, `max`...).
    pub reduce: Option<Text>,
    /// For a probe: what it looks for (it takes nothing).
    pub probe: Option<ProbePart>,
    /// A put's or a get's transfer.
    pub rma: Option<RmaPart>,
}

impl<'a> CallSpec<'a> {
    /// A call on the world communicator that moves no data (yet: add the
    /// parts with the methods below).
    #[inline]
    pub fn new(op: Op, site: Site) -> Self {
        CallSpec {
            op,
            comm: 0,
            send: None,
            recv: None,
            collective: None,
            requests: &[],
            site,
            name: None,
            shift: None,
            values: None,
            reduce: None,
            probe: None,
            rma: None,
        }
    }

    /// An MPI call the trace has no op of its own for, by its name.
    #[inline]
    pub fn other(name: Text, site: Site) -> Self {
        CallSpec {
            name: Some(name),
            ..CallSpec::new(Op::Other, site)
        }
    }

    /// The call computed these neighbours.
    #[inline]
    pub fn shifting(self, shift: Shift) -> Self {
        CallSpec {
            shift: Some(shift),
            ..self
        }
    }

    /// On communicator `comm` instead of the world.
    #[inline]
    pub fn on(self, comm: u32) -> Self {
        CallSpec { comm, ..self }
    }

    /// The call sends this message.
    #[inline]
    pub fn sending(self, send: SendSpec) -> Self {
        CallSpec {
            send: Some(send),
            ..self
        }
    }

    /// The call receives this message.
    #[inline]
    pub fn receiving(self, recv: RecvSpec) -> Self {
        CallSpec {
            recv: Some(recv),
            ..self
        }
    }

    /// The call is this collective.
    #[inline]
    pub fn collective(self, collective: CollectiveSpec) -> Self {
        CallSpec {
            collective: Some(collective),
            ..self
        }
    }

    /// The call sends (or puts in) these values, previewed.
    #[inline]
    pub fn showing(self, values: Option<Values>) -> Self {
        CallSpec { values, ..self }
    }

    /// The reduction combines the values with `reduce` (`sum`...).
    #[inline]
    pub fn reducing(self, reduce: impl Into<Text>) -> Self {
        CallSpec {
            reduce: Some(reduce.into()),
            ..self
        }
    }

    /// The call looks for a message from `source` with `tag`, and leaves
    /// it for a receive to take.
    #[inline]
    pub fn probing(self, source: Source, tag: TagSel) -> Self {
        CallSpec {
            probe: Some(ProbePart { source, tag }),
            ..self
        }
    }

    /// The call puts or gets this transfer.
    #[inline]
    pub fn transferring(self, rma: RmaPart) -> Self {
        CallSpec {
            rma: Some(rma),
            ..self
        }
    }

    /// The call completes the requests these calls started.
    #[inline]
    pub fn completing(self, requests: &'a [u64]) -> Self {
        CallSpec { requests, ..self }
    }
}

/// A call that only starts its transfer (an isend, an irecv), as a C
/// hook describes it to [`Recorder::started`]: fewer parts than a
/// [`CallSpec`], and recorded without being copied into a `Call`.
///
/// [`Recorder::started`]: super::Recorder::started
#[derive(Debug, Clone, PartialEq)]
pub struct StartSpec {
    pub op: Op,
    /// Communicator number: 0 is the program's world.
    pub comm: u32,
    /// Where the program made the call.
    pub site: Site,
    pub transfer: StartedTransfer,
}

/// What a [`StartSpec`]'s call starts.
#[derive(Debug, Clone, PartialEq)]
pub enum StartedTransfer {
    /// A message, and a short preview of its values.
    Send(SendSpec, Option<Values>),
    Recv(RecvSpec),
    /// Nothing: the peer is nobody (`MPI_PROC_NULL`).
    Nobody,
}

impl StartSpec {
    /// The same call as a [`CallSpec`], for [`Recorder::begin`].
    ///
    /// [`Recorder::begin`]: super::Recorder::begin
    pub fn into_call(self) -> CallSpec<'static> {
        let call = CallSpec::new(self.op, self.site).on(self.comm);
        match self.transfer {
            StartedTransfer::Send(send, values) => call.sending(send).showing(values),
            StartedTransfer::Recv(recv) => call.receiving(recv),
            StartedTransfer::Nobody => call,
        }
    }
}

/// A receive that completed within a call, as its status says: the call
/// that posted it (the receive itself, or the irecv a wait completed), who
/// sent the message, with which tag, and how many bytes arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arrival {
    pub call: u64,
    pub source: u32,
    pub tag: i32,
    pub bytes: u64,
}

/// What a call's end says besides what arrived: a test's answer (None: not
/// a test), the requests a waitany or testsome completed (by the calls
/// that started them), and the polls a loop of tests has made, this one
/// included (0 or 1: a lone poll), and the size a collective's part
/// turned out to have (a pickled object's, 0: as its begin said).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct EndSpec<'a> {
    pub completed: Option<bool>,
    pub done: &'a [u64],
    pub polls: u64,
    pub bytes: u64,
}

impl<'a> EndSpec<'a> {
    /// The end of a test that `found` something or not, the `polls`th of
    /// its loop.
    #[inline]
    pub fn test(found: bool, polls: u64) -> Self {
        EndSpec {
            completed: Some(found),
            polls,
            ..EndSpec::default()
        }
    }

    /// The call completed the requests these calls started.
    #[inline]
    pub fn completing(self, done: &'a [u64]) -> Self {
        EndSpec { done, ..self }
    }
}
