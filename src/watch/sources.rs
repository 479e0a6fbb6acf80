//! The program's own source files, as its debug information names them
//! (one per compilation unit), for the source pane: a program of several
//! files shows whichever file a rank's call is in.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use addr2line::gimli;
use object::{Object, ObjectSection};

/// The source files of the program `exe` that are on disk, outside the
/// system's directories (the C library's start files have units too).
pub fn of(exe: &Path) -> Vec<PathBuf> {
    let Ok(data) = std::fs::read(exe) else {
        return Vec::new();
    };
    let mut files = unit_files(&data).unwrap_or_default();
    files.retain(|f| f.is_file() && !f.starts_with("/usr"));
    files.dedup();
    files
}

/// The file of each compilation unit, joined to the directory it was
/// compiled in.
fn unit_files(data: &[u8]) -> Result<Vec<PathBuf>, gimli::Error> {
    let Ok(file) = object::File::parse(data) else {
        return Ok(Vec::new());
    };
    let endian = if file.is_little_endian() {
        gimli::RunTimeEndian::Little
    } else {
        gimli::RunTimeEndian::Big
    };
    let load = |id: gimli::SectionId| -> Result<Cow<'_, [u8]>, gimli::Error> {
        let bytes = file.section_by_name(id.name()).and_then(|s| s.data().ok());
        Ok(Cow::Borrowed(bytes.unwrap_or(&[])))
    };
    let sections = gimli::DwarfSections::load(load)?;
    let dwarf = sections.borrow(|s| gimli::EndianSlice::new(s, endian));
    let mut units = dwarf.units();
    let mut files = Vec::new();
    while let Some(header) = units.next()? {
        let unit = dwarf.unit(header)?;
        let text = |s: Option<gimli::EndianSlice<'_, gimli::RunTimeEndian>>| {
            s.map(|s| String::from_utf8_lossy(s.slice()).into_owned())
        };
        if let Some(name) = text(unit.name) {
            let dir = text(unit.comp_dir).unwrap_or_default();
            files.push(Path::new(&dir).join(name));
        }
    }
    Ok(files)
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_program_without_debug_information_has_no_files() {
        let ls = super::super::check::find_program("ls").unwrap();
        assert!(super::of(&ls).is_empty());
    }
}
