//! One test for each input the fuzz targets (fuzz/) found to break the
//! reader, the model or the view, so that each stays handled without
//! running the fuzzer.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use mpi_tutor::model::Model;
use mpi_tutor::trace::{read_trace_from, Event, EventKind, Trace, TraceError, MAX_WORLD_SIZE};
use mpi_tutor::view::{LessonInfo, Screen};

const HEADER: &str = r#"{"format":"mpi-tutor-trace","version":1,"lesson":"halo","world_size":2,"mpi_library":"m","started_unix":0}"#;

fn read(text: &str) -> Result<Trace, TraceError> {
    read_trace_from(text.as_bytes(), "t.jsonl")
}

/// An unknown name in a line is quoted in the error escaped: as it is, a
/// newline or an escape sequence in it would make the one-line error
/// several lines (or repaint the terminal).
#[test]
fn an_error_quoting_the_file_stays_one_plain_line() {
    for op in [r"s\nd", r"\u001b[2Jsend", r"a\rb"] {
        let line = format!(
            r#"{{"rank":0,"seq":0,"t":0,"event":{{"held":{{"id":0,"op":"{op}","site":{{"file":"f","line":1}}}}}}}}"#
        );
        let err = read(&format!("{HEADER}\n{line}\n")).unwrap_err();
        let text = err.to_string();
        assert!(text.contains("broken at line 2"), "{text}");
        assert!(!text.chars().any(char::is_control), "{text:?}");
    }
    let err = read_trace_from(&b"hello\n"[..], "a\nb.jsonl").unwrap_err();
    assert_eq!(err.to_string().lines().count(), 1, "{err}");
}

/// A damaged `world_size` of billions is refused: the model (and the
/// replay) would allocate per rank until the process aborts.
#[test]
fn a_trace_of_billions_of_ranks_is_refused() {
    let header = HEADER.replace(r#""world_size":2"#, r#""world_size":4000000000"#);
    let err = read(&format!("{header}\n")).unwrap_err();
    assert!(
        matches!(
            err,
            TraceError::TooManyRanks {
                found: 4_000_000_000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("up to 65536 ranks"), "{err}");
    let most = HEADER.replace(
        r#""world_size":2"#,
        &format!(r#""world_size":{MAX_WORLD_SIZE}"#),
    );
    assert!(read(&format!("{most}\n")).is_ok());
}

fn field_line(grid: u32, values: &str) -> String {
    format!(
        r#"{{"rank":0,"seq":0,"t":0.5,"event":{{"field":{{"name":"heat","iteration":1,"grid_rows":{grid},"grid_cols":{grid},"row0":0,"col0":0,"rows":1,"cols":3,"values":{values}}}}}}}"#
    )
}

/// A field value beyond f32 (or NaN, from a diverging lesson) is written
/// as `null`, so the reader, and rank 0 reading the ranks' batches, take
/// `null` back as NaN: otherwise the trace would not replay and the live
/// run would lose the batch.
#[test]
fn a_field_value_that_is_not_finite_reads_back() {
    let trace = read(&format!("{HEADER}\n{}\n", field_line(4, "[1e39,0.5,2]"))).unwrap();
    let EventKind::Field(block) = &trace.events[0].event else {
        panic!("a field");
    };
    assert!(block.values[0].is_infinite());

    let written = serde_json::to_string(&trace.events).unwrap();
    assert!(written.contains("[null,0.5,2.0]"), "{written}");
    let wire: Vec<Event> = serde_json::from_str(&written).expect("rank 0 decodes it");
    let again = read(&format!(
        "{HEADER}\n{}\n",
        serde_json::to_string(&wire[0]).unwrap()
    ))
    .expect("the recording replays");
    let EventKind::Field(block) = &again.events[0].event else {
        panic!("a field");
    };
    assert!(block.values[0].is_nan());
    assert_eq!(&block.values[1..], &[0.5, 2.0]);
}

/// A field block on a grid of 100000 x 100000 cells is not drawn: the heat
/// map would allocate a value per cell (80 GB) on every frame.
#[test]
fn a_field_on_a_huge_grid_is_not_drawn() {
    let trace = read(&format!("{HEADER}\n{}\n", field_line(100_000, "[1,2,3]"))).unwrap();
    let mut model = Model::new(trace.header.clone());
    for e in &trace.events {
        model.apply(e);
    }
    draw(&model);
}

/// A field block that reaches past its grid, and past the largest row
/// number (fuzz/wire found the log line adding its start and length), is
/// logged with its rows as given and neither kept nor drawn.
#[test]
fn a_field_block_past_its_grid_is_logged_and_not_drawn() {
    let line = field_line(4, "[1,2,3]").replace(r#""row0":0"#, r#""row0":4294967295"#);
    let trace = read(&format!("{HEADER}\n{line}\n")).unwrap();
    let logged = mpi_tutor::trace::display::log_line_with(&trace.events[0], true);
    assert!(logged.contains("rows 4294967295..4294967296"), "{logged}");
    let mut model = Model::new(trace.header.clone());
    model.apply(&trace.events[0]);
    assert!(model.ranks()[0].field.is_none(), "the block was kept");
    draw(&model);
}

/// Draws the halo lesson's screen of `model` on a 132 x 43 buffer.
fn draw(model: &Model) {
    let lesson = LessonInfo {
        name: "halo",
        title: "Halo",
        file: "lessons/halo.rs",
        source: "",
        explanation: "",
    };
    let screen = Screen::following(model, lesson);
    let area = Rect::new(0, 0, 132, 43);
    (&screen).render(area, &mut Buffer::empty(area));
}

/// A run killed while its last line was written can cut that line inside a
/// character: the trace reads up to its last whole line and says it was
/// cut off; broken text anywhere else is still an error.
#[test]
fn a_trace_cut_inside_a_character_reads_up_to_its_last_whole_line() {
    let whole = r#"{"rank":0,"seq":0,"t":0.1,"event":{"say":{"text":"hi"}}}"#;
    let mut bytes = format!("{HEADER}\n{whole}\n").into_bytes();
    bytes.extend_from_slice(br#"{"rank":0,"seq":1,"t":0.2,"event":{"say":{"text":"gr"#);
    bytes.extend_from_slice(&"ü".as_bytes()[..1]);
    let trace = read_trace_from(&bytes[..], "cut.jsonl").expect("reads");
    assert!(trace.truncated);
    assert_eq!(trace.events.len(), 1);

    let mut broken = format!("{HEADER}\n").into_bytes();
    broken.extend_from_slice(&"ü".as_bytes()[..1]);
    broken.extend_from_slice(format!("\n{whole}\n").as_bytes());
    let err = read_trace_from(&broken[..], "broken.jsonl").unwrap_err();
    assert!(err.to_string().contains("broken at line 2"), "{err}");
}
