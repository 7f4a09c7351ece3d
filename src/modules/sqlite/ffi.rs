//! Owners of SQLite's handles (a database, a prepared statement) over
//! `libsqlite3-sys` (SQLite's amalgamation, compiled in): every call into
//! the C library that takes a handle lives here, behind safe methods.

use std::cell::Cell;
use std::ffi::{c_char, c_int, CStr, CString};

use libsqlite3_sys as ffi;

extern "C" {
    // In the amalgamation, left out of the crate's bindings.
    fn sqlite3_close_v2(db: *mut ffi::sqlite3) -> c_int;
}

pub use ffi::{SQLITE_BLOB, SQLITE_DONE, SQLITE_FLOAT, SQLITE_INTEGER, SQLITE_NULL, SQLITE_ROW};

/// An open database (`sqlite3*`); closed with `sqlite3_close_v2`, so
/// statements still alive keep it as a zombie until they are finalized.
pub struct Db {
    ptr: Cell<*mut ffi::sqlite3>,
}

/// Copy a C string SQLite returned (NULL gives None).
fn c_text(p: *const c_char) -> Option<Vec<u8>> {
    if p.is_null() {
        return None;
    }
    // SAFETY: SQLite returns NUL-terminated strings that stay valid until
    // the next call on the same handle; we copy at once.
    Some(unsafe { CStr::from_ptr(p) }.to_bytes().to_vec())
}

/// The library version (`sqlite3_libversion`).
pub fn libversion() -> String {
    // SAFETY: returns a static NUL-terminated string.
    let p = unsafe { ffi::sqlite3_libversion() };
    String::from_utf8_lossy(&c_text(p).unwrap_or_default()).into_owned()
}

/// The English text of result code `rc` (`sqlite3_errstr`).
pub fn errstr(rc: c_int) -> String {
    // SAFETY: returns a static NUL-terminated string for any code.
    let p = unsafe { ffi::sqlite3_errstr(rc) };
    String::from_utf8_lossy(&c_text(p).unwrap_or_default()).into_owned()
}

/// `sqlite3_complete`.
pub fn complete(sql: &CStr) -> bool {
    // SAFETY: sql is a valid NUL-terminated string.
    unsafe { ffi::sqlite3_complete(sql.as_ptr()) != 0 }
}

impl Db {
    /// `sqlite3_open_v2(path, READWRITE|CREATE[|URI])`; on failure the
    /// result code and message.
    pub fn open(path: &CStr, uri: bool) -> Result<Db, (c_int, String)> {
        let mut p: *mut ffi::sqlite3 = std::ptr::null_mut();
        let mut flags = ffi::SQLITE_OPEN_READWRITE | ffi::SQLITE_OPEN_CREATE;
        if uri {
            flags |= ffi::SQLITE_OPEN_URI;
        }
        // SAFETY: path is NUL-terminated; p receives the handle (or NULL
        // when out of memory), which we own from here on.
        let rc = unsafe { ffi::sqlite3_open_v2(path.as_ptr(), &mut p, flags, std::ptr::null()) };
        let db = Db { ptr: Cell::new(p) };
        if rc != ffi::SQLITE_OK {
            let msg = if p.is_null() {
                "out of memory".to_string()
            } else {
                db.errmsg()
            };
            return Err((rc, msg));
        }
        // CPython's builds leave foreign keys off; the bundled amalgamation
        // is compiled with them on.
        let off = CString::new("PRAGMA foreign_keys = OFF").unwrap_or_default();
        db.exec(&off);
        Ok(db)
    }

    pub fn is_open(&self) -> bool {
        !self.ptr.get().is_null()
    }

    /// `sqlite3_close_v2`; later calls on this handle see a closed db.
    pub fn close(&self) {
        let p = self.ptr.replace(std::ptr::null_mut());
        if !p.is_null() {
            // SAFETY: p was opened by us and is closed once (the cell is
            // now NULL); statements still alive keep it as a zombie.
            unsafe { sqlite3_close_v2(p) };
        }
    }

    /// The error message of the last failed call.
    pub fn errmsg(&self) -> String {
        let p = self.ptr.get();
        if p.is_null() {
            return "bad parameter or other API misuse".to_string();
        }
        // SAFETY: p is an open handle.
        let m = unsafe { ffi::sqlite3_errmsg(p) };
        String::from_utf8_lossy(&c_text(m).unwrap_or_default()).into_owned()
    }

    /// The extended result code of the last failed call.
    pub fn errcode(&self) -> c_int {
        let p = self.ptr.get();
        if p.is_null() {
            return ffi::SQLITE_MISUSE;
        }
        // SAFETY: p is an open handle.
        unsafe { ffi::sqlite3_extended_errcode(p) }
    }

    pub fn busy_timeout(&self, ms: c_int) {
        let p = self.ptr.get();
        if !p.is_null() {
            // SAFETY: p is an open handle.
            unsafe { ffi::sqlite3_busy_timeout(p, ms) };
        }
    }

    /// Whether the database is in autocommit mode (no open transaction).
    pub fn autocommit(&self) -> bool {
        let p = self.ptr.get();
        // SAFETY: p is an open handle.
        p.is_null() || unsafe { ffi::sqlite3_get_autocommit(p) } != 0
    }

    pub fn changes(&self) -> i64 {
        let p = self.ptr.get();
        if p.is_null() {
            0
        } else {
            // SAFETY: p is an open handle (non-NULL: we NULL it on close).
            unsafe { ffi::sqlite3_changes64(p) }
        }
    }

    pub fn total_changes(&self) -> i64 {
        let p = self.ptr.get();
        if p.is_null() {
            0
        } else {
            // SAFETY: p is an open handle (non-NULL: we NULL it on close).
            unsafe { ffi::sqlite3_total_changes64(p) }
        }
    }

    pub fn last_insert_rowid(&self) -> i64 {
        let p = self.ptr.get();
        if p.is_null() {
            0
        } else {
            // SAFETY: p is an open handle (non-NULL: we NULL it on close).
            unsafe { ffi::sqlite3_last_insert_rowid(p) }
        }
    }

    /// `sqlite3_exec` without a row callback; the result code.
    pub fn exec(&self, sql: &CStr) -> c_int {
        let p = self.ptr.get();
        if p.is_null() {
            return ffi::SQLITE_MISUSE;
        }
        // SAFETY: p is an open handle, sql NUL-terminated; no callback.
        unsafe {
            ffi::sqlite3_exec(
                p,
                sql.as_ptr(),
                None,
                std::ptr::null_mut(),
                std::ptr::null_mut(),
            )
        }
    }

    /// `sqlite_limit(id, -1)`: the current value of a limit.
    pub fn limit(&self, id: c_int) -> c_int {
        let p = self.ptr.get();
        // SAFETY: p is an open handle; -1 only queries.
        if p.is_null() {
            0
        } else {
            // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
            unsafe { ffi::sqlite3_limit(p, id, -1) }
        }
    }

    /// Prepare the first statement of `sql` (NUL-terminated): the statement
    /// (None for only whitespace/comments) and the byte offset of the rest.
    pub fn prepare(&self, sql: &CStr) -> Result<(Option<Stmt>, usize), c_int> {
        let p = self.ptr.get();
        if p.is_null() {
            return Err(ffi::SQLITE_MISUSE);
        }
        let mut st: *mut ffi::sqlite3_stmt = std::ptr::null_mut();
        let mut tail: *const c_char = std::ptr::null();
        let len = c_int::try_from(sql.to_bytes().len() + 1).map_err(|_| ffi::SQLITE_TOOBIG)?;
        // SAFETY: p is open; sql is NUL-terminated and `len` counts the
        // NUL; st and tail are out-parameters; tail points into sql.
        let rc = unsafe { ffi::sqlite3_prepare_v2(p, sql.as_ptr(), len, &mut st, &mut tail) };
        if rc != ffi::SQLITE_OK {
            if !st.is_null() {
                // SAFETY: a statement returned alongside an error is ours.
                unsafe { ffi::sqlite3_finalize(st) };
            }
            return Err(rc);
        }
        let off = if tail.is_null() {
            sql.to_bytes().len()
        } else {
            (tail as usize).saturating_sub(sql.as_ptr() as usize)
        };
        let stmt = if st.is_null() {
            None
        } else {
            Some(Stmt { ptr: st })
        };
        Ok((stmt, off))
    }

    /// The raw handle, for registering callbacks (callbacks.rs).
    pub fn raw(&self) -> *mut ffi::sqlite3 {
        self.ptr.get()
    }
}

impl Drop for Db {
    fn drop(&mut self) {
        self.close();
    }
}

/// A prepared statement (`sqlite3_stmt*`), finalized on drop.
pub struct Stmt {
    ptr: *mut ffi::sqlite3_stmt,
}

impl Drop for Stmt {
    fn drop(&mut self) {
        // SAFETY: ptr is a statement we prepared and finalize once.
        unsafe { ffi::sqlite3_finalize(self.ptr) };
    }
}

/// Bytes of column/value data at `p` of length `n` (copied).
fn bytes_at(p: *const u8, n: c_int) -> Vec<u8> {
    if p.is_null() || n <= 0 {
        return Vec::new();
    }
    // SAFETY: SQLite guarantees `n` readable bytes at `p` until the next
    // call on the statement/value; we copy at once.
    unsafe { std::slice::from_raw_parts(p, n as usize) }.to_vec()
}

// In every method below `ptr` is a live statement we own (finalized only
// on drop) and column/parameter indexes out of range are checked by SQLite
// itself (it returns NULL/0 or SQLITE_RANGE).
impl Stmt {
    pub fn step(&self) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_step(self.ptr) }
    }
    pub fn reset(&self) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_reset(self.ptr) }
    }
    pub fn readonly(&self) -> bool {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_stmt_readonly(self.ptr) != 0 }
    }
    pub fn param_count(&self) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_bind_parameter_count(self.ptr) }
    }
    /// The name of parameter `i` (1-based) with its marker (`:x`).
    pub fn param_name(&self, i: c_int) -> Option<Vec<u8>> {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        c_text(unsafe { ffi::sqlite3_bind_parameter_name(self.ptr, i) })
    }
    pub fn bind_null(&self, i: c_int) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_bind_null(self.ptr, i) }
    }
    pub fn bind_int(&self, i: c_int, v: i64) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_bind_int64(self.ptr, i, v) }
    }
    pub fn bind_double(&self, i: c_int, v: f64) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_bind_double(self.ptr, i, v) }
    }
    /// Bind UTF-8 text (copied by SQLite: SQLITE_TRANSIENT).
    pub fn bind_text(&self, i: c_int, s: &[u8]) -> c_int {
        let Ok(n) = c_int::try_from(s.len()) else {
            return ffi::SQLITE_TOOBIG;
        };
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe {
            ffi::sqlite3_bind_text(
                self.ptr,
                i,
                s.as_ptr() as *const c_char,
                n,
                ffi::SQLITE_TRANSIENT(),
            )
        }
    }
    /// Bind a blob (copied by SQLite: SQLITE_TRANSIENT).
    pub fn bind_blob(&self, i: c_int, b: &[u8]) -> c_int {
        let Ok(n) = c_int::try_from(b.len()) else {
            return ffi::SQLITE_TOOBIG;
        };
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe {
            ffi::sqlite3_bind_blob(
                self.ptr,
                i,
                b.as_ptr() as *const std::ffi::c_void,
                n,
                ffi::SQLITE_TRANSIENT(),
            )
        }
    }
    pub fn column_count(&self) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_column_count(self.ptr) }
    }
    pub fn data_count(&self) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_data_count(self.ptr) }
    }
    pub fn column_name(&self, i: c_int) -> Option<Vec<u8>> {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        c_text(unsafe { ffi::sqlite3_column_name(self.ptr, i) })
    }
    pub fn column_decltype(&self, i: c_int) -> Option<Vec<u8>> {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        c_text(unsafe { ffi::sqlite3_column_decltype(self.ptr, i) })
    }
    pub fn column_type(&self, i: c_int) -> c_int {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_column_type(self.ptr, i) }
    }
    pub fn column_int(&self, i: c_int) -> i64 {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_column_int64(self.ptr, i) }
    }
    pub fn column_double(&self, i: c_int) -> f64 {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        unsafe { ffi::sqlite3_column_double(self.ptr, i) }
    }
    /// The column as text (UTF-8 bytes).
    pub fn column_text(&self, i: c_int) -> Vec<u8> {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        let p = unsafe { ffi::sqlite3_column_text(self.ptr, i) };
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        let n = unsafe { ffi::sqlite3_column_bytes(self.ptr, i) };
        bytes_at(p, n)
    }
    /// The column as a blob.
    pub fn column_blob(&self, i: c_int) -> Vec<u8> {
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        let p = unsafe { ffi::sqlite3_column_blob(self.ptr, i) } as *const u8;
        // SAFETY: the handle is live (ours until close/finalize); SQLite checks indexes.
        let n = unsafe { ffi::sqlite3_column_bytes(self.ptr, i) };
        bytes_at(p, n)
    }
}

/// An argument of a user-defined function (`sqlite3_value*`), valid for
/// the duration of the callback.
pub struct ValueRef(pub *mut ffi::sqlite3_value);

/// The Python-side shape of a `sqlite3_value`.
pub enum SqlValue {
    Null,
    Int(i64),
    Float(f64),
    Text(Vec<u8>),
    Blob(Vec<u8>),
}

impl ValueRef {
    pub fn get(&self) -> SqlValue {
        let v = self.0;
        // SAFETY: v is a live value passed to the running callback.
        unsafe {
            match ffi::sqlite3_value_type(v) {
                ffi::SQLITE_INTEGER => SqlValue::Int(ffi::sqlite3_value_int64(v)),
                ffi::SQLITE_FLOAT => SqlValue::Float(ffi::sqlite3_value_double(v)),
                ffi::SQLITE_TEXT => {
                    let p = ffi::sqlite3_value_text(v);
                    SqlValue::Text(bytes_at(p, ffi::sqlite3_value_bytes(v)))
                }
                ffi::SQLITE_BLOB => {
                    let p = ffi::sqlite3_value_blob(v) as *const u8;
                    SqlValue::Blob(bytes_at(p, ffi::sqlite3_value_bytes(v)))
                }
                _ => SqlValue::Null,
            }
        }
    }
}
