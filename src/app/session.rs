//! What every view of a live run shares: events arrive from the collector,
//! are put in causal order, recorded, applied to the model, counted per rank
//! (so a lost event is reported, never silent), and the end of the run is
//! recognised.

use std::path::Path;

use std::time::{Duration, Instant};

use super::present::Presenter;
use super::Ending;
use crate::model::Model;
use crate::probe::{heartbeat, let_lessons_in, Delivery};
use crate::term::guardian;
use crate::term::signals::{self, signal_name};
use crate::trace::{CausalOrder, Event, EventKind, Header, Outcome, Site, TraceWriter};

/// How long after a SIGTERM rank 0 waits to hear from every rank still
/// running: Open MPI follows its SIGTERM with a SIGKILL a second later
/// (`odls_base_sigkill_timeout`).
const ROLL_CALL: Duration = Duration::from_millis(700);
/// A rank heard from this long before the SIGTERM, or since, is still
/// there: its next beat is due within [`ROLL_CALL`] of the signal.
const LOST_BEFORE: Duration = Duration::from_millis(500);

#[derive(Debug, Clone, PartialEq)]
pub struct Failure {
    pub rank: u32,
    pub message: String,
    pub site: Option<Site>,
}

impl Failure {
    /// `rank 2 failed at lessons/crash.rs:14: index out of bounds`; a rank
    /// killed from outside is its whole sentence (see `vanished`).
    pub fn describe(&self) -> String {
        crate::view::words::rank_failed(self.rank, &self.message, self.site.as_ref())
    }
}

pub struct Session {
    pub header: Header,
    model: Model,
    /// Some in paced modes: what the model shows lags so messages can be
    /// seen travelling.
    presenter: Option<Presenter>,
    order: CausalOrder,
    recorder: Option<TraceWriter>,
    received: Vec<u64>,
    expected: Vec<Option<u64>>,
    ended: Vec<bool>,
    failure: Option<Failure>,
    undecodable: u64,
    /// Why the recording stopped, until it is said (see
    /// [`Session::recording_note`]).
    recording_note: Option<String>,
    recording_stopped: bool,
    /// The line last told to the guardian for each rank.
    told: Vec<String>,
}

impl Session {
    pub fn new(header: Header, record: Option<&Path>) -> std::io::Result<Self> {
        let recorder = match record {
            Some(path) => Some(TraceWriter::create(path, &header)?),
            None => None,
        };
        let n = header.world_size as usize;
        Ok(Session {
            model: Model::new(header.clone()),
            presenter: None,
            header,
            order: CausalOrder::new(),
            recorder,
            received: vec![0; n],
            expected: vec![None; n],
            ended: vec![false; n],
            failure: None,
            undecodable: 0,
            recording_note: None,
            recording_stopped: false,
            told: vec![String::new(); n],
        })
    }

    /// Shows messages travelling for `flight` before their receive
    /// completes on screen; None shows every event at once.
    pub fn set_flight(&mut self, flight: Option<Duration>) {
        match (flight, &mut self.presenter) {
            (None, _) => {
                if let Some(mut p) = self.presenter.take() {
                    let rest = p.flush();
                    self.show(&rest);
                }
            }
            (Some(f), Some(p)) => p.set_flight(f),
            (Some(f), None) => self.presenter = Some(Presenter::new(f)),
        }
    }

    /// Takes a delivery from the collector, records it in causal order, and
    /// returns the events now shown (applied to the model).
    pub fn take(&mut self, d: Delivery) -> Vec<Event> {
        self.take_at(d, Instant::now())
    }

    /// [`Session::take`] at `now`, on the clock the caller runs by.
    pub fn take_at(&mut self, d: Delivery, now: Instant) -> Vec<Event> {
        let ordered = self.order_and_record(d);
        match &mut self.presenter {
            None => {
                self.show(&ordered);
                ordered
            }
            Some(p) => {
                ordered.into_iter().for_each(|e| p.push(e));
                self.present(now)
            }
        }
    }

    /// Events whose time to be shown has come (call on every tick).
    pub fn present(&mut self, now: Instant) -> Vec<Event> {
        let due = match &mut self.presenter {
            Some(p) => p.due(now),
            None => Vec::new(),
        };
        self.show(&due);
        due
    }

    fn show(&mut self, events: &[Event]) {
        for e in events {
            let_lessons_in();
            self.model.apply(e);
        }
    }

    /// Puts the events of a delivery in causal order and records them.
    fn order_and_record(&mut self, d: Delivery) -> Vec<Event> {
        match d {
            Delivery::Events(batch) => {
                let mut out = Vec::new();
                for e in batch {
                    let_lessons_in();
                    self.count(&e);
                    out.extend(self.order.push(e));
                }
                if self.all_done() {
                    // Nothing more will come that could release these.
                    out.extend(self.order.flush());
                }
                self.record(&out);
                out
            }
            Delivery::Undecodable { from, bytes } => {
                // The batch may have held the rank's `Finished`, and then
                // waiting for it would never end; and a view missing a
                // rank's events would show it blocked, or a deadlock, that
                // is not there. So the run ends, saying why.
                self.undecodable += 1;
                self.failure.get_or_insert(Failure {
                    rank: from,
                    message: format!(
                        "{bytes} bytes of its events could not be read (a bug in mpi-tutor)"
                    ),
                    site: None,
                });
                Vec::new()
            }
        }
    }

    fn count(&mut self, e: &Event) {
        let Some(r) = self.received.get_mut(e.rank as usize) else {
            return;
        };
        *r += 1;
        let rank = e.rank as usize;
        match &e.event {
            EventKind::Finished { events, .. } => {
                self.expected[rank] = Some(*events);
                self.ended[rank] = true;
                guardian::ended(e.rank);
            }
            EventKind::Failed { message, site } => {
                self.ended[rank] = true;
                guardian::ended(e.rank);
                self.failure.get_or_insert(Failure {
                    rank: e.rank,
                    message: message.clone(),
                    site: site.clone(),
                });
            }
            _ => {}
        }
    }

    fn record(&mut self, events: &[Event]) {
        if let Some(w) = &mut self.recorder {
            for e in events {
                let_lessons_in();
                if let Err(err) = w.write(e) {
                    self.stop_recording(&err);
                    return;
                }
            }
            // In the file before they are shown: a rank 0 killed from
            // outside (the launcher ends it when another rank is killed)
            // has recorded every event it showed.
            if !events.is_empty() {
                if let Err(err) = w.flush() {
                    self.stop_recording(&err);
                }
            }
        }
    }

    /// A write failed (a full disk): the recording ends, readable up to
    /// its last whole event, and the run goes on without it, since the
    /// class watching it has not lost anything. The view says so.
    fn stop_recording(&mut self, err: &std::io::Error) {
        let Some(mut w) = self.recorder.take() else {
            return;
        };
        let path = w.path().display().to_string();
        let kept = match w.stop(&err.to_string()) {
            Ok(()) => "what was recorded before is kept and replays",
            Err(_) => "what was recorded before is kept up to its last whole line",
        };
        self.recording_note = Some(format!(
            "recording to {path} stopped: {err}; {kept}; the run goes on"
        ));
        self.recording_stopped = true;
    }

    /// The line saying why the recording stopped, once: the headless log
    /// says it at once, the live view when the terminal is back.
    pub fn recording_note(&mut self) -> Option<String> {
        self.recording_note.take()
    }

    /// Whether a failed write stopped the recording.
    pub fn recording_stopped(&self) -> bool {
        self.recording_stopped
    }

    pub fn model(&self) -> &Model {
        &self.model
    }

    /// Keeps the recorded file current while nothing arrives, and the
    /// guardian told what each rank is doing.
    pub fn tick(&mut self) {
        let due = self.recorder.as_mut().map(TraceWriter::flush_if_due);
        if let Some(Err(err)) = due {
            self.stop_recording(&err);
        }
        for rank in self.model.ranks() {
            let r = rank.rank as usize;
            if self.ended.get(r) == Some(&false) {
                let line = crate::view::words::killed(rank, guardian::SIGNAL_SLOT);
                if self.told[r] != line {
                    guardian::tell(rank.rank, &line);
                    self.told[r] = line;
                }
            }
        }
    }

    /// A rank on this host whose process ended without a word (killed
    /// from outside) fails the run, named with what it was doing.
    fn note_vanished(&mut self) {
        for (rank, signal) in guardian::vanished() {
            let r = rank as usize;
            if self.ended.get(r) != Some(&false) || self.failure.is_some() {
                continue;
            }
            // The job being stopped reached this rank first: rank 0 says
            // that instead.
            if signals::caught().is_some() && signal.is_some_and(signals::is_stop) {
                continue;
            }
            let signal = signal.map_or(String::new(), |s| format!(" ({})", signal_name(s)));
            let line = self.told[r].replace(guardian::SIGNAL_SLOT, &signal);
            self.failure = Some(Failure {
                rank,
                message: line,
                site: None,
            });
        }
    }

    /// Every rank has finished or failed.
    pub fn all_done(&self) -> bool {
        self.ended.iter().all(|&d| d)
    }

    /// The first rank failure, if any.
    pub fn failure(&self) -> Option<&Failure> {
        self.failure.as_ref()
    }

    /// Events every finished rank said it sent but that never arrived,
    /// plus batches that could not be decoded.
    pub fn lost(&self) -> u64 {
        let missing: u64 = self
            .expected
            .iter()
            .zip(&self.received)
            .filter_map(|(e, r)| e.map(|e| e.saturating_sub(*r)))
            .sum();
        missing + self.undecodable
    }

    pub fn received_total(&self) -> u64 {
        self.received.iter().sum()
    }

    /// A signal to rank 0 or a failed rank ends the run at once: records
    /// how, and says so. `t` is the run time for the record.
    pub fn must_end(&mut self, t: f64) -> Option<Ending> {
        self.failed_ending(t).or_else(|| self.interrupted(t))
    }

    /// A signal to rank 0 ends the run at once, and so do ranks silent
    /// past the silence limit. A rank that failed (or was killed) first
    /// is the news, even when the launcher's signal to rank 0 follows;
    /// so are ranks lost before a SIGTERM (their host's processes killed,
    /// or the host unreachable: the launcher then stops the job), found
    /// by a roll call (see [`Session::lost_ranks`]).
    pub fn interrupted(&mut self, t: f64) -> Option<Ending> {
        if let Some(ending) = self.silenced(t) {
            return Some(ending);
        }
        let sig = signals::caught()?;
        if let Some(ending) = self.failed_ending(t) {
            return Some(ending);
        }
        let lost = if sig == libc::SIGTERM {
            self.lost_ranks()?
        } else {
            Vec::new()
        };
        let (outcome, detail) = if lost.is_empty() {
            let detail = crate::view::words::stopped_by(&signal_name(sig));
            (Outcome::Interrupted, detail)
        } else {
            let who = crate::view::words::ranks_and_hosts(&lost, &self.header);
            let before = signals::caught_at_ms().saturating_sub(
                lost.iter()
                    .map(|&r| heartbeat::last_heard(r))
                    .max()
                    .unwrap_or(0),
            );
            let detail = crate::view::words::lost_before_stop(
                &who,
                lost.len() > 1,
                Duration::from_millis(before).as_secs_f64(),
                &signal_name(sig),
            );
            (Outcome::RankFailed, detail)
        };
        self.end(outcome, &detail, t);
        Some(Ending::abort(outcome, detail))
    }

    /// The ranks lost before the SIGTERM that stops the job: every rank
    /// of a host other than rank 0's from which rank 0 has heard nothing
    /// since [`LOST_BEFORE`] before the signal; None while it is too early
    /// to say. A rank still running beats every [`heartbeat::BEAT_EVERY`]
    /// (and at once when the launcher's SIGTERM reaches it), so within
    /// [`ROLL_CALL`] of the signal every rank still there has been heard
    /// in that time, whenever the launcher signals it. A host is the unit:
    /// its ranks fall silent together when it is lost or killed. Ranks on
    /// rank 0's own host are watched more closely, by their processes
    /// (see `note_vanished`).
    fn lost_ranks(&self) -> Option<Vec<u32>> {
        let since = signals::caught_at_ms().saturating_sub(LOST_BEFORE.as_millis() as u64);
        let running =
            (1..self.header.world_size).filter(|&r| self.ended.get(r as usize) == Some(&false));
        let (answered, unheard): (Vec<u32>, Vec<u32>) =
            running.partition(|&r| heartbeat::last_heard(r) >= since);
        let waited = heartbeat::clock_ms().saturating_sub(signals::caught_at_ms());
        if unheard.is_empty() {
            return Some(Vec::new());
        }
        if Duration::from_millis(waited) < ROLL_CALL {
            return None;
        }
        let header = &self.header;
        let host = |r: u32| header.host(r).filter(|_| header.spans_hosts());
        let gone = |r: &u32| {
            let here = host(*r);
            here.is_some() && here != host(0) && answered.iter().all(|&a| host(a) != here)
        };
        Some(unheard.into_iter().filter(gone).collect())
    }

    /// A rank silent past the silence limit ends the run, named with its
    /// host, and with it every rank that has missed its beats too (a
    /// host cut off falls silent at once, but its ranks were last heard
    /// up to a beat apart).
    fn silenced(&mut self, t: f64) -> Option<Ending> {
        let limit = heartbeat::limit()?;
        let running =
            || (1..self.header.world_size).filter(|&r| self.ended.get(r as usize) == Some(&false));
        if !running().any(|r| heartbeat::silent_for(r) > limit) {
            return None;
        }
        let missed = limit.min(heartbeat::BEAT_EVERY * 2 + ROLL_CALL);
        let ranks: Vec<u32> = running()
            .filter(|&r| heartbeat::silent_for(r) > missed)
            .collect();
        let who = crate::view::words::ranks_and_hosts(&ranks, &self.header);
        let detail = crate::view::words::silent(&who, ranks.len() > 1, limit.as_secs());
        self.end(Outcome::RankFailed, &detail, t);
        Some(Ending::abort(Outcome::RankFailed, detail))
    }

    /// The end of a run in which a rank failed or vanished (the live view
    /// keeps a failure on screen until the class quits, then ends it so).
    pub fn failed_ending(&mut self, t: f64) -> Option<Ending> {
        self.note_vanished();
        let detail = self.failure()?.describe();
        self.end(Outcome::RankFailed, &detail, t);
        Some(Ending::abort(Outcome::RankFailed, detail))
    }

    /// Writes the last record (how the run ended) and flushes the file.
    pub fn end(&mut self, outcome: Outcome, detail: &str, t: f64) {
        let last = Event {
            rank: 0,
            seq: u64::MAX,
            t,
            event: EventKind::RunEnded {
                outcome,
                detail: detail.to_string(),
            },
        };
        self.record(std::slice::from_ref(&last));
        self.set_flight(None);
        self.model.apply(&last);
        let flushed = self.recorder.as_mut().map(TraceWriter::flush);
        if let Some(Err(err)) = flushed {
            self.stop_recording(&err);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_batch_that_does_not_decode_ends_the_run_instead_of_waiting_for_it() {
        let mut session = Session::new(Header::new("send-recv", 2, "MPICH", 0.0), None).unwrap();
        assert!(session.must_end(0.0).is_none());
        let shown = session.take(Delivery::Undecodable { from: 1, bytes: 48 });
        assert!(shown.is_empty());
        assert_eq!(session.lost(), 1, "counted as lost, never silent");
        let failure = session.failure().expect("the run is failed");
        assert_eq!(
            failure.describe(),
            "rank 1 failed: 48 bytes of its events could not be read (a bug in mpi-tutor)"
        );
        assert!(session.must_end(0.1).is_some(), "the run ends now");
    }
}
