//! Where each rank runs: every rank's `MPI_Get_processor_name`, gathered
//! to rank 0 once at start, for the run's header.

use mpi::topology::SimpleCommunicator;
use mpi::traits::*;

use super::wait::wait_promptly;

/// Room for one rank's host name: Open MPI's `MPI_MAX_PROCESSOR_NAME`
/// (MPICH's is 128); a longer name is cut there.
const NAME_BYTES: usize = 256;

/// Every rank's host, indexed by rank, on rank 0; empty on the others.
/// Collective over `comm`, waited for promptly (see `wait_promptly`);
/// `also` runs once the gather is posted, before it is waited for.
pub(super) fn gather_hosts_and(comm: &SimpleCommunicator, also: impl FnOnce()) -> Vec<String> {
    let mine = fixed(&mpi::environment::processor_name().unwrap_or_default());
    let root = comm.process_at_rank(0);
    if comm.rank() != 0 {
        mpi::request::scope(|scope| {
            let gathered = root.immediate_gather_into(scope, &mine[..]);
            also();
            wait_promptly(gathered);
        });
        return Vec::new();
    }
    let mut all = vec![0u8; NAME_BYTES * comm.size() as usize];
    mpi::request::scope(|scope| {
        let gathered = root.immediate_gather_into_root(scope, &mine[..], &mut all[..]);
        also();
        wait_promptly(gathered);
    });
    all.chunks(NAME_BYTES).map(name_in).collect()
}

/// `name` in a buffer of [`NAME_BYTES`], padded with zeros.
fn fixed(name: &str) -> [u8; NAME_BYTES] {
    let mut buffer = [0u8; NAME_BYTES];
    let bytes = name.as_bytes();
    let kept = bytes.len().min(NAME_BYTES);
    buffer[..kept].copy_from_slice(&bytes[..kept]);
    buffer
}

/// The name in a zero-padded buffer.
fn name_in(buffer: &[u8]) -> String {
    let end = buffer.iter().position(|&b| b == 0).unwrap_or(buffer.len());
    String::from_utf8_lossy(&buffer[..end]).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_survives_its_buffer_and_a_long_one_is_cut() {
        assert_eq!(name_in(&fixed("node-7.cluster")), "node-7.cluster");
        assert_eq!(name_in(&fixed("")), "");
        let long = "n".repeat(300);
        assert_eq!(name_in(&fixed(&long)), "n".repeat(NAME_BYTES));
    }
}
