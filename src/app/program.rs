//! What is running, as rank 0's app knows it: a name, a title, the source
//! files, an explanation and the parameters. A built-in lesson is one such
//! program (its file's text is built in); a recorded run names its program
//! in the trace's header; a program that is not a lesson brings its files
//! from disk. Live, headless and replay all work from this description.

use std::path::Path;

use crate::lessons::{self, Lesson, Params};
use crate::model::Model;
use crate::trace::Header;
use crate::view::{self, LessonInfo};

/// The header parameter naming a source file of a program that is not a
/// lesson (a watched program's), read from disk again on replay.
pub const SOURCE_PARAM: &str = "source";

/// One source file of the program, with the path its call sites name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    /// `lessons/send_recv.rs`, or a path as the compiler saw it.
    pub path: String,
    pub text: String,
}

impl SourceFile {
    /// A program's file from disk, named by `path` as its call sites name
    /// it (a file that is not UTF-8 is shown with replacement characters).
    pub fn read(path: &Path) -> std::io::Result<SourceFile> {
        let bytes = std::fs::read(path)?;
        Ok(SourceFile {
            path: path.display().to_string(),
            text: String::from_utf8_lossy(&bytes).into_owned(),
        })
    }
}

/// The program rank 0 shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Program {
    /// `send-recv`: the name in the trace and on the status bar.
    pub name: String,
    /// One line on what it shows; None for a program this version does not
    /// know (the view words that).
    pub title: Option<String>,
    /// The files the view can show; the first when no rank is in any.
    pub sources: Vec<SourceFile>,
    /// Goal, what to watch for, exercises; empty when there is none.
    pub explanation: String,
    /// The parameters as given (`size` = `64`...), in the trace's header.
    pub params: Vec<(String, String)>,
}

impl Program {
    /// A built-in lesson run with `params`.
    pub fn lesson(lesson: &Lesson, params: &Params) -> Program {
        let numbers = [("size", params.size), ("iterations", params.iterations)];
        let params = numbers
            .iter()
            .filter_map(|(k, v)| v.map(|v| (k.to_string(), v.to_string())))
            .chain(
                params
                    .variant
                    .map(|v| ("variant".to_string(), v.to_string())),
            )
            .collect();
        Program {
            name: lesson.name.to_string(),
            title: Some(lesson.title.to_string()),
            sources: vec![SourceFile {
                path: lesson.file.to_string(),
                text: lesson.source.to_string(),
            }],
            explanation: lesson.explanation.to_string(),
            params,
        }
    }

    /// The program a recorded run names: the built-in lesson's text when
    /// this version knows the lesson, else only its name.
    pub fn from_header(header: &Header) -> Program {
        // A watched program's recording has its title, whatever its name.
        match lessons::find(&header.lesson).filter(|_| header.title.is_none()) {
            Some(lesson) => Program {
                params: header.params.clone(),
                ..Program::lesson(lesson, &Params::default())
            },
            None => Program {
                name: header.lesson.clone(),
                title: header.title.clone(),
                sources: files_named_in(header),
                explanation: header.explanation.clone(),
                params: header.params.clone(),
            },
        }
    }

    /// The header of a run of this program, on `hosts` (one a rank).
    pub fn header(
        &self,
        world_size: u32,
        mpi_library: &str,
        started_unix: f64,
        hosts: &[String],
    ) -> Header {
        let mut header = Header::new(&self.name, world_size, mpi_library, started_unix);
        header.params = self.params.clone();
        header.hosts = hosts.to_vec();
        if !self.is_built_in() {
            header.title = self.title.clone();
            header.explanation = self.explanation.clone();
        }
        header
    }

    /// Whether this is a built-in lesson, which a recording names only.
    fn is_built_in(&self) -> bool {
        lessons::find(&self.name).is_some_and(|l| self.title.as_deref() == Some(l.title))
    }

    /// The source file whose path a call site names, if it is one of ours.
    pub fn source_of(&self, site_file: &str) -> Option<&SourceFile> {
        self.sources.iter().find(|s| same_file(site_file, &s.path))
    }

    /// The file to show: the one `focused` is at, else the one of the
    /// first running rank that is in one of our files, else the first.
    pub fn shown_source(&self, model: &Model, focused: Option<u32>) -> Option<&SourceFile> {
        let running = model.ranks().iter().filter(|r| !r.is_terminal());
        let focused_first = running
            .clone()
            .filter(|r| Some(r.rank) == focused)
            .chain(running);
        focused_first
            .filter_map(|r| r.site.as_ref())
            .find_map(|site| self.source_of(&site.file))
            .or(self.sources.first())
    }

    /// What the view shows of the program, with `file` as its source pane.
    pub fn info<'a>(&'a self, file: Option<&'a SourceFile>) -> LessonInfo<'a> {
        LessonInfo {
            name: &self.name,
            title: self.title.as_deref().unwrap_or(view::UNKNOWN_TITLE),
            file: file.map_or("", |f| f.path.as_str()),
            source: file.map_or("", |f| f.text.as_str()),
            explanation: &self.explanation,
        }
    }
}

/// The source files a header names that are still on disk.
fn files_named_in(header: &Header) -> Vec<SourceFile> {
    header
        .params
        .iter()
        .filter(|(key, _)| key == SOURCE_PARAM)
        .filter_map(|(_, path)| SourceFile::read(Path::new(path)).ok())
        .collect()
}

/// The same file: the same path, or the same file name (a path as another
/// build wrote it).
fn same_file(site: &str, path: &str) -> bool {
    site == path || view::base_name(site) == view::base_name(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::fixtures::{site, Script};
    use crate::trace::{Op, Source, TagSel};

    fn two_files() -> Program {
        let file = |path: &str, text: &str| SourceFile {
            path: path.into(),
            text: text.into(),
        };
        Program {
            name: "pair".into(),
            title: Some("Two files".into()),
            sources: vec![file("src/main.c", "main"), file("src/halo.c", "halo")],
            explanation: String::new(),
            params: Vec::new(),
        }
    }

    #[test]
    fn a_lesson_run_and_its_recording_describe_the_same_program() {
        let lesson = lessons::find("ring").unwrap();
        let params = lesson.params(Params::default()).unwrap();
        let live = Program::lesson(lesson, &params);
        assert_eq!(live.params, vec![("iterations".into(), "2".into())]);
        let hosts = ["a", "a", "b", "b"].map(String::from);
        let header = live.header(4, "MPICH", 0.0, &hosts);
        assert_eq!(header.host(2), Some("b"));
        assert_eq!(header.lesson, "ring");
        assert_eq!(Program::from_header(&header), live);
        let shown = live.info(live.sources.first());
        assert_eq!(shown.file, "lessons/ring.rs");
        assert_eq!(shown.source, lesson.source);
    }

    #[test]
    fn a_watched_program_and_its_recording_describe_the_same_program() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ring.c");
        std::fs::write(&path, "MPI_Send(...);\n").unwrap();
        let watched = Program {
            // Named as typed: a lesson's name is still the student's program.
            name: "ring".into(),
            title: Some(view::words::WATCHED_TITLE.into()),
            sources: vec![SourceFile::read(&path).unwrap()],
            explanation: String::new(),
            params: vec![(SOURCE_PARAM.into(), path.display().to_string())],
        };
        let header = watched.header(2, "MPICH", 0.0, &[]);
        assert_eq!(Program::from_header(&header), watched);
        let without_lines = Program {
            name: "./a.out".into(),
            sources: Vec::new(),
            explanation: view::words::NO_LINES.into(),
            params: Vec::new(),
            ..watched
        };
        let header = without_lines.header(2, "MPICH", 0.0, &[]);
        let replayed = Program::from_header(&header);
        assert_eq!(replayed, without_lines);
        assert_eq!(replayed.info(None).title, view::words::WATCHED_TITLE);
    }

    #[test]
    fn a_recorded_program_this_version_does_not_know_keeps_its_name() {
        let program = Program::from_header(&Header::new("mystery", 2, "MPICH", 0.0));
        assert!(program.sources.is_empty());
        let shown = program.info(None);
        assert_eq!((shown.name, shown.source), ("mystery", ""));
        assert_eq!(shown.title, view::UNKNOWN_TITLE);
    }

    #[test]
    fn a_file_from_disk_is_named_as_given() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ring.c");
        std::fs::write(&path, "MPI_Send(...);\n").unwrap();
        let file = SourceFile::read(&path).unwrap();
        assert_eq!(file.path, path.display().to_string());
        assert_eq!(file.text, "MPI_Send(...);\n");
        assert!(SourceFile::read(&dir.path().join("gone.c")).is_err());
    }

    #[test]
    fn the_source_pane_shows_the_file_the_focused_rank_is_in() {
        let program = two_files();
        let mut s = Script::new("pair", 2);
        for (rank, file) in [(0, "src/main.c"), (1, "/home/me/pair/src/halo.c")] {
            let mut call = s.recv_call(Op::Recv, rank, Source::Any, TagSel::Any, 1, 3);
            call.site = site(file, 3);
            s.begin(rank, &call);
        }
        let m = s.model();
        let path = |focused| program.shown_source(&m, focused).map(|f| f.path.as_str());
        assert_eq!(
            path(Some(1)),
            Some("src/halo.c"),
            "the same file built elsewhere"
        );
        assert_eq!(path(Some(0)), Some("src/main.c"));
        assert_eq!(path(None), Some("src/main.c"), "the first rank's file");
    }
}
