//! The global definitions of the archive: strings, the system tree (one
//! machine: the trace does not record hosts), a process and a location
//! per rank, the regions met during the walk, the communicators and their
//! groups, the clock, and the markers of the program's output. Regions
//! and markers are numbered as they are first met; all are written at the
//! end, when the events are.

use std::collections::{BTreeMap, HashMap};
use std::io;

use otf2_sys as sys;

use super::archive::{c_text, check, UNDEFINED_U32, UNDEFINED_U64};
use crate::trace::{Header, Rank};

/// Nanoseconds: the archive's clock ticks.
pub(super) const TICKS_PER_SECOND: u64 = 1_000_000_000;

/// A region: its name and how OTF2 classes it.
struct Region {
    name: u32,
    role: sys::OTF2_RegionRole,
    paradigm: sys::OTF2_Paradigm,
}

/// Everything the events refer to.
pub(super) struct Definitions {
    strings: Vec<String>,
    string_ids: HashMap<String, u32>,
    regions: Vec<Region>,
    region_ids: HashMap<String, u32>,
    /// Each marker's category and severity, by number.
    markers: Vec<(String, sys::OTF2_MarkerSeverity)>,
    /// Communicators other than the world, by their number in the trace:
    /// their members' world ranks, ascending; their OTF2 number is 1 + the
    /// place in this map.
    comms: BTreeMap<u32, Vec<Rank>>,
    /// The latest timestamp written.
    pub last_tick: u64,
}

impl Definitions {
    pub fn new(comms: BTreeMap<u32, Vec<Rank>>) -> Self {
        Definitions {
            strings: Vec::new(),
            string_ids: HashMap::new(),
            regions: Vec::new(),
            region_ids: HashMap::new(),
            markers: Vec::new(),
            comms,
            last_tick: 0,
        }
    }

    fn string(&mut self, text: &str) -> u32 {
        if let Some(&id) = self.string_ids.get(text) {
            return id;
        }
        let id = self.strings.len() as u32;
        self.strings.push(text.to_string());
        self.string_ids.insert(text.to_string(), id);
        id
    }

    /// The region named `name`, defined the first time.
    pub fn region(&mut self, name: &str, role: sys::OTF2_RegionRole, mpi: bool) -> u32 {
        if let Some(&id) = self.region_ids.get(name) {
            return id;
        }
        let paradigm = if mpi {
            sys::OTF2_PARADIGM_MPI
        } else {
            sys::OTF2_PARADIGM_USER
        };
        let region = Region {
            name: self.string(name),
            role,
            paradigm: paradigm as sys::OTF2_Paradigm,
        };
        let id = self.regions.len() as u32;
        self.regions.push(region);
        self.region_ids.insert(name.to_string(), id);
        id
    }

    /// The marker of `category` at `severity`, defined the first time.
    pub fn marker(&mut self, category: &str, severity: sys::OTF2_MarkerSeverity_enum) -> u32 {
        let severity = severity as sys::OTF2_MarkerSeverity;
        let known = self
            .markers
            .iter()
            .position(|(c, s)| c == category && *s == severity);
        known.unwrap_or_else(|| {
            self.markers.push((category.to_string(), severity));
            self.markers.len() - 1
        }) as u32
    }

    /// OTF2's number of the communicator numbered `comm` in the trace.
    pub fn comm(&self, comm: u32) -> u32 {
        if comm == 0 {
            return 0;
        }
        self.comms
            .keys()
            .position(|&c| c == comm)
            .map_or(0, |i| i as u32 + 1)
    }

    /// The rank of world rank `rank` in communicator `comm` (as the trace
    /// numbers it); OTF2's "none" for a rank not in it.
    pub fn rank_in(&self, comm: u32, rank: Rank) -> u32 {
        if comm == 0 {
            return rank;
        }
        self.comms
            .get(&comm)
            .and_then(|members| members.binary_search(&rank).ok())
            .map_or(UNDEFINED_U32, |i| i as u32)
    }

    /// Writes the marker definitions to the marker writer.
    pub fn write_markers(&self, writer: *mut sys::OTF2_MarkerWriter) -> io::Result<()> {
        let group = c_text("mpi-tutor");
        for (id, (category, severity)) in self.markers.iter().enumerate() {
            let category = c_text(category);
            // SAFETY: an open marker writer; the strings outlive the call.
            check(unsafe {
                sys::OTF2_MarkerWriter_WriteDefMarker(
                    writer,
                    id as u32,
                    group.as_ptr(),
                    category.as_ptr(),
                    *severity,
                )
            })?;
        }
        Ok(())
    }

    /// Writes every global definition; `events` is the number of events of
    /// each rank.
    pub fn write(
        mut self,
        writer: *mut sys::OTF2_GlobalDefWriter,
        header: &Header,
        events: &[u64],
    ) -> io::Result<()> {
        let names = Names::new(&mut self, header);
        let global = Global(writer);
        global.clock(header, self.last_tick)?;
        for (id, text) in self.strings.iter().enumerate() {
            global.string(id as u32, text)?;
        }
        global.system_tree(&names, events)?;
        for (id, region) in self.regions.iter().enumerate() {
            global.region(id as u32, region)?;
        }
        global.communicators(&names, &self.comms, header.world_size)
    }
}

/// The strings of the fixed definitions, made before any is written.
struct Names {
    machine: u32,
    node_class: u32,
    ranks: Vec<(u32, u32)>,
    world: u32,
    comms: Vec<u32>,
    empty: u32,
}

impl Names {
    fn new(defs: &mut Definitions, header: &Header) -> Self {
        let machine = defs.string(&format!("mpi-tutor: {}", header.lesson));
        let node_class = defs.string("machine");
        let ranks = (0..header.world_size)
            .map(|rank| {
                let name = crate::view::words::rank_name(header, rank);
                (defs.string(&name), defs.string(&format!("{name} main")))
            })
            .collect();
        let world = defs.string("MPI_COMM_WORLD");
        let keys: Vec<u32> = defs.comms.keys().copied().collect();
        let comms = keys
            .iter()
            .map(|c| defs.string(&format!("communicator {c:08x}")))
            .collect();
        let empty = defs.string("");
        Names {
            machine,
            node_class,
            ranks,
            world,
            comms,
            empty,
        }
    }
}

/// The global definitions writer.
struct Global(*mut sys::OTF2_GlobalDefWriter);

impl Global {
    /// Nanoseconds from the run's start; the start as a wall-clock time.
    fn clock(&self, header: &Header, last_tick: u64) -> io::Result<()> {
        let start = header.started_unix * TICKS_PER_SECOND as f64;
        let realtime = if start.is_finite() && start >= 0.0 {
            start as u64
        } else {
            UNDEFINED_U64
        };
        // SAFETY: the open global definitions writer (as in every method).
        check(unsafe {
            sys::OTF2_GlobalDefWriter_WriteClockProperties(
                self.0,
                TICKS_PER_SECOND,
                0,
                last_tick + 1,
                realtime,
            )
        })
    }

    fn string(&self, id: u32, text: &str) -> io::Result<()> {
        let text = c_text(text);
        // SAFETY: as above; the string outlives the call.
        check(unsafe { sys::OTF2_GlobalDefWriter_WriteString(self.0, id, text.as_ptr()) })
    }

    /// One machine, a process per rank, a location (its main thread) each.
    fn system_tree(&self, names: &Names, events: &[u64]) -> io::Result<()> {
        // SAFETY: as above.
        unsafe {
            check(sys::OTF2_GlobalDefWriter_WriteSystemTreeNode(
                self.0,
                0,
                names.machine,
                names.node_class,
                UNDEFINED_U32,
            ))?;
            for (rank, &(process, thread)) in names.ranks.iter().enumerate() {
                let rank = rank as u32;
                check(sys::OTF2_GlobalDefWriter_WriteLocationGroup(
                    self.0,
                    rank,
                    process,
                    sys::OTF2_LOCATION_GROUP_TYPE_PROCESS as sys::OTF2_LocationGroupType,
                    0,
                    UNDEFINED_U32,
                ))?;
                check(sys::OTF2_GlobalDefWriter_WriteLocation(
                    self.0,
                    u64::from(rank),
                    thread,
                    sys::OTF2_LOCATION_TYPE_CPU_THREAD as sys::OTF2_LocationType,
                    events.get(rank as usize).copied().unwrap_or(0),
                    rank,
                ))?;
            }
        }
        Ok(())
    }

    fn region(&self, id: u32, region: &Region) -> io::Result<()> {
        // SAFETY: as above; the name was written as a string first.
        check(unsafe {
            sys::OTF2_GlobalDefWriter_WriteRegion(
                self.0,
                id,
                region.name,
                region.name,
                region.name,
                region.role,
                region.paradigm,
                sys::OTF2_REGION_FLAG_NONE as sys::OTF2_RegionFlag,
                UNDEFINED_U32,
                0,
                0,
            )
        })
    }

    /// The ranks' locations as MPI's, the world, and each other
    /// communicator with the group of its members.
    fn communicators(
        &self,
        names: &Names,
        comms: &BTreeMap<u32, Vec<Rank>>,
        world: Rank,
    ) -> io::Result<()> {
        let everyone: Vec<u64> = (0..u64::from(world)).collect();
        let locations = sys::OTF2_GROUP_TYPE_COMM_LOCATIONS;
        self.group(0, names.empty, locations, &everyone)?;
        self.group(1, names.world, sys::OTF2_GROUP_TYPE_COMM_GROUP, &everyone)?;
        self.comm(0, names.world, 1)?;
        for (i, members) in comms.values().enumerate() {
            let members: Vec<u64> = members.iter().map(|&r| u64::from(r)).collect();
            let (group, comm) = (i as u32 + 2, i as u32 + 1);
            let name = names.comms[i];
            self.group(group, name, sys::OTF2_GROUP_TYPE_COMM_GROUP, &members)?;
            self.comm(comm, name, group)?;
        }
        Ok(())
    }

    fn group(
        &self,
        id: u32,
        name: u32,
        kind: sys::OTF2_GroupType_enum,
        members: &[u64],
    ) -> io::Result<()> {
        // SAFETY: as above; `members` outlives the call.
        check(unsafe {
            sys::OTF2_GlobalDefWriter_WriteGroup(
                self.0,
                id,
                name,
                kind as sys::OTF2_GroupType,
                sys::OTF2_PARADIGM_MPI as sys::OTF2_Paradigm,
                sys::OTF2_GROUP_FLAG_NONE as sys::OTF2_GroupFlag,
                members.len() as u32,
                members.as_ptr(),
            )
        })
    }

    fn comm(&self, id: u32, name: u32, group: u32) -> io::Result<()> {
        let parent = if id == 0 { UNDEFINED_U32 } else { 0 };
        // SAFETY: as above.
        check(unsafe {
            sys::OTF2_GlobalDefWriter_WriteComm(
                self.0,
                id,
                name,
                group,
                parent,
                sys::OTF2_COMM_FLAG_NONE as sys::OTF2_CommFlag,
            )
        })
    }
}
