//! The lessons of the course, one file each. To add a lesson: write its
//! file (a `run` function and an `EXPLANATION`) and register it below.

use crate::probe::Comm;

mod broadcast;
mod crash;
mod deadlock;
// Public so the benchmark runs the very same computation with plain MPI.
pub mod halo;
mod hello;
mod nonblocking;
mod pool;
mod reduce;
mod ring;
mod scatter_gather;
mod send_recv;

/// Sizes a lesson can be asked to use (`--size`, `--iterations`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Params {
    pub size: Option<u32>,
    pub iterations: Option<u32>,
}

/// A parameter a lesson accepts, with its default and its bounds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Knob {
    pub default: u32,
    pub min: u32,
    pub max: u32,
}

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
    pub run: fn(&Comm, &Params),
}

pub static LESSONS: &[Lesson] = &[
    Lesson {
        name: "hello",
        title: "Ranks: one program, many processes",
        min_ranks: 1,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/hello.rs",
        source: include_str!("hello.rs"),
        explanation: hello::EXPLANATION,
        size: None,
        iterations: None,
        size_for_ranks: None,
        run: hello::run,
    },
    Lesson {
        name: "send-recv",
        title: "Send and receive: a receive waits for its message",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 5,
        file: "lessons/send_recv.rs",
        source: include_str!("send_recv.rs"),
        explanation: send_recv::EXPLANATION,
        size: None,
        iterations: None,
        size_for_ranks: None,
        run: send_recv::run,
    },
    Lesson {
        name: "ring",
        title: "Ring: a token passed from rank to rank",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/ring.rs",
        source: include_str!("ring.rs"),
        explanation: ring::EXPLANATION,
        size: None,
        iterations: Some(Knob {
            default: 2,
            min: 1,
            max: 10_000,
        }),
        size_for_ranks: None,
        run: ring::run,
    },
    Lesson {
        name: "nonblocking",
        title: "Nonblocking: compute while messages travel",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/nonblocking.rs",
        source: include_str!("nonblocking.rs"),
        explanation: nonblocking::EXPLANATION,
        size: Some(Knob {
            default: 4,
            min: 1,
            max: 1000000,
        }),
        iterations: None,
        size_for_ranks: None,
        run: nonblocking::run,
    },
    Lesson {
        name: "deadlock",
        title: "Deadlock: every rank receives first",
        min_ranks: 2,
        max_ranks: 16,
        default_ranks: 2,
        file: "lessons/deadlock.rs",
        source: include_str!("deadlock.rs"),
        explanation: deadlock::EXPLANATION,
        size: None,
        iterations: None,
        size_for_ranks: None,
        run: deadlock::run,
    },
    Lesson {
        name: "deadlock-send",
        title: "Deadlock: every rank sends a large message first",
        min_ranks: 2,
        max_ranks: 16,
        default_ranks: 2,
        file: "lessons/deadlock.rs",
        source: include_str!("deadlock.rs"),
        explanation: deadlock::EXPLANATION,
        size: Some(Knob {
            default: 131072,
            min: 1,
            max: 4194304,
        }),
        iterations: None,
        size_for_ranks: None,
        run: deadlock::run_send_first,
    },
    Lesson {
        name: "broadcast",
        title: "Broadcast: one rank's data to all",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/broadcast.rs",
        source: include_str!("broadcast.rs"),
        explanation: broadcast::EXPLANATION,
        size: None,
        iterations: None,
        size_for_ranks: None,
        run: broadcast::run,
    },
    Lesson {
        name: "scatter-gather",
        title: "Scatter and gather: hand out chunks, collect results",
        min_ranks: 1,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/scatter_gather.rs",
        source: include_str!("scatter_gather.rs"),
        explanation: scatter_gather::EXPLANATION,
        size: Some(Knob {
            default: 4,
            min: 1,
            max: 100000,
        }),
        iterations: None,
        size_for_ranks: None,
        run: scatter_gather::run,
    },
    Lesson {
        name: "reduce",
        title: "Reduce: partial sums combined into pi",
        min_ranks: 1,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/reduce.rs",
        source: include_str!("reduce.rs"),
        explanation: reduce::EXPLANATION,
        size: Some(Knob {
            default: 1000,
            min: 1,
            max: 10000000,
        }),
        iterations: None,
        size_for_ranks: None,
        run: reduce::run,
    },
    Lesson {
        name: "halo",
        title: "Halo exchange: heat diffusion on a split grid",
        min_ranks: 1,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/halo.rs",
        source: include_str!("halo.rs"),
        explanation: halo::EXPLANATION,
        size: Some(Knob {
            default: 16,
            min: 16,
            max: 256,
        }),
        iterations: Some(Knob {
            default: 6,
            min: 1,
            max: 1000,
        }),
        size_for_ranks: Some(halo::size_for_ranks),
        run: halo::run,
    },
    Lesson {
        name: "pool",
        title: "Task pool: a master feeds whichever worker is free",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/pool.rs",
        source: include_str!("pool.rs"),
        explanation: pool::EXPLANATION,
        size: Some(Knob {
            default: 12,
            min: 1,
            max: 100,
        }),
        iterations: None,
        size_for_ranks: None,
        run: pool::run,
    },
    Lesson {
        name: "crash",
        title: "Crash: one rank fails, the whole job ends",
        min_ranks: 2,
        max_ranks: 64,
        default_ranks: 4,
        file: "lessons/crash.rs",
        source: include_str!("crash.rs"),
        explanation: crash::EXPLANATION,
        size: None,
        iterations: None,
        size_for_ranks: None,
        run: crash::run,
    },
];

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
    fn halo_grows_its_grid_with_the_ranks() {
        let halo = find("halo").unwrap();
        let size_on = |n: u32, given: Option<u32>| {
            halo.params_on(
                Params {
                    size: given,
                    iterations: None,
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
