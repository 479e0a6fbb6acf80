//! Reads the MPI this is built against (the headers and the library
//! `$MPICC -show` points at) and
//! - says whether it has the MPI-4 large-count calls (`MPI_Send_c`: MPICH 4
//!   has them, Open MPI 4 does not): the hooks for them are built only then
//!   (`cfg(large_count)`), since a hook calling a `PMPI_*_c` the library
//!   lacks would not load;
//! - writes `others.rs`: one "other call" trampoline (`other_hook!`,
//!   src/other.rs) for every `MPI_*` function the headers declare and the
//!   library exports as `PMPI_*`, but for the hooked ones (src/calls.rs)
//!   and the silent ones ([`SILENT`]).

mod fortran_others;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Pure queries and handle conversions: no other rank takes part, nothing
/// changes, and programs call them in hot loops (a rank's own number, the
/// time, a status's count), so showing them would flood the view and cost
/// the program time. Besides these, every name ending in one of
/// [`SILENT_ENDINGS`].
const SILENT: &[&str] = &[
    "MPI_Wtime",
    "MPI_Wtick",
    "MPI_Comm_rank",
    "MPI_Comm_size",
    "MPI_Comm_remote_size",
    "MPI_Comm_test_inter",
    "MPI_Comm_compare",
    "MPI_Comm_get_name",
    "MPI_Comm_get_attr",
    "MPI_Get_count",
    "MPI_Get_elements",
    "MPI_Get_elements_x",
    "MPI_Type_size",
    "MPI_Type_size_x",
    "MPI_Type_get_extent",
    "MPI_Type_get_extent_x",
    "MPI_Type_get_true_extent",
    "MPI_Type_get_true_extent_x",
    "MPI_Type_get_name",
    "MPI_Type_get_envelope",
    "MPI_Type_get_contents",
    "MPI_Group_size",
    "MPI_Group_rank",
    "MPI_Initialized",
    "MPI_Finalized",
    "MPI_Query_thread",
    "MPI_Is_thread_main",
    "MPI_Get_version",
    "MPI_Get_library_version",
    "MPI_Error_string",
    "MPI_Error_class",
    "MPI_Get_address",
    "MPI_Aint_add",
    "MPI_Aint_diff",
    "MPI_Request_get_status",
    "MPI_Status_set_cancelled",
    "MPI_Status_set_elements",
    "MPI_Status_set_elements_x",
    "MPI_Test_cancelled",
    "MPI_Topo_test",
    "MPI_Cartdim_get",
    "MPI_Cart_get",
    "MPI_Cart_rank",
    "MPI_Cart_coords",
    // Not queries, but settings of how errors are reported that mpi4py
    // makes on import in every program: each Python rank would start with
    // two calls its student never wrote.
    "MPI_Comm_set_errhandler",
    "MPI_Errhandler_set",
];

/// Handle conversions between C and Fortran (Fortran bindings and mpi4py
/// make them around every call), and the large-count forms of the queries.
const SILENT_ENDINGS: &[&str] = &["_c2f", "_f2c", "_c2f08", "_f082c", "_f082f", "_f2f08"];

fn main() {
    println!("cargo:rustc-check-cfg=cfg(large_count)");
    println!("cargo:rerun-if-env-changed=MPICC");
    println!("cargo:rerun-if-changed=build.rs");
    println!("cargo:rerun-if-changed=src/calls.rs");
    println!("cargo:rerun-if-changed=src/fortran.rs");
    let shown = mpicc_show();
    // Which Fortran hooks the library needs (src/fortran.rs).
    let family = if shown.contains("-lmpich") {
        "mpich"
    } else {
        "openmpi"
    };
    println!("cargo:rustc-check-cfg=cfg(mpi_family, values(\"mpich\", \"openmpi\"))");
    println!("cargo:rustc-cfg=mpi_family=\"{family}\"");
    let headers = headers(&shown);
    if headers.iter().any(|h| declares_large_count(h)) {
        println!("cargo:rustc-cfg=large_count");
    }
    let declared = declared_functions(&headers);
    let exported = exported_pmpi(&shown);
    let hooked = hooked_names();
    let mut others: Vec<Other> = declared
        .iter()
        .filter(|name| exported.contains(&format!("P{name}")))
        .filter(|name| !hooked.contains(*name) && !is_silent(name))
        .map(|name| Other::plain(name))
        .collect();
    let shown_calls = declared.iter().filter(|name| !is_silent(name));
    others.extend(fortran_others::others(
        family,
        &library_dirs(&shown),
        shown_calls,
    ));
    let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
    std::fs::write(out.join("others.rs"), others_source(&others)).expect("OUT_DIR is writable");
}

/// What the compiler wrapper adds to a compile line (`-I`, `-L`, `-l`).
fn mpicc_show() -> String {
    let mpicc = std::env::var("MPICC").unwrap_or_else(|_| "mpicc".into());
    Command::new(&mpicc)
        .arg("-show")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .or_else(|| Command::new(&mpicc).arg("--showme").output().ok())
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default()
}

/// The words of `shown` that start with `flag`, without it.
fn flagged<'a>(shown: &'a str, flag: &'a str) -> impl Iterator<Item = &'a str> {
    shown
        .split_whitespace()
        .filter_map(move |w| w.strip_prefix(flag))
}

/// The MPI headers the compiler wrapper points at.
fn headers(shown: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = flagged(shown, "-I").map(PathBuf::from).collect();
    dirs.push(PathBuf::from("/usr/include"));
    dirs.iter()
        .flat_map(|d| ["mpi.h", "mpi_proto.h", "mpio.h"].map(|h| d.join(h)))
        .filter(|p| p.is_file())
        .collect()
}

fn declares_large_count(header: &Path) -> bool {
    std::fs::read_to_string(header).is_ok_and(|text| text.contains("PMPI_Send_c("))
}

/// Every `MPI_Name(` the headers declare as a function (a return type
/// before it), sorted.
fn declared_functions(headers: &[PathBuf]) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    for header in headers {
        let text = std::fs::read_to_string(header).unwrap_or_default();
        for line in text.lines() {
            let Some(at) = line.find(" MPI_") else {
                continue;
            };
            let before = line[..at].trim();
            let returns = before.ends_with("int") || before.ends_with("double");
            let rest = &line[at + 1..];
            let end = rest
                .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                .unwrap_or(rest.len());
            let (name, after) = rest.split_at(end);
            if returns && after.trim_start().starts_with('(') && !before.contains('#') {
                names.insert(name.to_string());
            }
        }
    }
    names
}

/// The `PMPI_*` functions the MPI library exports (`nm -D`): a trampoline
/// to one it lacks would keep the interposer from loading.
fn exported_pmpi(shown: &str) -> BTreeSet<String> {
    let dirs = library_dirs(shown);
    let libraries = flagged(shown, "-l").filter(|l| l.starts_with("mpi"));
    let mut exported = BTreeSet::new();
    for library in libraries {
        let Some(file) = dirs
            .iter()
            .map(|d| d.join(format!("lib{library}.so")))
            .find(|f| f.exists())
        else {
            continue;
        };
        exported.extend(
            symbols(&file, "--defined-only")
                .into_iter()
                .filter(|s| s.starts_with("PMPI_")),
        );
    }
    exported
}

/// Where the compiler wrapper and the system keep libraries.
fn library_dirs(shown: &str) -> Vec<PathBuf> {
    let mut dirs: Vec<PathBuf> = flagged(shown, "-L").map(PathBuf::from).collect();
    dirs.extend(["/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/usr/lib"].map(PathBuf::from));
    dirs
}

/// The dynamic symbols of library `file` that `nm -D` lists with `which`
/// (`--defined-only`, `--undefined-only`).
fn symbols(file: &Path, which: &str) -> BTreeSet<String> {
    println!("cargo:rerun-if-changed={}", file.display());
    let Ok(listed) = Command::new("nm").args(["-D", which]).arg(file).output() else {
        println!("cargo:warning=no nm: other MPI calls will not be shown");
        return BTreeSet::new();
    };
    String::from_utf8_lossy(&listed.stdout)
        .lines()
        .filter_map(|l| l.split_whitespace().last())
        .map(str::to_string)
        .collect()
}

/// The names src/calls.rs hooks itself (`hook!(MPI_Send => ...)`).
fn hooked_names() -> BTreeSet<String> {
    names_given_to("src/calls.rs", "hook!(")
}

/// The first word after `opening` (a macro's name and parenthesis) on
/// each line of the hooks crate's `file` that begins with it.
fn names_given_to(file: &str, opening: &str) -> BTreeSet<String> {
    let source = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("hooks/{file}: {e}"));
    source
        .lines()
        .filter_map(|l| l.trim().strip_prefix(opening))
        .filter_map(|l| l.split_whitespace().next())
        .map(str::to_string)
        .collect()
}

fn is_silent(name: &str) -> bool {
    let plain = name.strip_suffix("_c").unwrap_or(name);
    SILENT.contains(&plain) || SILENT_ENDINGS.iter().any(|e| name.ends_with(e))
}

/// One other call's trampoline: the symbol it defines, the function it
/// jumps to, and the call's name as shown.
pub struct Other {
    symbol: String,
    target: String,
    name: String,
}

impl Other {
    /// C's `MPI_Name`, to `PMPI_Name`.
    fn plain(name: &str) -> Other {
        Other {
            symbol: name.to_string(),
            target: format!("P{name}"),
            name: name.to_string(),
        }
    }
}

/// The names, and one trampoline for each to its target.
fn others_source(others: &[Other]) -> String {
    let mut source =
        String::from("/// The other calls' names, by the index their trampoline passes.\n");
    source.push_str(&format!("pub static NAMES: [&str; {}] = [\n", others.len()));
    for other in others {
        source.push_str(&format!("    \"{}\",\n", other.name));
    }
    source.push_str("];\n\n#[allow(clashing_extern_declarations)]\nextern \"C\" {\n");
    let targets: BTreeSet<&String> = others.iter().map(|o| &o.target).collect();
    for target in targets {
        source.push_str(&format!("    fn {target}();\n"));
    }
    source.push_str("}\n\n");
    for (index, other) in others.iter().enumerate() {
        let (symbol, target) = (&other.symbol, &other.target);
        source.push_str(&format!("other_hook!({symbol}, {target}, {index});\n"));
    }
    source
}
