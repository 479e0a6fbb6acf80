//! Included by the benches that repeat a run and show its middle result
//! (`#[path]`): the median is what a noisy 2-core host still agrees on.

/// The middle value (the upper one of an even count).
pub fn median(mut xs: Vec<f64>) -> f64 {
    xs.sort_by(f64::total_cmp);
    xs[xs.len() / 2]
}
