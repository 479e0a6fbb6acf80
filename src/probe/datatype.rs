//! Derived datatypes: a [`Vector`] (MPI_Type_vector) sends values spaced
//! apart in memory, a column of a row-major block, as one message,
//! without copying them together first.

use std::panic::Location;

use mpi::datatype::{UserDatatype, View};
use mpi::traits::*;

use super::comm::Comm;
use super::instrument::Ending;
use super::recorder::{CallSpec, SendSpec};
use super::site::site_of;
use super::{preview_of, Datum};
use crate::trace::Op;

/// `count` values, each `stride` values after the one before: a column of
/// a row-major block with rows `stride` long (MPI_Type_vector with block
/// length 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Vector {
    pub count: usize,
    pub stride: usize,
}

impl Vector {
    /// How the trace names the type: `vector(8 x f64, stride 8)`.
    fn name<T: Datum>(self) -> String {
        format!(
            "vector({} x {}, stride {})",
            self.count,
            T::NAME,
            self.stride
        )
    }

    /// The values it picks from `data`, which starts at the first.
    fn picked<T: Datum>(self, data: &[T]) -> Vec<T> {
        data.iter()
            .step_by(self.stride.max(1))
            .take(self.count)
            .copied()
            .collect()
    }
}

impl Comm {
    /// Sends one `vector` of values from `data` (starting at its first
    /// value) to `dest`: a single message, no copy loop.
    #[track_caller]
    pub fn send_vector<T: Datum>(&self, data: &[T], vector: Vector, dest: u32, tag: i32) {
        let site = site_of(Location::caller());
        self.check_rank(dest, "destination rank");
        let reach = vector.count.saturating_sub(1) * vector.stride + 1;
        assert!(
            vector.count > 0 && data.len() >= reach,
            "send_vector: {} values do not hold {}",
            data.len(),
            vector.name::<T>()
        );
        let synchronous = super::sends::synchronous();
        let op = if synchronous { Op::Ssend } else { Op::Send };
        let spec = CallSpec::new(op, site)
            .sending(SendSpec {
                dest,
                tag,
                count: 1,
                datatype: vector.name::<T>().into(),
                bytes: (vector.count * std::mem::size_of::<T>()) as u64,
            })
            .showing(preview_of(&vector.picked(data)));
        let to = self.world.process_at_rank(dest as i32);
        let datatype = UserDatatype::vector(
            vector.count as i32,
            1,
            vector.stride as i32,
            &T::equivalent_datatype(),
        );
        // SAFETY: checked above: the vector stays within `data`, and picks
        // whole values of T with no padding.
        let view = unsafe { View::with_count_and_datatype(data, 1, &datatype) };
        self.instrument(spec, |call| {
            mpi::request::scope(|s| {
                call.wait(if synchronous {
                    to.immediate_synchronous_send_with_tag(s, &view, tag)
                } else {
                    to.immediate_send_with_tag(s, &view, tag)
                })
            });
            ((), Ending::Plain)
        });
    }
}
