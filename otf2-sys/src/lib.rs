//! The C API of the reference OTF2 library (`libopen-trace-format2`, what
//! Score-P writes with and Vampir reads with), as bindgen generates it from
//! the installed `otf2/otf2.h` at build time. Safe use is in the caller
//! (`mpi_tutor::export::otf2`).

#![allow(non_upper_case_globals, non_camel_case_types, non_snake_case)]
#![allow(clippy::all, clippy::undocumented_unsafe_blocks)]

include!(concat!(env!("OUT_DIR"), "/otf2.rs"));
