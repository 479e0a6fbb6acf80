//! The one walk over a trace that every export format shares: each event
//! steps a [`Timeline`] (display times on one axis that keeps causal
//! order: no receive ends before its send began), and a [`Visit`] is told,
//! in this order, the holds by the tutor that this event ended, the calls
//! it ended, the event itself at its display time, and the messages it
//! delivered. What was told is taken out of the timeline, so it holds only
//! what is open at once (calls, holds, sends not yet received), never the
//! whole file.

use crate::model::{CallSpan, HeldSpan, MessageLink, Timeline};
use crate::trace::{Event, EventKind, Rank};

/// What a format does with each step of the walk; each part defaults to
/// nothing.
pub(super) trait Visit {
    /// A hold by the tutor is over (its `end` is set).
    fn hold_over(&mut self, _hold: &HeldSpan) -> std::io::Result<()> {
        Ok(())
    }
    /// A call is over: it returned, or was cut (see [`CallSpan::returned`]).
    fn call_over(&mut self, _rank: Rank, _span: &CallSpan) -> std::io::Result<()> {
        Ok(())
    }
    /// An event of `rank`, at its display time `at` (seconds).
    fn event(&mut self, _rank: Rank, _at: f64, _event: &EventKind) -> std::io::Result<()> {
        Ok(())
    }
    /// A message was consumed by the call that received it.
    fn message(&mut self, _link: &MessageLink) -> std::io::Result<()> {
        Ok(())
    }
}

/// The timeline of a trace being walked in file order.
pub(super) struct Walk {
    timeline: Timeline,
    world: Rank,
}

impl Walk {
    pub fn new(world: Rank) -> Self {
        Walk {
            timeline: Timeline::new(world as usize, usize::MAX),
            world,
        }
    }

    /// What the walk keeps: open calls and holds, each rank's first and
    /// last display time.
    pub fn timeline(&self) -> &Timeline {
        &self.timeline
    }

    /// Takes the next event of the trace to `visit`. Events of ranks
    /// outside the world, or at no time, are skipped (the trace check
    /// reports them).
    pub fn step(&mut self, e: &Event, visit: &mut impl Visit) -> std::io::Result<()> {
        if e.rank >= self.world || !e.t.is_finite() {
            return Ok(());
        }
        let at = self.timeline.step(e.rank, e.t, &e.event);
        for hold in self.timeline.take_held(e.rank) {
            visit.hold_over(&hold)?;
        }
        for span in self.timeline.take_finished(e.rank) {
            visit.call_over(e.rank, &span)?;
        }
        visit.event(e.rank, at, &e.event)?;
        for link in self.timeline.take_links() {
            visit.message(&link)?;
        }
        Ok(())
    }
}
