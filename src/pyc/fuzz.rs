//! What the fuzz targets (fuzz/, cargo-fuzz) ask of the `.pyc` side, kept in
//! the library so tests/fuzz_regressions.rs replays saved inputs through the
//! very same calls without the nightly toolchain: the header reader and what
//! `pycvm inspect` derives, the marshal reader and writer, and every view
//! `pycvm dis` takes of a code object.

use super::code::CodeObject;
use super::dis::{self, DisOptions};
use super::header;
use super::marshal::{dumps, loads};
use super::repr::repr;

/// The header reader and everything `pycvm inspect` derives from it.
pub fn header(data: &[u8]) {
    let Ok(h) = header::parse(data) else {
        return;
    };
    let _ = (h.python_version(), h.implementation(), h.magic_hex());
    let _ = (h.source_mtime_utc(), h.source_hash_hex());
    let _ = header::source_hash_for(h.entry, data);
    let src = header::SourceInfo {
        bytes: data,
        mtime: i64::from(h.source_mtime.unwrap_or(0)) ^ 0x5a5a,
    };
    let _ = header::check_source(&h, src).describe();
}

/// The marshal reader, and for what it accepts: the reprs, the code views,
/// and a round trip through the writer. Err: the writer's output does not
/// read back, or write→read→write changed the stream (the fuzz oracle).
pub fn marshal(data: &[u8]) -> Result<(), String> {
    let Ok(obj) = loads(data) else {
        return Ok(());
    };
    let _ = repr(&obj);
    if let Some(co) = obj.as_code() {
        exercise_code(co);
    }
    let Ok(once) = dumps(&obj) else {
        return Ok(());
    };
    let again = loads(&once).map_err(|e| format!("the writer's output does not read back: {e}"))?;
    match dumps(&again) {
        Ok(twice) if twice == once => Ok(()),
        Ok(_) => Err("write→read→write changed the stream".into()),
        Err(e) => Err(format!("a re-read object does not write: {e}")),
    }
}

/// Every view `pycvm dis` (text and --json) takes of a code object.
pub fn exercise_code(co: &CodeObject) {
    for c in dis::all_code_objects(co) {
        let _ = c.lines();
        let _ = c.positions();
        let _ = c.exception_table();
        let _ = c.lnotab();
        let _ = dis::findlinestarts(c);
        let _ = dis::get_instructions(c, true);
        let _ = (c.varnames(), c.cellvars(), c.freevars(), c.nlocals());
        let _: Vec<String> = c.consts().iter().map(repr).collect();
    }
    for (show_caches, positions) in [(false, false), (true, true)] {
        let _ = dis::dis(
            co,
            DisOptions {
                show_caches,
                positions,
            },
        );
    }
}

/// A `.pyc` through `pycvm dis`'s calls.
pub fn dis_pyc(data: &[u8]) {
    if let Ok((_, obj)) = super::load_pyc(data) {
        if let Some(co) = obj.as_code() {
            exercise_code(co);
        }
    }
}
