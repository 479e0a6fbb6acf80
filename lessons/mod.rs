//! The lessons of the course, one file each. To add a lesson: write its
//! file (a `run` function and an `EXPLANATION`) and register it below.

use crate::probe::Comm;

mod hello;
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
        run: send_recv::run,
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
}
