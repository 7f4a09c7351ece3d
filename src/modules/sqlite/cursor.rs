//! `sqlite3.Cursor` (CPython 3.11's `cursor.c` and `statement.c`):
//! statement preparation, parameter binding with adaptation, the execute
//! loop (implicit BEGIN, `rowcount`, `lastrowid`, `description`), row
//! fetching with converters and `text_factory`, and `executescript`.

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell};
use std::ffi::c_int;

use super::connection::{conn_of, run_simple, Connection};
use super::ffi::{self, Db, Stmt};
use super::{adapt_param, c_sql, callbacks, converter_for, db_error, err, str_arg, Exc};
use super::{PARSE_COLNAMES, PARSE_DECLTYPES};
use crate::modules::binargs::{buffer_of, ssize_arg, Sig};
use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{is_subtype, Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// A prepared statement and whether it is DML (INSERT/UPDATE/DELETE/
/// REPLACE: counted in `rowcount`, preceded by the implicit BEGIN).
pub struct Statement {
    st: Option<Stmt>,
    is_dml: bool,
}

pub struct Cursor {
    initialized: Cell<bool>,
    connection: RefCell<Value>,
    closed: Cell<bool>,
    locked: Cell<bool>,
    stmt: RefCell<Option<Rc<Statement>>>,
    description: RefCell<Value>,
    rowcount: Cell<i64>,
    lastrowid: RefCell<Value>,
    arraysize: Cell<i64>,
    row_factory: RefCell<Value>,
    cast_map: RefCell<Vec<Value>>,
}

impl NativeData for Cursor {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        for cell in [
            &self.connection,
            &self.description,
            &self.lastrowid,
            &self.row_factory,
        ] {
            if let Ok(v) = cell.try_borrow() {
                visit(&v);
            }
        }
        if let Ok(m) = self.cast_map.try_borrow() {
            m.iter().for_each(&mut *visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut v) = self.row_factory.try_borrow_mut() {
            out.push(std::mem::replace(&mut *v, Value::None));
        }
        if let Ok(mut m) = self.cast_map.try_borrow_mut() {
            out.append(&mut m);
        }
    }
}

pub fn make_type(vm: &mut Vm) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "sqlite3",
        "Cursor",
        &object,
        Layout::Native("Cursor"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", cursor_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", cursor_init),
            ("execute", cursor_execute),
            ("executemany", cursor_executemany),
            ("executescript", cursor_executescript),
            ("fetchone", cursor_fetchone),
            ("fetchmany", cursor_fetchmany),
            ("fetchall", cursor_fetchall),
            ("close", cursor_close),
            ("__iter__", cursor_iter),
            ("__next__", cursor_next),
            ("setinputsizes", cursor_noop),
            ("setoutputsize", cursor_noop),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            ("connection", get_connection, None),
            ("description", get_description, None),
            ("arraysize", get_arraysize, Some(set_arraysize)),
            ("lastrowid", get_lastrowid, None),
            ("rowcount", get_rowcount, None),
            ("row_factory", get_row_factory, Some(set_row_factory)),
        ],
    );
    t
}

fn cursor_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Cursor.__new__(): not enough arguments"));
    };
    Ok(Value::Obj(vm.new_native(
        cls,
        Cursor {
            initialized: Cell::new(false),
            connection: RefCell::new(Value::None),
            closed: Cell::new(false),
            locked: Cell::new(false),
            stmt: RefCell::new(None),
            description: RefCell::new(Value::None),
            rowcount: Cell::new(-1),
            lastrowid: RefCell::new(Value::None),
            arraysize: Cell::new(1),
            row_factory: RefCell::new(Value::None),
            cast_map: RefCell::new(Vec::new()),
        },
    )))
}

fn cursor_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Cursor> {
    vm.native::<Cursor>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor for 'sqlite3.Cursor' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

fn this<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a Cursor> {
    vm.native_self::<Cursor>(args, "sqlite3.Cursor", "method")
}

fn me(args: &Args) -> Value {
    args.args.first().cloned().unwrap_or(Value::None)
}

/// `connection.cursor()` copies the connection's `row_factory`.
pub fn set_row_factory_of(vm: &Vm, cur: &Value, rf: Value) {
    if let Some(c) = vm.native::<Cursor>(cur) {
        *c.row_factory.borrow_mut() = rf;
    }
}

fn cursor_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let pos = args.pos();
    if pos.len() != 2 || args.has_kwargs() {
        return Err(vm.type_error(format!(
            "Cursor() takes exactly 1 positional argument ({} given)",
            pos.len().saturating_sub(1)
        )));
    }
    let conn = pos.get(1).cloned().unwrap_or(Value::None);
    let ct = super::connection_type(vm)?;
    if !is_subtype(&vm.type_of(&conn), &ct) {
        return Err(vm.type_error(format!(
            "Cursor() argument 1 must be sqlite3.Connection, not {}",
            vm.type_name_of(&conn)
        )));
    }
    *c.connection.borrow_mut() = conn;
    c.arraysize.set(1);
    c.closed.set(false);
    c.rowcount.set(-1);
    *c.lastrowid.borrow_mut() = Value::None;
    *c.description.borrow_mut() = Value::None;
    *c.row_factory.borrow_mut() = Value::None;
    c.initialized.set(true);
    Ok(Value::None)
}

/// CPython's `check_cursor`: the connection object and its open database.
fn check_cursor(vm: &Vm, c: &Cursor) -> PyResult<(Value, Rc<Db>)> {
    if !c.initialized.get() {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "Base Cursor.__init__ not called.",
        ));
    }
    if c.closed.get() {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "Cannot operate on a closed cursor.",
        ));
    }
    if c.locked.get() {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "Recursive use of cursors not allowed.",
        ));
    }
    let conn_v = c.connection.borrow().clone();
    let db = conn_of(vm, &conn_v)?.check(vm)?;
    Ok((conn_v, db))
}

/// Whether the text after a statement holds anything but whitespace and
/// comments (`pysqlite_check_remaining_sql`).
fn has_remaining_sql(tail: &[u8]) -> bool {
    let mut i = 0;
    while let Some(&b) = tail.get(i) {
        match b {
            b' ' | b'\t' | b'\n' | b'\r' | 0x0c => i += 1,
            b'-' if tail.get(i + 1) == Some(&b'-') => {
                while tail.get(i).is_some_and(|&c| c != b'\n') {
                    i += 1;
                }
            }
            b'/' if tail.get(i + 1) == Some(&b'*') => {
                i += 2;
                loop {
                    match tail.get(i) {
                        None => return false,
                        Some(b'*') if tail.get(i + 1) == Some(&b'/') => {
                            i += 2;
                            break;
                        }
                        Some(_) => i += 1,
                    }
                }
            }
            _ => return true,
        }
    }
    false
}

/// Whether `sql` starts (after whitespace) with INSERT, UPDATE, DELETE or
/// REPLACE.
fn is_dml(sql: &str) -> bool {
    let s = sql.trim_start_matches([' ', '\t', '\n', '\r']);
    let starts = |kw: &str| {
        s.get(..kw.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(kw))
    };
    starts("insert") || starts("update") || starts("delete") || starts("replace")
}

/// `pysqlite_statement_create`.
fn prepare(vm: &mut Vm, db: &Db, sql: &str) -> PyResult<Statement> {
    if sql.len() > db.limit(libsqlite3_sys::SQLITE_LIMIT_SQL_LENGTH) as usize {
        return Err(err(vm, Exc::DataError, "query string is too large"));
    }
    let c = c_sql(vm, sql)?;
    let (st, off) = match callbacks::with_vm(vm, || db.prepare(&c)) {
        Ok(r) => r,
        Err(_) => return Err(db_error(vm, db.errcode(), &db.errmsg())),
    };
    if has_remaining_sql(c.to_bytes().get(off..).unwrap_or(&[])) {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "You can only execute one statement at a time.",
        ));
    }
    Ok(Statement {
        st,
        is_dml: is_dml(sql),
    })
}

/// Bind one (adapted) value; SQLITE_OK, or an error code when the type
/// is not supported.
fn bind_value(vm: &mut Vm, st: &Stmt, i: c_int, v: &Value) -> PyResult<c_int> {
    Ok(match v {
        Value::None => st.bind_null(i),
        Value::Int(n) => st.bind_int(i, *n),
        Value::Bool(b) => st.bind_int(i, i64::from(b.get())),
        Value::Float(f) => st.bind_double(i, f.get()),
        Value::Obj(o) => match &o.payload {
            Payload::Int(b) => match i64::try_from(b) {
                Ok(n) => st.bind_int(i, n),
                Err(_) => {
                    return Err(
                        vm.overflow_error("Python int too large to convert to SQLite INTEGER")
                    )
                }
            },
            Payload::Float(f) => st.bind_double(i, *f),
            Payload::Str(s) => {
                if s.surrogate_cps().is_some() {
                    vm.call_method(v, "encode", &[])?;
                }
                st.bind_text(i, s.as_str().as_bytes())
            }
            _ => match buffer_of(vm, v)? {
                Some(b) => {
                    if b.len() > i32::MAX as usize {
                        return Err(vm.overflow_error("BLOB longer than INT_MAX bytes"));
                    }
                    st.bind_blob(i, &b)
                }
                None => -1,
            },
        },
        Value::Null => -1,
    })
}

fn bind_one(vm: &mut Vm, st: &Stmt, i: c_int, param: &Value) -> PyResult<()> {
    let adapted = adapt_param(vm, param)?;
    let rc = bind_value(vm, st, i, &adapted)?;
    if rc != libsqlite3_sys::SQLITE_OK && rc != -1 {
        // SQLite refused the value (too big, ...).
        return Err(db_error(vm, rc, &ffi::errstr(rc)));
    }
    if rc != libsqlite3_sys::SQLITE_OK {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            format!(
                "Error binding parameter {i}: type '{}' is not supported",
                vm.type_name_of(param)
            ),
        ));
    }
    Ok(())
}

/// `bind_parameters`: a sequence by position, a dict by name.
fn bind_parameters(vm: &mut Vm, st: &Stmt, params: &Value) -> PyResult<()> {
    let needed = st.param_count();
    let ty = vm.type_of(params);
    let (is_dict, exact_seq) = match params {
        Value::Obj(o) => (
            matches!(o.payload, Payload::Dict(_)),
            crate::objects::rc::Rc::ptr_eq(&ty, &vm.types.tuple)
                || crate::objects::rc::Rc::ptr_eq(&ty, &vm.types.list),
        ),
        _ => (false, false),
    };
    let is_seq = exact_seq
        || (!is_dict
            && !matches!(params, Value::None)
            && vm.type_lookup_static(&ty, "__getitem__").is_some());
    if is_seq {
        let n = vm.len(params)?;
        if n != needed as usize {
            return Err(err(
                vm,
                Exc::ProgrammingError,
                format!(
                    "Incorrect number of bindings supplied. The current statement uses {needed}, \
                     and there are {n} supplied."
                ),
            ));
        }
        for i in 0..needed {
            let item = vm.getitem(params, &Value::Int(i as i64))?;
            bind_one(vm, st, i + 1, &item)?;
        }
        return Ok(());
    }
    if !is_dict {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "parameters are of unsupported type",
        ));
    }
    let exact_dict = crate::objects::rc::Rc::ptr_eq(&ty, &vm.types.dict);
    for i in 1..=needed {
        let Some(name) = st.param_name(i) else {
            return Err(err(
                vm,
                Exc::ProgrammingError,
                format!(
                    "Binding {i} has no name, but you supplied a dictionary (which has only names)."
                ),
            ));
        };
        let name = String::from_utf8_lossy(name.get(1..).unwrap_or(&[])).into_owned();
        let key = vm.new_string(name.clone());
        let missing = || format!("You did not supply a value for binding parameter :{name}.");
        let item = if exact_dict {
            let Value::Obj(d) = params else {
                return Err(vm.system_error("dict expected"));
            };
            match vm.dict_get(d, &key)? {
                Some(v) => v,
                None => return Err(err(vm, Exc::ProgrammingError, missing())),
            }
        } else {
            match vm.getitem(params, &key) {
                Ok(v) => v,
                Err(e) if vm.err_is(&e, ExcKind::LookupError) => {
                    return Err(err(vm, Exc::ProgrammingError, missing()))
                }
                Err(e) => return Err(e),
            }
        };
        bind_one(vm, st, i, &item)?;
    }
    Ok(())
}

/// `pysqlite_build_row_cast_map`: a converter (or None) per column.
fn build_cast_map(vm: &mut Vm, conn: &Connection, st: &Stmt) -> PyResult<Vec<Value>> {
    let types = conn.detect_types.get();
    let mut out = Vec::new();
    if types == 0 {
        return Ok(out);
    }
    for i in 0..st.column_count() {
        let mut conv = None;
        if types & PARSE_COLNAMES != 0 {
            if let Some(name) = st.column_name(i) {
                if let Some(open) = name.iter().position(|&b| b == b'[') {
                    let rest = name.get(open + 1..).unwrap_or(&[]);
                    if let Some(close) = rest.iter().position(|&b| b == b']') {
                        conv = converter_for(vm, rest.get(..close).unwrap_or(&[]))?;
                    }
                }
            }
        }
        if conv.is_none() && types & PARSE_DECLTYPES != 0 {
            if let Some(decl) = st.column_decltype(i) {
                let end = decl
                    .iter()
                    .position(|&b| b == b' ' || b == b'(')
                    .unwrap_or(decl.len());
                conv = converter_for(vm, decl.get(..end).unwrap_or(&[]))?;
            }
        }
        out.push(conv.unwrap_or(Value::None));
    }
    Ok(out)
}

/// A column name as `description` shows it (`[type]` cut off under
/// PARSE_COLNAMES).
fn column_name(conn: &Connection, raw: &[u8]) -> String {
    let mut end = raw.len();
    if conn.detect_types.get() & PARSE_COLNAMES != 0 {
        if let Some(p) = raw.iter().position(|&b| b == b'[') {
            end = if p > 0 && raw.get(p - 1) == Some(&b' ') {
                p - 1
            } else {
                p
            };
        }
    }
    String::from_utf8_lossy(raw.get(..end).unwrap_or(raw)).into_owned()
}

/// `_pysqlite_query_execute`: run `sql` once with `params`, or for each
/// parameter set of `params` (executemany).
pub fn execute(
    vm: &mut Vm,
    cur_v: &Value,
    sql: &Value,
    params: Option<Value>,
    multiple: bool,
) -> PyResult<()> {
    let cur = cursor_of(vm, cur_v)?;
    let (conn_v, db) = check_cursor(vm, cur)?;
    cur.locked.set(true);
    let r = execute_locked(vm, cur, &conn_v, &db, sql, params, multiple);
    cur.locked.set(false);
    if r.is_err() {
        cur.rowcount.set(-1);
    }
    r
}

fn execute_locked(
    vm: &mut Vm,
    cur: &Cursor,
    conn_v: &Value,
    db: &Db,
    sql: &Value,
    params: Option<Value>,
    multiple: bool,
) -> PyResult<()> {
    let conn = conn_of(vm, conn_v)?;
    let sets: Value = if multiple {
        let p = params.unwrap_or(Value::None);
        vm.iter(&p)?
    } else {
        let p = params.unwrap_or_else(|| vm.new_tuple(Vec::new()));
        let l = vm.new_list(vec![p]);
        vm.iter(&l)?
    };
    if let Some(old) = cur.stmt.borrow_mut().take() {
        if let Some(st) = &old.st {
            st.reset();
        }
    }
    *cur.description.borrow_mut() = Value::None;
    cur.rowcount.set(0);
    let text = str_arg(vm, sql, "execute() argument 1")?.to_string();
    let stmt = Rc::new(prepare(vm, db, &text)?);
    if multiple && stmt.st.as_ref().is_some_and(|s| s.readonly()) {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "executemany() can only execute DML statements.",
        ));
    }
    *cur.stmt.borrow_mut() = Some(stmt.clone());
    if !stmt.is_dml {
        cur.rowcount.set(-1);
    }
    if stmt.is_dml && db.autocommit() {
        if let Some(begin) = conn.begin_statement() {
            run_simple(vm, db, &begin)?;
        }
    }
    while let Some(p) = vm.next(&sets)? {
        let Some(st) = &stmt.st else {
            continue;
        };
        st.reset();
        bind_parameters(vm, st, &p)?;
        let rc = callbacks::with_vm(vm, || st.step());
        if rc != ffi::SQLITE_DONE && rc != ffi::SQLITE_ROW {
            st.reset();
            return Err(db_error(vm, db.errcode(), &db.errmsg()));
        }
        let map = build_cast_map(vm, conn, st)?;
        *cur.cast_map.borrow_mut() = map;
        let ncols = st.column_count();
        if matches!(*cur.description.borrow(), Value::None) && ncols > 0 {
            let mut cols = Vec::new();
            for i in 0..ncols {
                let name = column_name(conn, &st.column_name(i).unwrap_or_default());
                let mut d = vec![vm.new_string(name)];
                d.extend(std::iter::repeat_n(Value::None, 6));
                cols.push(vm.new_tuple(d));
            }
            *cur.description.borrow_mut() = vm.new_tuple(cols);
        }
        if rc == ffi::SQLITE_DONE {
            if stmt.is_dml {
                cur.rowcount.set(cur.rowcount.get() + db.changes());
            }
            st.reset();
        }
    }
    if !multiple {
        *cur.lastrowid.borrow_mut() = Value::Int(db.last_insert_rowid());
    }
    Ok(())
}

/// `_pysqlite_fetch_one_row`: the current row as a tuple.
fn fetch_row(vm: &mut Vm, cur: &Cursor, conn: &Connection, st: &Stmt) -> PyResult<Value> {
    let n = st.data_count();
    let map = cur.cast_map.borrow().clone();
    let mut items = Vec::with_capacity(n.max(0) as usize);
    for i in 0..n {
        let conv = if conn.detect_types.get() != 0 {
            map.get(i as usize).cloned().unwrap_or(Value::None)
        } else {
            Value::None
        };
        let ty = st.column_type(i);
        let v = if !matches!(conv, Value::None) {
            if ty == ffi::SQLITE_NULL {
                Value::None
            } else {
                let b = vm.new_bytes(st.column_blob(i));
                vm.call(&conv, &[b])?
            }
        } else {
            match ty {
                ffi::SQLITE_NULL => Value::None,
                ffi::SQLITE_INTEGER => Value::Int(st.column_int(i)),
                ffi::SQLITE_FLOAT => Value::float(st.column_double(i)),
                ffi::SQLITE_BLOB => vm.new_bytes(st.column_blob(i)),
                _ => text_value(vm, conn, st, i)?,
            }
        };
        items.push(v);
    }
    Ok(vm.new_tuple(items))
}

/// A TEXT column through the connection's `text_factory`.
fn text_value(vm: &mut Vm, conn: &Connection, st: &Stmt, i: c_int) -> PyResult<Value> {
    let bytes = st.column_text(i);
    let tf = conn.text_factory.borrow().clone();
    let is = |t: &PyRef| matches!(&tf, Value::Obj(o) if crate::objects::rc::Rc::ptr_eq(o, t));
    if is(&vm.types.str) {
        return match String::from_utf8(bytes) {
            Ok(s) => Ok(vm.new_string(s)),
            Err(e) => {
                let name =
                    String::from_utf8_lossy(&st.column_name(i).unwrap_or_default()).into_owned();
                let text = String::from_utf8_lossy(e.as_bytes()).into_owned();
                Err(err(
                    vm,
                    Exc::OperationalError,
                    format!("Could not decode to UTF-8 column '{name}' with text '{text}'"),
                ))
            }
        };
    }
    if is(&vm.types.bytes) {
        return Ok(vm.new_bytes(bytes));
    }
    let b = vm.new_bytes(bytes);
    if is(&vm.types.bytearray) {
        let ba = Value::Obj(vm.types.bytearray.clone());
        return vm.call(&ba, &[b]);
    }
    vm.call(&tf, &[b])
}

/// `pysqlite_cursor_iternext`: the next row (through `row_factory`), or
/// None when exhausted.
fn next_row(vm: &mut Vm, cur_v: &Value) -> PyResult<Option<Value>> {
    let cur = cursor_of(vm, cur_v)?;
    let (conn_v, db) = check_cursor(vm, cur)?;
    let Some(stmt) = cur.stmt.borrow().clone() else {
        return Ok(None);
    };
    let Some(st) = &stmt.st else {
        return Ok(None);
    };
    if st.data_count() == 0 {
        st.reset();
        *cur.stmt.borrow_mut() = None;
        return Ok(None);
    }
    let conn = conn_of(vm, &conn_v)?;
    cur.locked.set(true);
    let row = fetch_row(vm, cur, conn, st);
    cur.locked.set(false);
    let row = row?;
    let rc = callbacks::with_vm(vm, || st.step());
    if rc == ffi::SQLITE_DONE {
        if stmt.is_dml {
            cur.rowcount.set(db.changes());
        }
        st.reset();
    } else if rc != ffi::SQLITE_ROW {
        let e = db_error(vm, db.errcode(), &db.errmsg());
        st.reset();
        *cur.stmt.borrow_mut() = None;
        return Err(e);
    }
    let rf = cur.row_factory.borrow().clone();
    if matches!(rf, Value::None) {
        return Ok(Some(row));
    }
    vm.call(&rf, &[cur_v.clone(), row]).map(Some)
}

fn exec_args(vm: &Vm, args: &Args, name: &str) -> PyResult<(Value, Option<Value>)> {
    let pos = args.pos();
    let max = if name == "executemany" { 2 } else { 1 };
    if args.has_kwargs() {
        return Err(vm.type_error(format!("{name}() takes no keyword arguments")));
    }
    if pos.len() < 1 + max.min(1) + usize::from(max == 2) || pos.len() > 3 {
        return Err(vm.type_error(format!(
            "{name} expected {} argument{}, got {}",
            if max == 2 { "2" } else { "at least 1" },
            if max == 2 { "s" } else { "" },
            pos.len().saturating_sub(1)
        )));
    }
    let sql = pos.get(1).cloned().unwrap_or(Value::None);
    str_arg(vm, &sql, &format!("{name}() argument 1"))?;
    Ok((sql, pos.get(2).cloned()))
}

fn cursor_execute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    let (sql, params) = exec_args(vm, &args, "execute")?;
    let me = me(&args);
    execute(vm, &me, &sql, params, false)?;
    Ok(me)
}

fn cursor_executemany(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    let (sql, params) = exec_args(vm, &args, "executemany")?;
    let me = me(&args);
    execute(vm, &me, &sql, params, true)?;
    Ok(me)
}

fn cursor_executescript(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cur = this(vm, &args)?;
    let pos = args.pos();
    if pos.len() != 2 {
        return Err(vm.type_error(format!(
            "executescript() takes exactly one argument ({} given)",
            pos.len().saturating_sub(1)
        )));
    }
    let script = pos.get(1).cloned().unwrap_or(Value::None);
    let text = str_arg(vm, &script, "executescript() argument")?.to_string();
    if text.contains('\0') {
        return Err(vm.value_error("embedded null character"));
    }
    let (_, db) = check_cursor(vm, cur)?;
    if text.len() > db.limit(libsqlite3_sys::SQLITE_LIMIT_SQL_LENGTH) as usize {
        return Err(err(vm, Exc::DataError, "query string is too large"));
    }
    if !db.autocommit() {
        let commit = std::ffi::CString::new("COMMIT").unwrap_or_default();
        if callbacks::with_vm(vm, || db.exec(&commit)) != libsqlite3_sys::SQLITE_OK {
            return Err(db_error(vm, db.errcode(), &db.errmsg()));
        }
    }
    let mut rest = text.as_str();
    loop {
        let c = c_sql(vm, rest)?;
        let (st, off) = match callbacks::with_vm(vm, || db.prepare(&c)) {
            Ok(r) => r,
            Err(_) => return Err(db_error(vm, db.errcode(), &db.errmsg())),
        };
        if let Some(st) = st {
            let rc = callbacks::with_vm(vm, || loop {
                let rc = st.step();
                if rc != ffi::SQLITE_ROW {
                    break rc;
                }
            });
            if rc != ffi::SQLITE_DONE {
                let e = db_error(vm, db.errcode(), &db.errmsg());
                drop(st);
                return Err(e);
            }
        }
        match rest.get(off..) {
            Some(r) if !r.is_empty() && off > 0 => rest = r,
            _ => break,
        }
    }
    Ok(me(&args))
}

fn cursor_fetchone(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    Ok(next_row(vm, &me(&args))?.unwrap_or(Value::None))
}

const FETCHMANY_SIG: Sig = Sig {
    name: "fetchmany",
    pos: &["size"],
    posonly: 0,
    required: 0,
    kwonly: &[],
};

fn cursor_fetchmany(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cur = this(vm, &args)?;
    let s = FETCHMANY_SIG.bind(vm, &args, 1)?;
    let max = match s.first().cloned().flatten() {
        Some(v) => crate::modules::binargs::int_arg(vm, &v)?,
        None => cur.arraysize.get(),
    };
    let me = me(&args);
    let mut rows = Vec::new();
    while let Some(r) = next_row(vm, &me)? {
        rows.push(r);
        if rows.len() as i64 == max {
            break;
        }
    }
    Ok(vm.new_list(rows))
}

fn cursor_fetchall(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    let me = me(&args);
    let mut rows = Vec::new();
    while let Some(r) = next_row(vm, &me)? {
        rows.push(r);
    }
    Ok(vm.new_list(rows))
}

fn cursor_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cur = this(vm, &args)?;
    if !cur.initialized.get() {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "Base Cursor.__init__ not called.",
        ));
    }
    let conn_v = cur.connection.borrow().clone();
    conn_of(vm, &conn_v)?.check(vm)?;
    if let Some(stmt) = cur.stmt.borrow_mut().take() {
        if let Some(st) = &stmt.st {
            st.reset();
        }
    }
    cur.closed.set(true);
    Ok(Value::None)
}

fn cursor_iter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    Ok(me(&args))
}

fn cursor_next(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    match next_row(vm, &me(&args))? {
        Some(r) => Ok(r),
        None => Err(vm.new_error_noargs(ExcKind::StopIteration)),
    }
}

fn cursor_noop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    Ok(Value::None)
}

fn get_connection(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(cursor_of(vm, v)?.connection.borrow().clone())
}

fn get_description(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(cursor_of(vm, v)?.description.borrow().clone())
}

fn get_arraysize(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(cursor_of(vm, v)?.arraysize.get()))
}

fn set_arraysize(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let c = cursor_of(vm, v)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("can't delete numeric/char attribute"));
    };
    let n = ssize_arg(vm, &new)?;
    c.arraysize.set(n);
    Ok(())
}

fn get_lastrowid(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(cursor_of(vm, v)?.lastrowid.borrow().clone())
}

fn get_rowcount(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(cursor_of(vm, v)?.rowcount.get()))
}

fn get_row_factory(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(cursor_of(vm, v)?.row_factory.borrow().clone())
}

fn set_row_factory(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let c = cursor_of(vm, v)?;
    *c.row_factory.borrow_mut() = new.unwrap_or(Value::None);
    Ok(())
}

/// The `description` of cursor `v` (for `Row`), checking its type.
pub fn description_of(vm: &Vm, v: &Value) -> Option<Value> {
    vm.native::<Cursor>(v)
        .map(|c| c.description.borrow().clone())
}
