//! The lessons of the course, one file each. A lesson file declares
//! itself (`pub const LESSON: Lesson = Lesson::new(..)` at its bottom) and
//! takes one line in `course!` below.

use std::ops::RangeInclusive;

use crate::probe::Comm;

/// A lesson file as the view shows it: its path as call sites name it
/// (`lessons/send_recv.rs`) and its text, built in. Used by the lesson's
/// own declaration: `lesson_file!("send_recv.rs")`.
macro_rules! lesson_file {
    ($name:literal) => {
        $crate::lessons::LessonFile {
            path: concat!("lessons/", $name),
            text: include_str!($name),
        }
    };
}

/// The lesson modules and, in `mpi-tutor list` order, the lessons each
/// declares (`deadlock.rs` holds two).
macro_rules! course {
    ($($module:ident: $($lesson:ident)+,)*) => {
        $(pub mod $module;)*

        /// Every lesson of the course, without its body (see
        /// [`Lesson::about`]).
        pub static LESSONS: &[Lesson] = &[$($($module::$lesson.about(),)+)*];

        /// Each lesson's body, in the order of [`LESSONS`].
        static BODIES: &[Body] = &[$($($module::$lesson.body(),)+)*];
    };
}

// The modules are public so the benchmarks can run the very same
// computation with plain MPI (`halo`).
course! {
    hello: LESSON,
    send_recv: LESSON,
    ring: LESSON,
    nonblocking: LESSON,
    deadlock: LESSON SEND_FIRST,
    broadcast: LESSON,
    scatter_gather: LESSON,
    reduce: LESSON,
    halo: LESSON,
    pool: LESSON,
    crash: LESSON,
    sendrecv: LESSON,
    probe: LESSON,
    barrier: LESSON,
    allgather: LESSON,
    alltoall: LESSON,
    scan: LESSON,
    one_sided: LESSON,
    nonblocking_collectives: LESSON,
    datatypes: LESSON,
    ping_pong: LESSON,
    comm_split: LESSON,
    scaling: LESSON,
}

/// Sizes a lesson can be asked to use (`--size`, `--iterations`) and the
/// variant it runs (`--variant`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Params {
    pub size: Option<u32>,
    pub iterations: Option<u32>,
    /// One of the lesson's [`Lesson::variants`], by name; None: as written.
    pub variant: Option<&'static str>,
}

/// The parts of the course, in the order `mpi-tutor list` shows them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Basics,
    PointToPoint,
    Collectives,
    CommunicatorsAndTypes,
    OneSided,
    Performance,
}

impl Section {
    /// Every section, in course order.
    pub const ALL: [Section; 6] = [
        Section::Basics,
        Section::PointToPoint,
        Section::Collectives,
        Section::CommunicatorsAndTypes,
        Section::OneSided,
        Section::Performance,
    ];

    /// The heading in `mpi-tutor list`.
    pub fn heading(self) -> &'static str {
        match self {
            Section::Basics => "basics",
            Section::PointToPoint => "point-to-point",
            Section::Collectives => "collectives",
            Section::CommunicatorsAndTypes => "communicators and types",
            Section::OneSided => "one-sided",
            Section::Performance => "performance",
        }
    }
}

/// A parameter a lesson accepts, with its default and its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knob {
    pub default: u32,
    pub min: u32,
    pub max: u32,
}

impl Knob {
    /// `Knob::new(4, 1..=1000)`: 4 unless asked for another in 1..=1000.
    pub const fn new(default: u32, bounds: RangeInclusive<u32>) -> Knob {
        Knob {
            default,
            min: *bounds.start(),
            max: *bounds.end(),
        }
    }
}

/// A lesson's source file: built into the program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LessonFile {
    /// As call sites name it: `lessons/send_recv.rs`.
    pub path: &'static str,
    pub text: &'static str,
}

/// What every rank of a lesson runs, through the instrumented communicator.
pub type Body = fn(&Comm, &Params);

pub struct Lesson {
    /// The name on the command line: `mpi-tutor lesson send-recv`.
    pub name: &'static str,
    pub title: &'static str,
    pub min_ranks: u32,
    pub max_ranks: u32,
    pub default_ranks: u32,
    /// Path of the source as the view shows it.
    pub file: &'static str,
    pub source: &'static str,
    /// Goal, what to watch for, exercises.
    pub explanation: &'static str,
    pub size: Option<Knob>,
    pub iterations: Option<Knob>,
    /// For a `--size` that must grow with the rank count (halo: the grid
    /// needs a row per row of ranks): (smallest size, default size) on
    /// that many ranks. The knob's own bounds still hold.
    pub size_for_ranks: Option<fn(u32) -> (u32, u32)>,
    /// What every rank runs: as the lesson file declares it; `None` in
    /// [`LESSONS`] (see [`Lesson::about`]).
    run: Option<Body>,
    /// The named changes the lesson can run with (`--variant NAME`), each
    /// with one line on what it changes: its exercises without editing.
    pub variants: &'static [(&'static str, &'static str)],
    /// Where `mpi-tutor list` shows the lesson.
    pub section: Section,
}

impl Lesson {
    /// A lesson on 1 to 64 ranks (4 by default) without knobs; the
    /// methods below say otherwise.
    pub const fn new(
        name: &'static str,
        title: &'static str,
        file: LessonFile,
        explanation: &'static str,
        run: Body,
    ) -> Lesson {
        Lesson {
            name,
            title,
            min_ranks: 1,
            max_ranks: 64,
            default_ranks: 4,
            file: file.path,
            source: file.text,
            explanation,
            size: None,
            iterations: None,
            size_for_ranks: None,
            run: Some(run),
            variants: &[],
            section: Section::Basics,
        }
    }

    /// The rank counts the lesson runs on, and the one it starts with.
    pub const fn ranks(mut self, counts: RangeInclusive<u32>, default: u32) -> Lesson {
        self.min_ranks = *counts.start();
        self.max_ranks = *counts.end();
        self.default_ranks = default;
        self
    }

    /// What `--size` means to the lesson.
    pub const fn size(mut self, knob: Knob) -> Lesson {
        self.size = Some(knob);
        self
    }

    /// What `--iterations` means to the lesson.
    pub const fn iterations(mut self, knob: Knob) -> Lesson {
        self.iterations = Some(knob);
        self
    }

    /// A `--size` that grows with the rank count (see the field).
    pub const fn size_for_ranks(mut self, rule: fn(u32) -> (u32, u32)) -> Lesson {
        self.size_for_ranks = Some(rule);
        self
    }

    /// The lesson's variants: (name, what it changes).
    pub const fn variants(mut self, v: &'static [(&'static str, &'static str)]) -> Lesson {
        self.variants = v;
        self
    }

    /// The section `mpi-tutor list` shows the lesson in.
    pub const fn section(mut self, section: Section) -> Lesson {
        self.section = section;
        self
    }

    /// The lesson without its body: what the course table holds, so that
    /// the `mpi-tutor` users type, which lists, checks and launches
    /// lessons, reaches no lesson code and so links no MPI library (its
    /// start-up is a watched job's). The ranks find the body with
    /// [`body_of`].
    const fn about(mut self) -> Lesson {
        self.run = None;
        self
    }

    /// The body the lesson file declared.
    const fn body(&self) -> Body {
        match self.run {
            Some(body) => body,
            None => panic!("a lesson declared without a body"),
        }
    }
}

/// What every rank of `lesson` runs.
pub fn body_of(lesson: &Lesson) -> Body {
    let at = LESSONS
        .iter()
        .position(|l| l.name == lesson.name)
        .expect("every lesson is in the course");
    BODIES[at]
}

pub fn find(name: &str) -> Option<&'static Lesson> {
    LESSONS.iter().find(|l| l.name == name)
}

/// `hello, send-recv, ...` for error messages.
pub fn names() -> String {
    LESSONS
        .iter()
        .map(|l| l.name)
        .collect::<Vec<_>>()
        .join(", ")
}

impl Lesson {
    /// Checks the rank count; the error says what to run instead.
    pub fn check_ranks(&self, size: u32) -> Result<(), String> {
        if size < self.min_ranks || size > self.max_ranks {
            let need = if size < self.min_ranks {
                format!("at least {}", self.min_ranks)
            } else {
                format!("at most {}", self.max_ranks)
            };
            return Err(format!(
                "lesson {} needs {need} ranks, not {size}: run `mpiexec -n {} mpi-tutor lesson {}`",
                self.name, self.default_ranks, self.name
            ));
        }
        Ok(())
    }

    /// `2-64 ranks (default 5)`
    pub fn ranks_text(&self) -> String {
        format!(
            "{}-{} ranks (default {})",
            self.min_ranks, self.max_ranks, self.default_ranks
        )
    }

    /// Fills in defaults and checks bounds of `--size`/`--iterations`.
    pub fn params(&self, given: Params) -> Result<Params, String> {
        let one = |knob: Option<Knob>, v: Option<u32>, flag: &str| match (knob, v) {
            (None, Some(_)) => Err(format!("lesson {} has no {flag}", self.name)),
            (None, None) => Ok(None),
            (Some(k), None) => Ok(Some(k.default)),
            (Some(k), Some(v)) if v < k.min || v > k.max => Err(format!(
                "{flag} {v} is out of range for lesson {}: use {} to {}",
                self.name, k.min, k.max
            )),
            (Some(_), Some(v)) => Ok(Some(v)),
        };
        Ok(Params {
            size: one(self.size, given.size, "--size")?,
            iterations: one(self.iterations, given.iterations, "--iterations")?,
            variant: given.variant,
        })
    }

    /// The variant called `name`, as the lesson declares it; the error
    /// names the ones there are.
    pub fn variant_named(&self, name: &str) -> Result<&'static str, String> {
        if let Some((known, _)) = self.variants.iter().find(|(v, _)| *v == name) {
            return Ok(known);
        }
        let known: Vec<&str> = self.variants.iter().map(|(v, _)| *v).collect();
        Err(if known.is_empty() {
            format!("lesson {} has no variants, so no '{name}'", self.name)
        } else {
            format!(
                "lesson {} has no variant '{name}'; its variants are: {}",
                self.name,
                known.join(", ")
            )
        })
    }

    /// [`Lesson::params`] on `ranks` ranks: a size that depends on the rank
    /// count gets the default for that count, or is refused when too small.
    pub fn params_on(&self, given: Params, ranks: u32) -> Result<Params, String> {
        let mut p = self.params(given)?;
        if let (Some(rule), Some(knob)) = (self.size_for_ranks, self.size) {
            let (min, default) = rule(ranks);
            match given.size {
                Some(s) if s < min => {
                    return Err(format!(
                        "--size {s} is too small for lesson {} on {ranks} ranks: use at least {min} (default {default})",
                        self.name
                    ))
                }
                Some(_) => {}
                None => p.size = Some(default.clamp(knob.min, knob.max)),
            }
        }
        Ok(p)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Lessons that are meant to fail: they need no self-check.
    const NO_CHECK: &[&str] = &["deadlock", "deadlock-send", "crash"];

    #[test]
    fn every_lesson_is_complete() {
        let mut names = std::collections::HashSet::new();
        for l in LESSONS {
            assert!(names.insert(l.name), "{}: registered twice", l.name);
            assert!(!l.title.is_empty(), "{}: no title", l.name);
            let e = l.explanation;
            for part in ["GOAL", "WATCH FOR", "EXERCISES"] {
                assert!(e.contains(part), "{}: explanation lacks {part}", l.name);
            }
            assert!(
                1 <= l.min_ranks
                    && l.min_ranks <= l.default_ranks
                    && l.default_ranks <= l.max_ranks,
                "{}: bad rank range {}",
                l.name,
                l.ranks_text()
            );
            for knob in [l.size, l.iterations].into_iter().flatten() {
                assert!(
                    knob.min <= knob.default && knob.default <= knob.max,
                    "{}: bad knob {knob:?}",
                    l.name
                );
            }
            assert!(
                l.file.starts_with("lessons/"),
                "{}: file {}",
                l.name,
                l.file
            );
            assert!(!l.source.is_empty(), "{}: no source", l.name);
            if !NO_CHECK.contains(&l.name) {
                assert!(
                    l.source.contains("world.check("),
                    "{}: the lesson never checks its result",
                    l.name
                );
            }
        }
    }

    #[test]
    fn every_lesson_file_is_in_the_course() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("lessons");
        for entry in std::fs::read_dir(dir).expect("the lessons folder") {
            let name = entry.expect("a lesson file").file_name();
            let name = name.to_string_lossy();
            if !name.ends_with(".rs") || name == "mod.rs" {
                continue;
            }
            let path = format!("lessons/{name}");
            assert!(
                LESSONS.iter().any(|l| l.file == path),
                "{path} declares no lesson of the course: add it to `course!`"
            );
        }
    }

    #[test]
    fn halo_grows_its_grid_with_the_ranks() {
        let halo = find("halo").unwrap();
        let size_on = |n: u32, given: Option<u32>| {
            halo.params_on(
                Params {
                    size: given,
                    ..Params::default()
                },
                n,
            )
            .map(|p| p.size.unwrap())
        };
        // Up to 16 ranks the classroom grid: 16 x 16.
        for n in [1, 2, 4, 6, 16] {
            assert_eq!(size_on(n, None), Ok(16), "{n} ranks");
        }
        // 8 x 8 ranks: blocks of 4 x 4. 32 = 8 x 4 ranks: 4 x 8.
        assert_eq!(size_on(64, None), Ok(32));
        assert_eq!(size_on(32, None), Ok(32));
        // A prime count: strips, each at least a row of the grid.
        assert_eq!(size_on(61, None), Ok(244));
        assert_eq!(size_on(61, Some(61)), Ok(61));
        let refused = size_on(61, Some(60)).unwrap_err();
        assert!(refused.contains("at least 61"), "{refused}");
        // What was asked for, when it is enough.
        assert_eq!(size_on(64, Some(16)), Ok(16));
        // Lessons without such a rule keep their defaults on any count.
        let ring = find("ring").unwrap();
        for n in [2, 32, 64] {
            assert_eq!(
                ring.params_on(Params::default(), n),
                ring.params(Params::default())
            );
        }
        // Every lesson of the course runs on 64 ranks, but the deadlocks.
        for l in LESSONS.iter().filter(|l| !l.name.starts_with("deadlock")) {
            assert!(l.max_ranks >= 64, "{}: {}", l.name, l.ranks_text());
            assert!(
                l.params_on(Params::default(), l.max_ranks).is_ok(),
                "{}",
                l.name
            );
        }
    }
}
