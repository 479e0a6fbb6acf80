//! What a rank knows of its launcher before MPI starts, and how it refuses
//! to start.

use crate::error::Error;

/// Was this process started by an MPI launcher (MPICH's hydra, Open MPI)?
pub fn under_launcher() -> bool {
    [
        "PMI_RANK",
        "PMI_FD",
        "PMI_SIZE",
        "OMPI_COMM_WORLD_RANK",
        "OMPI_COMM_WORLD_SIZE",
        "PMIX_RANK",
    ]
    .iter()
    .any(|v| std::env::var_os(v).is_some())
}

/// This process's rank as the launcher announced it, before MPI starts.
pub fn launcher_rank() -> Option<u32> {
    ["PMI_RANK", "OMPI_COMM_WORLD_RANK", "PMIX_RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
}

/// A refusal before MPI starts: rank 0 says it, the others exit quietly,
/// but only after a moment: under Open MPI the first rank to exit non-zero
/// ends the job, and rank 0's line could be lost on the way to the screen.
pub fn refuse(message: &str) -> i32 {
    Error::Usage(message.to_string()).report()
}

/// Says `message` as one line if this is rank 0 (or not under a launcher);
/// any other rank waits a moment instead (see [`refuse`]).
pub fn say_once(message: &str) {
    if launcher_rank().unwrap_or(0) == 0 {
        eprintln!("mpi-tutor: {message}");
    } else {
        std::thread::sleep(std::time::Duration::from_millis(500));
    }
}
