//! Native modules: the modules pycvm implements in Rust in place of
//! CPython's C modules. Each lives in its own file (or folder) with a
//! `pub fn init(vm: &mut Vm) -> PyResult<PyRef>` that builds the module
//! object, and has one line in [`NATIVE_MODULES`].

use crate::objects::function::{Builtin, Module, NativeFn};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod abc;
pub mod accel;
pub mod array;
pub mod array_methods;
pub mod ast;
pub mod ast_build;
pub mod ast_nodes;
pub mod asyncio;
pub mod atexit;
pub mod binargs;
pub mod binascii;
pub mod bisect;
pub mod blake2;
pub mod bz2mod;
pub mod cjk;
pub mod cmath;
pub mod codecs;
pub mod collections;
pub mod contextvars;
pub mod csv;
pub mod decimal;
pub mod dynload;
pub mod elementtree;
pub mod errnomod;
pub mod faulthandler;
pub mod fcntl;
pub mod functools;
pub mod gc;
pub mod grp;
pub mod hashes;
pub mod hashlib_ossl;
pub mod heapq;
pub mod imp;
pub mod io;
pub mod itertools;
pub mod json;
pub mod locale;
pub mod lsprof;
pub mod lzma;
pub mod marshal;
pub mod math;
pub mod mmap;
pub mod multiprocessing;
pub mod opcode;
pub mod operator;
pub mod os_consts;
pub mod pickle;
pub mod posix;
pub mod posixshmem;
pub mod posixsubprocess;
pub mod pwd;
pub mod pyexpat;
pub mod queue;
pub mod random;
pub mod readline;
pub mod resource;
pub mod scrypt;
pub mod select;
pub mod select_epoll;
pub mod signal;
pub mod signal_itimer;
pub mod socket;
pub mod sqlite;
pub mod sre;
pub mod statistics;
pub mod statmod;
pub mod string;
pub mod structfmt;
pub mod structmod;
pub mod symtablemod;
pub mod sys;
pub mod sys_excepthook;
pub mod sys_extra;
pub mod sys_hooks;
pub mod sys_stdin;
pub mod sys_stream_close;
pub mod sys_stream_text;
pub mod sys_trace;
pub mod sys_unraisable;
pub mod termios;
pub mod termios_consts;
pub mod thread;
pub mod thread_start;
pub mod time;
pub mod tracemalloc;
pub mod typing;
pub mod unicodedata;
pub mod warnings;
pub mod weakref;
pub mod zlibmod;
pub mod zstream;

impl Vm {
    /// A new module object with `__name__` set.
    pub fn new_module(&mut self, name: &str) -> PyRef {
        let m = self.new_obj(
            &self.types.module,
            Payload::Module(Module {
                name: name.to_string(),
            }),
        );
        m.set_dict(Some(self.new_dict()));
        let n = self.new_str(name);
        self.set_attr_raw(&m, "__name__", n);
        self.set_attr_raw(&m, "__doc__", Value::None);
        self.set_attr_raw(&m, "__package__", Value::None);
        self.set_attr_raw(&m, "__loader__", Value::None);
        self.set_attr_raw(&m, "__spec__", Value::None);
        m
    }

    /// A builtin function object (not bound to anything).
    pub fn new_builtin_function(&mut self, name: &'static str, f: NativeFn) -> Value {
        let b = self.new_obj(
            &self.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: f,
                self_: None,
                owner: None,
            })),
        );
        Value::Obj(b)
    }

    /// Add native functions to a module.
    pub fn add_functions(&mut self, m: &PyRef, funcs: &[(&'static str, NativeFn)]) {
        if let Payload::Module(md) = &m.payload {
            crate::objects::builtin_sigs::register_module_functions(&md.name, funcs);
        }
        for (name, f) in funcs {
            let b = self.new_obj(
                &self.types.builtin_function,
                Payload::Builtin(Box::new(Builtin {
                    name,
                    guards: crate::vm::call::builtin_call_guards(name),
                    func: *f,
                    self_: None,
                    owner: None,
                })),
            );
            self.set_attr_raw(m, name, Value::Obj(b));
        }
    }
}

/// Builds a native module (a fresh module object each call).
pub type ModuleInit = fn(&mut Vm) -> PyResult<PyRef>;

/// Every native module by name, sorted (`sys.builtin_module_names`,
/// `_imp.is_builtin` and the builtin importer read this table).
pub const NATIVE_MODULES: &[(&str, ModuleInit)] = &[
    ("_abc", abc::init),
    ("_asyncio", asyncio::init),
    ("_ast", ast::init),
    ("_bisect", bisect::init),
    ("_blake2", hashes::init_blake2),
    ("_bz2", bz2mod::init),
    ("_codecs", codecs::init),
    ("_codecs_cn", cjk::init_cn),
    ("_codecs_hk", cjk::init_hk),
    ("_codecs_iso2022", cjk::init_iso2022),
    ("_codecs_jp", cjk::init_jp),
    ("_codecs_kr", cjk::init_kr),
    ("_codecs_tw", cjk::init_tw),
    ("_collections", collections::init),
    ("_contextvars", contextvars::init),
    ("_csv", csv::init),
    ("_datetime", accel::init_datetime),
    ("_decimal", accel::init_decimal),
    ("_elementtree", elementtree::init),
    ("_functools", functools::init),
    ("_hashlib", hashlib_ossl::init),
    ("_heapq", heapq::init),
    ("_imp", imp::init),
    ("_io", io::init),
    ("_json", json::init),
    ("_locale", locale::init),
    ("_lsprof", lsprof::init),
    ("_lzma", lzma::init),
    ("_md5", hashes::init_md5),
    ("_multibytecodec", cjk::init_multibytecodec),
    ("_multiprocessing", multiprocessing::init),
    ("_opcode", opcode::init),
    ("_operator", operator::init),
    ("_pickle", pickle::init),
    ("_posixshmem", posixshmem::init),
    ("_posixsubprocess", posixsubprocess::init),
    ("_queue", queue::init),
    ("_random", random::init),
    ("_sha1", hashes::init_sha1),
    ("_sha256", hashes::init_sha256),
    ("_sha3", hashes::init_sha3),
    ("_sha512", hashes::init_sha512),
    ("_signal", signal::init),
    ("_socket", socket::init),
    ("_sqlite3", sqlite::init),
    ("_sre", sre::init),
    ("_stat", statmod::init),
    ("_statistics", statistics::init),
    ("_string", string::init),
    ("_struct", structmod::init),
    ("_symtable", symtablemod::init),
    ("_thread", thread::init),
    ("_tracemalloc", tracemalloc::init),
    ("_typing", typing::init),
    ("_warnings", warnings::init),
    ("_weakref", weakref::init),
    ("_zoneinfo", accel::init_zoneinfo),
    ("array", array::init),
    ("atexit", atexit::init),
    ("binascii", binascii::init),
    ("builtins", init_builtins),
    ("cmath", cmath::init),
    ("errno", errnomod::init),
    ("faulthandler", faulthandler::init),
    ("fcntl", fcntl::init),
    ("gc", gc::init),
    ("grp", grp::init),
    ("itertools", itertools::init),
    ("marshal", marshal::init),
    ("math", math::init),
    ("mmap", mmap::init),
    ("posix", posix::init),
    ("pwd", pwd::init),
    ("pyexpat", pyexpat::init),
    ("readline", readline::init),
    ("resource", resource::init),
    ("select", select::init),
    ("sys", init_sys),
    ("termios", termios::init),
    ("time", time::init),
    ("unicodedata", unicodedata::init),
    ("zlib", zlibmod::init),
];

fn init_builtins(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(vm.builtins.clone())
}

fn init_sys(vm: &mut Vm) -> PyResult<PyRef> {
    Ok(vm.sys.clone())
}

/// Whether pycvm has a native module `name`.
pub fn is_native(name: &str) -> bool {
    NATIVE_MODULES.iter().any(|(n, _)| *n == name)
}

/// Create the native module `name`, or None if pycvm has none.
pub fn create(vm: &mut Vm, name: &str) -> PyResult<Option<Value>> {
    match NATIVE_MODULES.iter().find(|(n, _)| *n == name) {
        Some((_, init)) => Ok(Some(Value::Obj(init(vm)?))),
        None => Ok(None),
    }
}
