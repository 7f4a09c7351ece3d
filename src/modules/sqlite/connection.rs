//! `sqlite3.Connection` (CPython 3.11's `connection.c`): opening, the
//! thread and closed checks, transactions (`isolation_level`, implicit
//! BEGIN, commit/rollback, the context manager) and the shortcuts
//! `execute`/`executemany`/`executescript`.

use crate::objects::rc::Rc;
use std::cell::{Cell, RefCell};
use std::ffi::CString;

use super::ffi::Db;
use super::hooks::{self, Hooks};
use super::{callbacks, cursor, db_error, err, str_arg, Exc, EXC_NAMES};
use crate::modules::binargs::Sig;
use crate::modules::thread::thread_ident;
use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{is_subtype, Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const BEGIN_LEVELS: [&str; 4] = ["", "DEFERRED", "IMMEDIATE", "EXCLUSIVE"];

pub struct Connection {
    initialized: Cell<bool>,
    db: RefCell<Option<Rc<Db>>>,
    pub detect_types: Cell<i64>,
    /// The isolation level (`BEGIN <level>` before DML); None = autocommit.
    level: RefCell<Option<&'static str>>,
    check_same_thread: Cell<bool>,
    thread: Cell<i64>,
    pub row_factory: RefCell<Value>,
    pub text_factory: RefCell<Value>,
    /// The trace/authorizer/progress callables SQLite points at.
    pub hooks: RefCell<Hooks>,
}

impl NativeData for Connection {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        if let Ok(v) = self.row_factory.try_borrow() {
            visit(&v);
        }
        if let Ok(v) = self.text_factory.try_borrow() {
            visit(&v);
        }
        if let Ok(h) = self.hooks.try_borrow() {
            h.traverse(visit);
        }
    }

    fn clear(&self, out: &mut Vec<Value>) {
        if let Ok(mut v) = self.row_factory.try_borrow_mut() {
            out.push(std::mem::replace(&mut *v, Value::None));
        }
    }
}

pub fn make_type(vm: &mut Vm, excs: &[PyRef]) -> PyRef {
    let object = vm.types.object.clone();
    let t = vm.new_native_type(
        "sqlite3",
        "Connection",
        &object,
        Layout::Native("Connection"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", conn_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", conn_init),
            ("cursor", conn_cursor),
            ("execute", conn_execute),
            ("executemany", conn_executemany),
            ("executescript", conn_executescript),
            ("commit", conn_commit),
            ("rollback", conn_rollback),
            ("close", conn_close),
            ("__enter__", conn_enter),
            ("__exit__", conn_exit),
            ("create_function", callbacks::create_function),
            ("create_aggregate", callbacks::create_aggregate),
            ("create_collation", callbacks::create_collation),
            ("interrupt", conn_interrupt),
            ("iterdump", conn_iterdump),
            ("set_trace_callback", hooks::set_trace_callback),
            ("set_authorizer", hooks::set_authorizer),
            ("set_progress_handler", hooks::set_progress_handler),
            ("getlimit", hooks::getlimit),
            ("setlimit", hooks::setlimit),
        ],
    );
    vm.add_getsets(
        &t,
        &[
            (
                "isolation_level",
                get_isolation_level,
                Some(set_isolation_level),
            ),
            ("total_changes", get_total_changes, None),
            ("in_transaction", get_in_transaction, None),
            ("row_factory", get_row_factory, Some(set_row_factory)),
            ("text_factory", get_text_factory, Some(set_text_factory)),
        ],
    );
    for (name, c) in EXC_NAMES.iter().zip(excs) {
        vm.add_type_attr(&t, name, Value::Obj(c.clone()));
    }
    t
}

fn conn_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(cls)) = args.args.first() else {
        return Err(vm.type_error("Connection.__new__(): not enough arguments"));
    };
    let str_type = Value::Obj(vm.types.str.clone());
    Ok(Value::Obj(vm.new_native(
        cls,
        Connection {
            initialized: Cell::new(false),
            db: RefCell::new(None),
            detect_types: Cell::new(0),
            level: RefCell::new(Some("")),
            check_same_thread: Cell::new(true),
            thread: Cell::new(thread_ident()),
            row_factory: RefCell::new(Value::None),
            text_factory: RefCell::new(str_type),
            hooks: RefCell::new(Hooks::default()),
        },
    )))
}

/// The `Connection` state of `v`, or TypeError.
pub fn conn_of<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Connection> {
    vm.native::<Connection>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor for 'sqlite3.Connection' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

fn this<'a>(vm: &Vm, args: &Args<'a>) -> PyResult<&'a Connection> {
    vm.native_self::<Connection>(args, "sqlite3.Connection", "method")
}

impl Connection {
    /// `pysqlite_check_thread`.
    pub fn check_thread(&self, vm: &Vm) -> PyResult<()> {
        let me = thread_ident();
        if self.check_same_thread.get() && me != self.thread.get() {
            return Err(err(
                vm,
                Exc::ProgrammingError,
                format!(
                    "SQLite objects created in a thread can only be used in that same thread. \
                     The object was created in thread id {} and this is thread id {}.",
                    self.thread.get() as u64,
                    me as u64
                ),
            ));
        }
        Ok(())
    }

    /// `pysqlite_check_connection`: the open database.
    pub fn check_open(&self, vm: &Vm) -> PyResult<Rc<Db>> {
        if !self.initialized.get() {
            return Err(err(
                vm,
                Exc::ProgrammingError,
                "Base Connection.__init__ not called.",
            ));
        }
        match &*self.db.borrow() {
            Some(db) if db.is_open() => Ok(db.clone()),
            _ => Err(err(
                vm,
                Exc::ProgrammingError,
                "Cannot operate on a closed database.",
            )),
        }
    }

    /// Both checks, thread first.
    pub fn check(&self, vm: &Vm) -> PyResult<Rc<Db>> {
        self.check_thread(vm)?;
        self.check_open(vm)
    }

    /// The implicit `BEGIN` statement, if any.
    pub fn begin_statement(&self) -> Option<String> {
        self.level.borrow().map(|l| format!("BEGIN {l}"))
    }
}

/// Run one statement to completion (COMMIT, ROLLBACK, BEGIN).
pub fn run_simple(vm: &mut Vm, db: &Db, sql: &str) -> PyResult<()> {
    let c = CString::new(sql).unwrap_or_default();
    let (st, _) = callbacks::with_vm(vm, || db.prepare(&c))
        .map_err(|_| db_error(vm, db.errcode(), &db.errmsg()))?;
    if let Some(st) = st {
        let rc = callbacks::with_vm(vm, || st.step());
        if rc != super::ffi::SQLITE_DONE && rc != super::ffi::SQLITE_ROW {
            return Err(db_error(vm, db.errcode(), &db.errmsg()));
        }
    }
    Ok(())
}

const INIT_SIG: Sig = Sig {
    name: "Connection",
    pos: &[
        "database",
        "timeout",
        "detect_types",
        "isolation_level",
        "check_same_thread",
        "factory",
        "cached_statements",
        "uri",
    ],
    posonly: 0,
    required: 1,
    kwonly: &[],
};

/// The database path as bytes (str, bytes or os.PathLike).
fn path_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    if let Value::Obj(o) = v {
        match &o.payload {
            Payload::Str(s) => return Ok(s.as_str().as_bytes().to_vec()),
            Payload::Bytes(b) => return Ok(b.to_vec()),
            _ => {}
        }
    }
    if let Some(f) = vm.getattr_opt(v, "__fspath__")? {
        let r = vm.call(&f, &[])?;
        if let Value::Obj(o) = &r {
            match &o.payload {
                Payload::Str(s) => return Ok(s.as_str().as_bytes().to_vec()),
                Payload::Bytes(b) => return Ok(b.to_vec()),
                _ => {}
            }
        }
    }
    Err(vm.type_error(format!(
        "expected str, bytes or os.PathLike object, not {}",
        vm.type_name_of(v)
    )))
}

/// `isolation_level`'s conversion: None, or one of the levels (any case).
fn level_of(vm: &Vm, v: &Value) -> PyResult<Option<&'static str>> {
    if matches!(v, Value::None) {
        return Ok(None);
    }
    let Value::Obj(o) = v else {
        return Err(vm.type_error("isolation_level must be str or None"));
    };
    let Payload::Str(s) = &o.payload else {
        return Err(vm.type_error("isolation_level must be str or None"));
    };
    let s = s.as_str();
    if s.contains('\0') {
        return Err(vm.value_error("embedded null character"));
    }
    BEGIN_LEVELS
        .iter()
        .find(|l| l.eq_ignore_ascii_case(s))
        .copied()
        .map(Some)
        .ok_or_else(|| {
            vm.value_error(
                "isolation_level string must be '', 'DEFERRED', 'IMMEDIATE', or 'EXCLUSIVE'",
            )
        })
}

fn conn_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let s = INIT_SIG.bind(vm, &args, 1)?;
    let arg = |i: usize| s.get(i).cloned().flatten();
    let database = arg(0).unwrap_or(Value::None);
    let path = path_bytes(vm, &database)?;
    let timeout = match arg(1) {
        Some(v) => match v {
            Value::Int(i) => i as f64,
            Value::Bool(b) => f64::from(u8::from(b.get())),
            _ => vm.to_f64(&v)?,
        },
        None => 5.0,
    };
    let detect_types = match arg(2) {
        Some(v) => crate::modules::binargs::int_arg(vm, &v)?,
        None => 0,
    };
    let level = match arg(3) {
        Some(v) => level_of(vm, &v)?,
        None => Some(""),
    };
    let same_thread = crate::modules::binargs::bool_arg(vm, &arg(4), true)?;
    if let Some(v) = arg(6) {
        crate::modules::binargs::int_arg(vm, &v)?;
    }
    let uri = crate::modules::binargs::bool_arg(vm, &arg(7), false)?;
    let Ok(cpath) = CString::new(path) else {
        return Err(vm.value_error("embedded null byte"));
    };
    let db = match Db::open(&cpath, uri) {
        Ok(db) => db,
        Err((code, msg)) => return Err(db_error(vm, code, &msg)),
    };
    db.busy_timeout((timeout * 1000.0) as i32);
    if let Some(old) = c.db.borrow_mut().replace(Rc::new(db)) {
        old.close();
    }
    c.detect_types.set(detect_types);
    *c.level.borrow_mut() = level;
    c.check_same_thread.set(same_thread);
    c.thread.set(thread_ident());
    c.initialized.set(true);
    Ok(Value::None)
}

const CURSOR_SIG: Sig = Sig {
    name: "cursor",
    pos: &["factory"],
    posonly: 0,
    required: 0,
    kwonly: &[],
};

/// `Connection.cursor(factory=Cursor)`.
fn conn_cursor(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let s = CURSOR_SIG.bind(vm, &args, 1)?;
    c.check(vm)?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    make_cursor(vm, c, &me, s.first().cloned().flatten())
}

fn make_cursor(vm: &mut Vm, c: &Connection, me: &Value, factory: Option<Value>) -> PyResult<Value> {
    let cursor_t = super::cursor_type(vm)?;
    let factory = factory.unwrap_or_else(|| Value::Obj(cursor_t.clone()));
    let cur = vm.call(&factory, &[me.clone()])?;
    let ty = vm.type_of(&cur);
    if !is_subtype(&ty, &cursor_t) {
        return Err(vm.type_error(format!(
            "factory must return a cursor, not {}",
            vm.type_name_of(&cur)
        )));
    }
    let rf = c.row_factory.borrow().clone();
    if !matches!(rf, Value::None) {
        cursor::set_row_factory_of(vm, &cur, rf);
    }
    Ok(cur)
}

/// `self.cursor()` as CPython calls it (a subclass may override it).
fn new_cursor(vm: &mut Vm, args: &Args) -> PyResult<Value> {
    let me = args.args.first().cloned().unwrap_or(Value::None);
    vm.call_method(&me, "cursor", &[])
}

fn conn_execute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let pos = args.pos();
    if pos.len() < 2 || pos.len() > 3 {
        return Err(vm.type_error(format!(
            "execute expected at least 1 argument, got {}",
            pos.len().saturating_sub(1)
        )));
    }
    let sql = pos.get(1).cloned().unwrap_or(Value::None);
    str_arg(vm, &sql, "execute() argument 1")?;
    let _ = c;
    let cur = new_cursor(vm, &args)?;
    cursor::execute(vm, &cur, &sql, pos.get(2).cloned(), false)?;
    Ok(cur)
}

fn conn_executemany(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    let pos = args.pos();
    if pos.len() != 3 {
        return Err(vm.type_error(format!(
            "executemany expected 2 arguments, got {}",
            pos.len().saturating_sub(1)
        )));
    }
    let sql = pos.get(1).cloned().unwrap_or(Value::None);
    str_arg(vm, &sql, "executemany() argument 1")?;
    let cur = new_cursor(vm, &args)?;
    cursor::execute(vm, &cur, &sql, pos.get(2).cloned(), true)?;
    Ok(cur)
}

fn conn_executescript(vm: &mut Vm, args: Args) -> PyResult<Value> {
    this(vm, &args)?;
    let Some(script) = args.pos().get(1).cloned() else {
        return Err(vm.type_error("executescript() takes exactly one argument (0 given)"));
    };
    let cur = new_cursor(vm, &args)?;
    vm.call_method(&cur, "executescript", &[script])?;
    Ok(cur)
}

/// COMMIT when a transaction is open.
pub fn commit(vm: &mut Vm, c: &Connection) -> PyResult<()> {
    let db = c.check(vm)?;
    if !db.autocommit() {
        run_simple(vm, &db, "COMMIT")?;
    }
    Ok(())
}

fn rollback(vm: &mut Vm, c: &Connection) -> PyResult<()> {
    let db = c.check(vm)?;
    if !db.autocommit() {
        run_simple(vm, &db, "ROLLBACK")?;
    }
    Ok(())
}

fn conn_commit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    commit(vm, c)?;
    Ok(Value::None)
}

fn conn_rollback(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    rollback(vm, c)?;
    Ok(Value::None)
}

fn conn_close(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    c.check_thread(vm)?;
    if !c.initialized.get() {
        return Err(err(
            vm,
            Exc::ProgrammingError,
            "Base Connection.__init__ not called.",
        ));
    }
    let db = c.db.borrow_mut().take();
    if let Some(db) = db {
        db.close();
    }
    Ok(Value::None)
}

fn conn_enter(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    c.check_open(vm)?;
    Ok(args.args.first().cloned().unwrap_or(Value::None))
}

fn conn_exit(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let pos = args.pos();
    if pos.len() != 4 {
        return Err(vm.type_error(format!(
            "__exit__ expected 3 arguments, got {}",
            pos.len().saturating_sub(1)
        )));
    }
    let clean = pos.iter().skip(1).all(|v| matches!(v, Value::None));
    if clean {
        if let Err(e) = commit(vm, c) {
            // Commit failed: roll back to unlock the database.
            let _ = rollback(vm, c);
            return Err(e);
        }
    } else {
        rollback(vm, c)?;
    }
    Ok(Value::bool(false))
}

fn conn_interrupt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    let db = c.check_open(vm)?;
    callbacks::interrupt(&db);
    Ok(Value::None)
}

/// `iterdump()`: `sqlite3.dump._iterdump(self)`.
fn conn_iterdump(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let c = this(vm, &args)?;
    c.check_open(vm)?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let m = vm.import_by_name("sqlite3.dump")?;
    let f = vm.getattr_str(&m, "_iterdump")?;
    vm.call(&f, &[me])
}

fn getter_conn<'a>(vm: &Vm, v: &'a Value) -> PyResult<&'a Connection> {
    conn_of(vm, v)
}

fn get_isolation_level(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let c = getter_conn(vm, v)?;
    c.check_open(vm)?;
    let l = *c.level.borrow();
    Ok(match l {
        Some(l) => vm.new_str(l),
        None => Value::None,
    })
}

fn set_isolation_level(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let c = getter_conn(vm, v)?;
    let Some(new) = new else {
        return Err(vm.attribute_error("cannot delete attribute"));
    };
    c.check_open(vm)?;
    let level = level_of(vm, &new)?;
    if level.is_none() {
        // Leaving transaction control: COMMIT to re-enable autocommit.
        commit(vm, c)?;
    }
    *c.level.borrow_mut() = level;
    Ok(())
}

fn get_total_changes(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let c = getter_conn(vm, v)?;
    let db = c.check_open(vm)?;
    Ok(Value::Int(db.total_changes()))
}

fn get_in_transaction(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let c = getter_conn(vm, v)?;
    let db = c.check_open(vm)?;
    Ok(Value::bool(!db.autocommit()))
}

fn get_row_factory(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(getter_conn(vm, v)?.row_factory.borrow().clone())
}

fn set_row_factory(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let c = getter_conn(vm, v)?;
    *c.row_factory.borrow_mut() = new.unwrap_or(Value::None);
    Ok(())
}

fn get_text_factory(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(getter_conn(vm, v)?.text_factory.borrow().clone())
}

fn set_text_factory(vm: &mut Vm, v: &Value, new: Option<Value>) -> PyResult<()> {
    let c = getter_conn(vm, v)?;
    *c.text_factory.borrow_mut() = new.unwrap_or(Value::None);
    Ok(())
}
