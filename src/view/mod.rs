//! The terminal view (ratatui).
