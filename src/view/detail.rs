//! The focused rank in full, under the ranks: what a narrow box or a grid
//! cell cuts off (its state, its call with every argument, its line, what
//! it last said, why it failed), wrapped over the panel's width.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::widgets::Widget;

use super::ranks::wrap;
use super::{words, Theme};
use crate::model::{RankState, RankView};
use crate::trace::display::describe_call;

/// Lines the detail takes at most.
pub const DETAIL_LINES: usize = 2;

pub struct RankDetail<'a> {
    pub rank: &'a RankView,
    /// The host it runs on, when the run spans hosts.
    pub host: Option<&'a str>,
    pub theme: Theme,
}

impl RankDetail<'_> {
    /// `rank 2 · in allreduce · allreduce 1 x f64 (8 B) · crash.rs:21 ·
    /// said "step 1: ..."`; a failed rank: `rank 1 · FAILED at
    /// lessons/crash.rs:19: index out of bounds ... · said "..."`.
    pub fn text(&self) -> String {
        let r = self.rank;
        let mut parts = vec![match self.host {
            Some(host) => words::rank_on_host(r.rank, host),
            None => format!("rank {}", r.rank),
        }];
        match words::failure(r) {
            Some(why) => parts.push(format!("FAILED {why}")),
            None => {
                parts.push(words::rank_state(r));
                if let Some(c) = &r.call {
                    let current = matches!(r.state, RankState::Held(_) | RankState::InCall { .. });
                    let call = describe_call(c)
                        .split_whitespace()
                        .collect::<Vec<_>>()
                        .join(" ");
                    parts.push(if current {
                        call
                    } else {
                        format!("last: {call}")
                    });
                }
                if let Some(s) = &r.site {
                    parts.push(s.to_string());
                }
            }
        }
        if let Some(said) = &r.said {
            parts.push(format!("said \"{said}\""));
        }
        parts.join(" · ")
    }

    /// The lines of the detail at `width` columns.
    pub fn lines(&self, width: usize) -> Vec<String> {
        wrap(&self.text(), width, DETAIL_LINES)
    }
}

impl Widget for &RankDetail<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let w = area.width as usize;
        let style = match self.rank.state {
            RankState::Failed { .. } => self.theme.error(),
            _ => Style::new().add_modifier(Modifier::ITALIC),
        };
        for (i, line) in self
            .lines(w)
            .into_iter()
            .take(area.height as usize)
            .enumerate()
        {
            buf.set_stringn(area.x, area.y + i as u16, line, w, style);
        }
    }
}

/// The rank the detail is about: the one chosen with its number key, else
/// the first that failed.
pub fn focused_rank(ranks: &[RankView], selected: Option<u32>) -> Option<&RankView> {
    selected.and_then(|r| ranks.get(r as usize)).or_else(|| {
        ranks
            .iter()
            .find(|r| matches!(r.state, RankState::Failed { .. }))
    })
}
