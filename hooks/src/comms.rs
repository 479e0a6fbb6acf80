//! Communicators and datatypes as the trace names them: a peer on any
//! communicator as its world rank, a communicator as a number every member
//! computes alike (0 for the world), a datatype by its MPI name.

use std::os::raw::{c_char, c_int};
use std::sync::{Arc, Mutex, OnceLock};

use mpi::ffi;
use mpi_tutor::probe::comm_number as hash;
use mpi_tutor::probe::{this_thread, ThisThread};
use mpi_tutor::trace::Text;
use rustc_hash::FxHashMap;

/// What the trace needs of one communicator.
#[derive(Clone)]
pub struct CommInfo {
    /// 0 for the world; else a hash of the members' world ranks, the same
    /// on every member without talking to the others.
    pub number: u32,
    /// World rank of each rank of the communicator.
    pub world_ranks: Vec<u32>,
}

impl CommInfo {
    /// World rank of `rank` of this communicator; None for
    /// `MPI_PROC_NULL` (nobody) or a rank out of range.
    pub fn world(&self, rank: c_int) -> Option<u32> {
        usize::try_from(rank)
            .ok()
            .and_then(|r| self.world_ranks.get(r).copied())
    }

    pub fn size(&self) -> u32 {
        self.world_ranks.len() as u32
    }
}

/// A communicator's [`CommInfo`]: the world's, kept for good, or
/// another's, shared while the communicator lives. The world's takes no
/// lock and no count of its users: nearly every call is on it.
#[derive(Clone)]
pub enum Info {
    World(&'static CommInfo),
    Other(Arc<CommInfo>),
}

impl std::ops::Deref for Info {
    type Target = CommInfo;

    fn deref(&self) -> &CommInfo {
        match self {
            Info::World(world) => world,
            Info::Other(other) => other,
        }
    }
}

static COMMS: Mutex<Option<FxHashMap<u64, Arc<CommInfo>>>> = Mutex::new(None);
static WORLD: OnceLock<CommInfo> = OnceLock::new();
/// Named (predefined) datatypes only: a derived one may be freed and its
/// handle reused for another of another size.
static TYPES: Mutex<Option<FxHashMap<u64, (Text, u64)>>> = Mutex::new(None);

/// What the trace needs of `comm` (looked up once per communicator).
pub fn info(comm: ffi::MPI_Comm) -> Info {
    // SAFETY: comparing handles reads no memory.
    if unsafe { comm == ffi::RSMPI_COMM_WORLD } {
        return Info::World(WORLD.get_or_init(|| describe(comm)));
    }
    let key = crate::handle_key(comm);
    let mut comms = COMMS.lock().unwrap_or_else(|e| e.into_inner());
    let comms = comms.get_or_insert_with(FxHashMap::default);
    Info::Other(
        comms
            .entry(key)
            .or_insert_with(|| Arc::new(describe(comm)))
            .clone(),
    )
}

/// `comm` is freed: its handle may name another communicator next.
pub fn forget(comm: ffi::MPI_Comm) {
    let mut comms = COMMS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(comms) = comms.as_mut() {
        comms.remove(&(crate::handle_key(comm)));
    }
}

/// The communicator numbered `number`, once the program has used it.
pub fn by_number(number: u32) -> Option<Info> {
    if let Some(world) = WORLD.get().filter(|w| w.number == number) {
        return Some(Info::World(world));
    }
    let comms = COMMS.lock().unwrap_or_else(|e| e.into_inner());
    comms
        .as_ref()?
        .values()
        .find(|c| c.number == number)
        .cloned()
        .map(Info::Other)
}

/// The number of the communicator a copy numbered `number` was made
/// from: the world for a copy of it (mpi4py's reductions run on a copy
/// of the student's communicator), else the copy's own (the same).
pub fn students_number(number: u32) -> u32 {
    let mut size = 0;
    // SAFETY: asking the size of the world communicator.
    unsafe { ffi::PMPI_Comm_size(ffi::RSMPI_COMM_WORLD, &mut size) };
    let world: Vec<u32> = (0..size.max(0) as u32).collect();
    if number == hash(&world) {
        0
    } else {
        number
    }
}

/// An intracommunicator's peers are its own members; an
/// intercommunicator's are the other side's, and its number is that of
/// both sides together, so that both sides agree on it.
fn describe(comm: ffi::MPI_Comm) -> CommInfo {
    let mut inter = 0;
    // SAFETY: `comm` is the program's live communicator (it just passed
    // it to MPI); the group made here is given to `world_ranks`.
    let peers = unsafe {
        ffi::PMPI_Comm_test_inter(comm, &mut inter);
        let mut group = ffi::RSMPI_GROUP_NULL;
        if inter != 0 {
            ffi::PMPI_Comm_remote_group(comm, &mut group);
        } else {
            ffi::PMPI_Comm_group(comm, &mut group);
        }
        world_ranks(group)
    };
    // SAFETY: comparing handles reads no memory.
    let is_world = unsafe { comm == ffi::RSMPI_COMM_WORLD };
    let number = if is_world {
        0
    } else if inter != 0 {
        // SAFETY: as above.
        let mut both = world_ranks(unsafe {
            let mut local = ffi::RSMPI_GROUP_NULL;
            ffi::PMPI_Comm_group(comm, &mut local);
            local
        });
        both.extend_from_slice(&peers);
        both.sort_unstable();
        // Marked, so as not to share the number of an intracommunicator
        // of the same ranks.
        both.push(u32::MAX);
        hash(&both)
    } else {
        hash(&peers)
    };
    CommInfo {
        number,
        world_ranks: peers,
    }
}

/// The world rank of each rank of `group`, which it frees.
fn world_ranks(mut group: ffi::MPI_Group) -> Vec<u32> {
    // SAFETY: `group` is a live group made for this; the world's group is
    // made and freed here; the rank arrays are as long as the group.
    unsafe {
        let mut size = 0;
        ffi::PMPI_Group_size(group, &mut size);
        let mut world_group = ffi::RSMPI_GROUP_NULL;
        ffi::PMPI_Comm_group(ffi::RSMPI_COMM_WORLD, &mut world_group);
        let ranks: Vec<c_int> = (0..size).collect();
        let mut world = vec![0; ranks.len()];
        ffi::PMPI_Group_translate_ranks(
            group,
            size,
            ranks.as_ptr(),
            world_group,
            world.as_mut_ptr(),
        );
        ffi::PMPI_Group_free(&mut group);
        ffi::PMPI_Group_free(&mut world_group);
        world.into_iter().map(|r| r.max(0) as u32).collect()
    }
}

/// The datatype's MPI name (`MPI_DOUBLE`) and size in bytes.
pub fn datatype(datatype: ffi::MPI_Datatype) -> (Text, u64) {
    this_thread(|thread| datatype_on(thread, datatype))
}

/// [`datatype`] for a hook that has its thread's [`ThisThread`] at hand,
/// which keeps the named datatypes the thread has used (names and sizes
/// never change): no lock per call.
pub fn datatype_on(thread: &ThisThread, datatype: ffi::MPI_Datatype) -> (Text, u64) {
    let key = crate::handle_key(datatype);
    if let Some((name, size)) = thread.types.get(key) {
        return (Text::Borrowed(name), size);
    }
    let (name, size) = datatype_shared(key, datatype);
    if let Text::Borrowed(name) = name {
        thread.types.put(key, (name, size));
    }
    (name, size)
}

/// [`datatype`] from the process's table (`key`: the handle's).
fn datatype_shared(key: u64, datatype: ffi::MPI_Datatype) -> (Text, u64) {
    let mut types = TYPES.lock().unwrap_or_else(|e| e.into_inner());
    let types = types.get_or_insert_with(FxHashMap::default);
    if let Some(known) = types.get(&key) {
        return known.clone();
    }
    let (name, size, named) = describe_type(datatype);
    if named {
        // Kept for good: the name is leaked once, so each call's copy of
        // it costs no allocation.
        let name: &'static str = Box::leak(name.into_boxed_str());
        types.insert(key, (Text::Borrowed(name), size));
        return (Text::Borrowed(name), size);
    }
    (name.into(), size)
}

/// The datatype's name, size, and whether it has a name of its own.
fn describe_type(datatype: ffi::MPI_Datatype) -> (String, u64, bool) {
    let mut name = [0 as c_char; 128];
    let mut length = 0;
    let mut size = 0;
    // SAFETY: the name buffer holds MPI_MAX_OBJECT_NAME (128) characters;
    // `datatype` is the program's, just passed to MPI.
    unsafe {
        ffi::PMPI_Type_get_name(datatype, name.as_mut_ptr(), &mut length);
        ffi::PMPI_Type_size(datatype, &mut size);
    }
    let bytes: Vec<u8> = name[..length.clamp(0, 127) as usize]
        .iter()
        .map(|&c| c as u8)
        .collect();
    let name = String::from_utf8_lossy(&bytes).into_owned();
    let named = !name.is_empty();
    let name = if named {
        name
    } else {
        "a derived datatype".to_string()
    };
    (name, size.max(0) as u64, named)
}
