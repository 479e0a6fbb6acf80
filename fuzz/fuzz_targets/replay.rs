//! Whatever trace reads goes through everything that shows a run, in any
//! order of events (out of order, duplicated, lost, from ranks that do not
//! exist): the causal order, the live session, the model, the log lines, the
//! reports, the Chrome export and the view at two sizes. None may panic; the
//! causal order neither loses nor duplicates an event, and keeps each rank's
//! order.
#![no_main]

use std::collections::HashMap;

use libfuzzer_sys::fuzz_target;
use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use mpi_tutor::app::report::{deadlock_text, summary_text, verdict};
use mpi_tutor::app::session::Session;
use mpi_tutor::export::chrome_trace;
use mpi_tutor::model::Model;
use mpi_tutor::probe::Delivery;
use mpi_tutor::trace::display::log_line;
use mpi_tutor::trace::{read_trace_from, CausalOrder, Event, Outcome, Trace};
use mpi_tutor::view::{
    words, LessonInfo, MainPanel, Mode, Pane, Screen, SpaceTimeView, StatusInfo,
};

fuzz_target!(|data: &[u8]| {
    let Ok(trace) = read_trace_from(data, "fuzz.jsonl") else {
        return;
    };
    causal_order_keeps_every_event(&trace.events);

    // Live: batches from the collector, causal order, the model.
    let mut session = Session::new(trace.header.clone(), None).expect("no recording");
    for batch in trace.events.chunks(3) {
        session.take(Delivery::Events(batch.to_vec()));
    }
    session.end(Outcome::Completed, "fuzzed", session.model().now());
    look_at(session.model());

    // Replay: the file's order, straight into the model.
    let mut model = Model::new(trace.header.clone());
    for e in &trace.events {
        model.apply(e);
        let _ = log_line(e);
    }
    assert!(model.events_applied() <= trace.events.len() as u64);
    look_at(&model);
    draw(&trace, &model);

    let _ = chrome_trace(&trace).to_string();
});

/// Every event pushed comes out once, each rank's in the order pushed.
fn causal_order_keeps_every_event(events: &[Event]) {
    let mut order = CausalOrder::new();
    let mut out = Vec::new();
    for e in events {
        out.extend(order.push(e.clone()));
    }
    out.extend(order.flush());
    assert_eq!(order.held(), 0);
    assert_eq!(out.len(), events.len());
    let mut per_rank: HashMap<u32, Vec<&Event>> = HashMap::new();
    for e in events {
        per_rank.entry(e.rank).or_default().push(e);
    }
    let mut released: HashMap<u32, Vec<&Event>> = HashMap::new();
    for e in &out {
        released.entry(e.rank).or_default().push(e);
    }
    assert!(per_rank == released, "a rank's events were reordered");
}

/// What the reports, the deadlock view and the space-time diagram read.
fn look_at(model: &Model) {
    let summary = model.summary();
    let _ = summary_text(&summary, model.events_applied(), 0);
    let _ = verdict(&summary);
    if let Some(d) = model.deadlock() {
        let _ = deadlock_text(&d);
    }
    for r in model.ranks() {
        let _ = (words::rank_state(r), words::rank_state_short(r));
        let _ = (words::rank_state_tiny(r), r.waited_until(model.now()));
    }
    let _ = model.pending_receives().count();
    let _ = model.messages().count();
    let tl = model.timeline();
    for r in 0..tl.world() as u32 {
        let _ = (tl.active(r), tl.spans(r).count(), tl.shift(r));
    }
    let _ = (tl.links().count(), tl.unreceived().count());
}

/// The replay view: every main panel, with the overlays, at the smallest
/// size it draws and a larger one, and the space-time diagram zoomed in.
fn draw(trace: &Trace, model: &Model) {
    let deadlock = model.deadlock();
    let lesson = lesson_info(&trace.header.lesson);
    for (w, h) in [(80, 24), (132, 43)] {
        let area = Rect::new(0, 0, w, h);
        let mut spacetime = SpaceTimeView::default();
        spacetime.zoom_in(model, w);
        spacetime.zoom_in(model, w);
        spacetime.scroll(model, w, 10);
        for (i, main_panel) in [MainPanel::World, MainPanel::SpaceTime, MainPanel::Matrix]
            .into_iter()
            .enumerate()
        {
            let screen = Screen {
                model,
                lesson,
                status: StatusInfo {
                    mode: Mode::Replay,
                    speed_label: "1x".into(),
                    replaying: i == 1,
                    received: trace.events.len() as u64,
                    dropped: 0,
                    trace_problems: 0,
                    recording_stopped: false,
                    keys_unavailable: i == 2,
                },
                focus: Pane::World,
                log_scroll: i * 7,
                source_scroll: (i == 1).then_some(3),
                show_help: i == 2,
                show_summary: i == 1,
                deadlock: deadlock.as_ref(),
                now: model.now(),
                // The default crossing, the shortest, one between.
                flight: [1.0, 0.15, 0.5][i],
                color: i != 0,
                // A rank shown in full, and the values shown or hidden.
                selected: (i == 1).then_some(0),
                values: i != 2,
                main_panel,
                spacetime: if i == 1 {
                    spacetime
                } else {
                    SpaceTimeView::default()
                },
            };
            let mut buf = Buffer::empty(area);
            (&screen).render(area, &mut buf);
        }
    }
}

/// The lesson pane's source, as the replay shows it. Not through
/// `mpi_tutor::lessons::find`: the lessons' `run` functions would link MPI
/// into the fuzz target, and MPICH's UCX memory hooks crash under
/// AddressSanitizer as soon as the program loads.
fn lesson_info(name: &str) -> LessonInfo<'_> {
    macro_rules! sources {
        ($($stem:literal),*) => {
            &[$((
                $stem,
                concat!("lessons/", $stem, ".rs"),
                include_str!(concat!("../../lessons/", $stem, ".rs")),
            )),*]
        };
    }
    const SOURCES: &[(&str, &str, &str)] = sources!(
        "broadcast",
        "crash",
        "deadlock",
        "halo",
        "hello",
        "nonblocking",
        "pool",
        "reduce",
        "ring",
        "scatter_gather",
        "send_recv"
    );
    let stem = name.replace('-', "_");
    let (file, source) = SOURCES
        .iter()
        .find(|(s, _, _)| stem.starts_with(s))
        .map_or(("", ""), |(_, file, source)| (*file, *source));
    LessonInfo {
        name,
        title: "(a fuzzed trace)",
        file,
        source,
        explanation: "",
    }
}
