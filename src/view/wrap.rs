//! Word wrap of a styled line with a hanging indent, for overlays that lay
//! their rows out themselves: every line this returns is one screen row,
//! so the overlay knows its height before drawing.

use ratatui::style::Style;
use ratatui::text::{Line, Span};

/// A run of spaces or a word, with its style.
struct Piece {
    text: String,
    style: Style,
    space: bool,
}

/// `line` wrapped at `width` columns between words, each row after the
/// first starting `hang` spaces in; the words keep their styles and the
/// first row its leading spaces. A word longer than a row is split.
pub fn wrap_line(line: &Line<'static>, width: usize, hang: usize) -> Vec<Line<'static>> {
    if line.width() <= width {
        return vec![line.clone()];
    }
    let hang = hang.min(width / 2);
    let mut rows: Vec<Vec<Span<'static>>> = vec![Vec::new()];
    let mut used = 0;
    let mut has_word = false;
    let mut gap: Vec<Span<'static>> = Vec::new();
    for piece in pieces(line, width - hang) {
        let n = piece.text.chars().count();
        let span = Span::styled(piece.text, piece.style);
        if piece.space {
            gap.push(span);
            continue;
        }
        let gap_width: usize = gap.iter().map(Span::width).sum();
        if has_word && used + gap_width + n > width {
            rows.push(vec![Span::raw(" ".repeat(hang))]);
            used = hang;
            gap.clear();
        }
        let row = rows.last_mut().expect("a row");
        used += gap.iter().map(Span::width).sum::<usize>() + n;
        row.append(&mut gap);
        row.push(span);
        has_word = true;
    }
    rows.into_iter()
        .map(|spans| Line::from(spans).style(line.style))
        .collect()
}

/// The line cut into runs of spaces and words, each word at most `most`
/// characters (longer ones in pieces).
fn pieces(line: &Line<'static>, most: usize) -> Vec<Piece> {
    let most = most.max(1);
    let mut out = Vec::new();
    for span in &line.spans {
        let mut rest = span.content.as_ref();
        while let Some(first) = rest.chars().next() {
            let space = first == ' ';
            let end = rest.find(|c| (c == ' ') != space).unwrap_or(rest.len());
            let (run, after) = rest.split_at(end);
            let chars: Vec<char> = run.chars().collect();
            for chunk in chars.chunks(if space { chars.len() } else { most }) {
                out.push(Piece {
                    text: chunk.iter().collect(),
                    style: span.style,
                    space,
                });
            }
            rest = after;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::style::Modifier;

    fn texts(lines: &[Line]) -> Vec<String> {
        lines.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn a_line_that_fits_stays_as_it_is() {
        let line = Line::from(" window calls: fence 3");
        assert_eq!(texts(&wrap_line(&line, 40, 15)), [" window calls: fence 3"]);
    }

    #[test]
    fn a_long_line_breaks_between_words_under_its_hang() {
        let line = Line::from(" (the data each rank contributes and receives, not the library's)");
        let rows = wrap_line(&line, 30, 2);
        assert_eq!(
            texts(&rows),
            [
                " (the data each rank",
                "  contributes and receives,",
                "  not the library's)"
            ]
        );
        assert!(rows.iter().all(|r| r.width() <= 30));
    }

    #[test]
    fn words_keep_their_styles_across_rows() {
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let line = Line::from(vec![
            Span::styled("outcome  ", bold),
            Span::raw("deadlock: rank 0 waits for rank 1"),
        ]);
        let rows = wrap_line(&line, 24, 9);
        assert_eq!(
            texts(&rows),
            [
                "outcome  deadlock: rank",
                "         0 waits for",
                "         rank 1"
            ]
        );
        assert_eq!(rows[0].spans[0].style, bold);
        assert_eq!(rows[1].spans[1].style, Style::new());
    }

    #[test]
    fn a_word_longer_than_a_row_is_split() {
        let line = Line::from("  at /a/very/long/path/to/a/file.c:12");
        let rows = wrap_line(&line, 20, 4);
        assert!(rows.iter().all(|r| r.width() <= 20), "{:?}", texts(&rows));
        let joined: String = texts(&rows).iter().map(|r| r.trim()).collect();
        assert_eq!(joined, "at/a/very/long/path/to/a/file.c:12");
    }
}
