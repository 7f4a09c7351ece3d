//! Code objects prepared for execution: constants converted to values,
//! names interned, the exception table decoded (offsets in code units).

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use crate::objects::Payload;
use crate::pyc::code::Tables;
use crate::pyc::code::{CO_FAST_CELL, CO_FAST_FREE};
use crate::pyc::{CodeObject, Obj, Object};

use super::code_lazy::{Form, Lazy, MemoMap};
use super::value::{PyRef, Value};
use super::Vm;

/// One exception-table entry, in code units.
#[derive(Clone, Copy, Debug)]
pub struct Handler {
    pub start: usize,
    pub end: usize,
    pub target: usize,
    pub depth: usize,
    pub lasti: bool,
}

/// One code unit decoded for the eval loop. At an instruction start: the
/// opcode, its argument with the EXTENDED_ARG prefixes before it folded
/// in, how many units the instruction spans with its inline cache entries,
/// and its inline-cache slot (vm/ops/cache.rs). An opcode number
/// `opcode.opmap` lacks reads as CACHE, which the loop reports as an
/// unknown opcode (as CPython does for CACHE, it never runs); so does every
/// unit that is not an instruction start (the verifier keeps execution
/// off them).
#[derive(Clone, Copy)]
pub struct Instr {
    pub op: crate::pyc::opcode::Op,
    pub len: u8,
    /// The inline-cache slot of LOAD_GLOBAL, LOAD_ATTR, LOAD_METHOD,
    /// STORE_ATTR, LOAD_NAME and STORE_NAME (`NO_SLOT` otherwise).
    pub slot: u16,
    pub arg: u32,
}

impl Instr {
    pub(crate) const NOT_A_START: Instr = Instr {
        op: crate::pyc::opcode::Op::Cache,
        len: 1,
        slot: super::ops::cache::NO_SLOT,
        arg: 0,
    };
}

/// Prepare `code` for the eval loop in one pass along its instruction
/// starts (cache units skipped): the decoded units, with an inline-cache
/// slot number (vm/ops/cache.rs) for each LOAD_GLOBAL, LOAD_ATTR,
/// LOAD_METHOD and STORE_ATTR that has its cache units, and each LOAD_NAME
/// and STORE_NAME, numbered in code order. Each EXTENDED_ARG's byte is
/// folded into the argument of the instruction it precedes, as the eval
/// loop of CPython does at run time; an EXTENDED_ARG itself then runs as a
/// no-op. Also gives the number of slots.
fn decode_units(code: &[u8]) -> (Box<[Instr]>, usize) {
    use super::ops::cache::NO_SLOT;
    use crate::pyc::opcode::Op;
    let (units, _) = code.as_chunks::<2>();
    let mut out: Vec<Instr> = vec![Instr::NOT_A_START; units.len()];
    let (mut i, mut ext, mut nslots) = (0, 0u32, 0usize);
    while let (Some(&[o, a]), Some(slot)) = (units.get(i), out.get_mut(i)) {
        let op = Op::decode(o);
        let caches = op.map_or(0, |op| op.cache_units());
        let ic = match op {
            Some(Op::LoadGlobal | Op::LoadAttr | Op::LoadMethod | Op::StoreAttr) => {
                match units.get(i + 1) {
                    Some(_) => {
                        let n = u16::try_from(nslots).unwrap_or(NO_SLOT);
                        nslots += 1;
                        n
                    }
                    None => NO_SLOT,
                }
            }
            // No cache units in the bytecode: the slot is only in `Instr`.
            Some(Op::LoadName | Op::StoreName) => {
                let n = u16::try_from(nslots).unwrap_or(NO_SLOT);
                nslots += 1;
                n
            }
            _ => NO_SLOT,
        };
        *slot = Instr {
            op: op.unwrap_or(Op::Cache),
            len: 1 + caches as u8,
            slot: ic,
            arg: a as u32 | ext,
        };
        ext = match op {
            Some(Op::ExtendedArg) => slot.arg << 8,
            _ => 0,
        };
        i += 1 + caches;
    }
    (out.into_boxed_slice(), nslots.min(NO_SLOT as usize))
}

/// Whether an EXTENDED_ARG comes right before the instruction at `pc` (a
/// trace skips the instruction after it, as CPython's does).
pub fn prefixed(instrs: &[Instr], pc: usize) -> bool {
    pc.checked_sub(1)
        .and_then(|p| instrs.get(p))
        .is_some_and(|i| i.op == crate::pyc::opcode::Op::ExtendedArg)
}

#[derive(Clone)]
pub struct Code {
    /// What the code keeps of the bytes of its marshal form, in one
    /// block: the original `co_code` (two bytes per code unit; `co_code`,
    /// the verifier and the few readers of raw units read it),
    /// `co_linetable`, `co_exceptiontable` (the line and position views of
    /// `co()` read them) and `co_localspluskinds`, one after the other
    /// (`code_len`, `lt_len`, `et_len` bytes; the kinds last). CPython
    /// keeps these as three bytes objects and a bytes object; one block
    /// of their exact size is the smallest form (session 14: the marshal
    /// nodes kept before took about 200 bytes per code object more).
    tables: Box<[u8]>,
    code_len: u32,
    lt_len: u32,
    et_len: u32,
    /// The instructions decoded once, one entry per code unit (what the
    /// eval loop reads; the inline-cache slot of each instruction that has
    /// one is in its entry).
    pub instrs: Lazy<Instr>,
    /// The inline caches (vm/ops/cache.rs), by slot number: empty until
    /// the first one is filled (most code of an imported module never
    /// runs), then `nslots` of them.
    pub ics: std::cell::RefCell<Box<[super::ops::Ic]>>,
    nslots: std::cell::Cell<u16>,
    /// Cache fills asked for before `ics` was made (`Code::ic_set`): the
    /// caches are made once some site asks a second time, so code that
    /// runs once (module and class bodies, most functions of an imported
    /// module) fills none.
    pub ic_misses: std::cell::Cell<u16>,
    pub consts: Lazy<Value>,
    pub names: Lazy<PyRef>,
    pub localsplusnames: Box<[PyRef]>,
    pub handlers: Lazy<Handler>,
    pub argcount: usize,
    pub posonlyargcount: usize,
    pub kwonlyargcount: usize,
    pub flags: u32,
    pub stacksize: usize,
    pub name: PyRef,
    pub qualname: PyRef,
    /// `co_filename`: replaced by `_imp._fix_co_filename` when a module's
    /// cached code names another path than where it was found.
    filename: std::cell::RefCell<PyRef>,
    pub firstlineno: i32,
    /// The `code` object last handed out for this code (`Vm::code_object`),
    /// so `f.__code__ is f.__code__` and `frame.f_code is f.__code__`.
    wrapper: WrapperCell,
    /// Which load-wide object `co_consts`, `co_names`,
    /// `co_localsplusnames`, `co_linetable` and `co_exceptiontable` were
    /// (0: one of its own). The compiler merges equal tuples and tables
    /// across a module's code objects and marshal writes a shared one
    /// once; `marshal.dumps` does the same for equal ids.
    /// Set when the load ends (vm/code_load.rs: back-references come
    /// after the code object is made).
    pub share_ids: std::cell::Cell<[u32; 5]>,
    /// Bit i: constant i is a number that other code objects of its
    /// module share (marshal then flags it for back-references).
    shared_consts: std::cell::OnceCell<Box<SharedBits>>,
    /// Bit 0: `co_name`, bit 1: `co_qualname` is shared with other code
    /// objects of its module (`<listcomp>`, `<lambda>`, ...); bit 2: the
    /// constants are a copy of a live tuple's items (`code.replace`), one
    /// reference more each than CPython counts.
    pub shared_names: std::cell::Cell<u8>,
    /// Bit `VERIFIED`: the bytecode verifier accepted this code (it runs
    /// before the code's first frame: most functions of an imported module
    /// never run, and loading stays one pass). Bit `PREPARED`: `instrs`,
    /// `nslots` and `handlers` are there (made from `tables` when the code
    /// first runs or is looked into, `Vm::ensure_prepared`; until then
    /// they are empty). Bits `NATIVE_SHIFT..`: `c_accel::native_in_cpython`
    /// of this code, once asked (0: not yet, 1: no, 2: yes); reset when
    /// `co_filename` changes. Bit `PLAIN_ARGS`: verified, and the
    /// parameters are positional only as far as a call's binding in place
    /// cares (no keyword-only ones, no `*args`/`**kwargs`): one test for
    /// the eval loop's calls. One byte (`Code` fits its 256-byte block).
    state: std::cell::Cell<u8>,
    /// pycvm's own frozen import system (`Vm::const_value_trusted`) or a
    /// main program verified as a whole: the verifier does not run.
    trusted: bool,
}

/// `Code::state` bits.
const VERIFIED: u8 = 1;
const PREPARED: u8 = 2;
const NATIVE_SHIFT: u8 = 2;
const NATIVE_MASK: u8 = 3 << NATIVE_SHIFT;
const PLAIN_ARGS: u8 = 16;

impl Code {
    /// A copy of this code for `code.replace`: the same fields, no cached
    /// `code` object of its own yet.
    pub fn detached_clone(&self) -> Code {
        let mut c = self.clone();
        // Replaced constants or names change what the verifier checks.
        c.state.set(c.state.get() & PREPARED);
        c.trusted = false;
        c
    }

    #[inline(always)]
    fn has(&self, bit: u8) -> bool {
        self.state.get() & bit != 0
    }

    #[inline(always)]
    fn mark(&self, bit: u8) {
        self.state.set(self.state.get() | bit);
    }

    fn set_native(&self, n: u8) {
        self.state
            .set(self.state.get() & !NATIVE_MASK | (n << NATIVE_SHIFT));
    }

    /// Whether CPython runs this code in C (`c_accel::native_in_cpython`:
    /// its frames stay out of tracebacks), asked once.
    #[inline]
    pub fn native_in_cpython(&self) -> bool {
        match (self.state.get() & NATIVE_MASK) >> NATIVE_SHIFT {
            0 => {
                let n = crate::objects::c_accel::native_in_cpython(self);
                self.set_native(1 + u8::from(n));
                n
            }
            n => n == 2,
        }
    }

    /// Check the bytecode before its first frame (vm/verify.rs): a code
    /// object the verifier refuses raises SystemError where it would run
    /// (CPython runs such code and fails or crashes inside it).
    #[inline(always)]
    pub fn ensure_verified(&self, vm: &mut super::Vm) -> super::PyResult<()> {
        if self.has(VERIFIED) {
            return Ok(());
        }
        self.verify_now(vm)
    }

    /// Whether the verifier accepted this code already.
    #[inline(always)]
    pub fn is_verified(&self) -> bool {
        self.has(VERIFIED)
    }

    /// Verified, with no keyword-only parameters, `*args` or `**kwargs`
    /// (bit `PLAIN_ARGS`).
    #[inline(always)]
    pub fn is_plain_verified(&self) -> bool {
        self.has(PLAIN_ARGS)
    }

    fn mark_verified(&self) {
        use crate::pyc::code::{CO_VARARGS, CO_VARKEYWORDS};
        let plain = self.kwonlyargcount == 0 && self.flags & (CO_VARARGS | CO_VARKEYWORDS) == 0;
        self.mark(if plain {
            VERIFIED | PLAIN_ARGS
        } else {
            VERIFIED
        });
    }

    #[cold]
    #[inline(never)]
    fn verify_now(&self, vm: &mut super::Vm) -> super::PyResult<()> {
        vm.ensure_prepared(self);
        if self.trusted {
            self.mark_verified();
            return Ok(());
        }
        // The original bytes (`code` has inline-cache slot numbers).
        let input = super::verify::VerifyInput {
            name: std::borrow::Cow::Borrowed(self.name_str()),
            code: self.raw_code(),
            nconsts: self.consts.len(),
            nnames: self.names.len(),
            nlocalsplus: self.localsplusnames.len(),
            kinds: self.localspluskinds(),
            stacksize: self.stacksize,
            exceptiontable: self.exceptiontable(),
        };
        super::verify::verify_input(&input).map_err(|e| vm.system_error(e.to_string()))?;
        self.mark_verified();
        Ok(())
    }

    /// Bit i: constant i is a number that other code objects of its module
    /// share (see the field).
    pub fn shared_consts(&self) -> &[u64] {
        self.shared_consts.get().map_or(&[], |v| v.0.as_slice())
    }

    /// Mark every constant as shared (`code.replace` with new constants).
    pub fn set_all_consts_shared(&mut self) {
        let bits = vec![u64::MAX; self.consts.len().div_ceil(64)];
        self.shared_consts = std::cell::OnceCell::from(Box::new(SharedBits(bits)));
    }

    pub fn nlocalsplus(&self) -> usize {
        self.localsplusnames.len()
    }

    /// The byte tables, for the line, position and exception-table views
    /// (`lines`, `positions`, `addr2line`, ...).
    pub fn co(&self) -> Option<Tables<'_>> {
        Some(Tables {
            code: self.raw_code(),
            linetable: self.linetable(),
            exceptiontable: self.exceptiontable(),
            firstlineno: self.firstlineno,
        })
    }

    /// The original instruction bytes (two per code unit; no inline-cache
    /// slot numbers or specialised opcodes are ever written into them).
    pub fn raw_code(&self) -> &[u8] {
        self.tables.get(..self.code_len as usize).unwrap_or(&[])
    }

    /// `co_localspluskinds`.
    pub fn localspluskinds(&self) -> &[u8] {
        let start = self.code_len as usize + self.lt_len as usize + self.et_len as usize;
        self.tables.get(start..).unwrap_or(&[])
    }

    /// `co_code`: the instruction bytes as CPython gives them (inline
    /// caches zeroed, specialised opcodes undone).
    pub fn co_code(&self) -> Vec<u8> {
        crate::pyc::opcode::deopt_code(self.raw_code())
    }

    /// How many inline-cache slots the code has (vm/ops/cache.rs).
    pub fn nslots(&self) -> u32 {
        u32::from(self.nslots.get())
    }

    /// A function's `__doc__`: `co_consts[0]` when it is a str, even
    /// before the code is prepared.
    pub fn doc_const(&self) -> Value {
        match self.consts.first().cloned() {
            Some(Value::Obj(o)) if matches!(o.payload, Payload::Str(_)) => Value::Obj(o),
            _ => Value::None,
        }
    }

    /// Whether the constants, names and instructions are there (see
    /// vm/code_lazy.rs).
    pub fn is_prepared(&self) -> bool {
        self.has(PREPARED)
    }

    /// Replace `co_consts` (`code.replace`).
    pub fn set_consts(&mut self, items: Box<[Value]>) {
        self.consts = Lazy::ready(items);
    }

    /// Replace `co_names` (`code.replace`).
    pub fn set_names(&mut self, names: Box<[PyRef]>) {
        self.names = Lazy::ready(names);
    }

    /// `co_linetable`.
    pub fn linetable(&self) -> &[u8] {
        let start = self.code_len as usize;
        self.tables
            .get(start..start + self.lt_len as usize)
            .unwrap_or(&[])
    }

    /// `co_exceptiontable`.
    pub fn exceptiontable(&self) -> &[u8] {
        let start = self.code_len as usize + self.lt_len as usize;
        self.tables
            .get(start..start + self.et_len as usize)
            .unwrap_or(&[])
    }

    /// Set `co_firstlineno` (`code.replace`): the line tables count from it.
    pub fn set_firstlineno(&mut self, line: i32) {
        self.firstlineno = line;
    }

    /// The line of the instruction at code unit `lasti`.
    pub fn line_of(&self, lasti: usize) -> Option<i32> {
        self.co()?.addr2line((lasti * 2) as u32)
    }

    /// The handler covering code unit `lasti`, if any.
    pub fn handler_for(&self, lasti: usize) -> Option<Handler> {
        self.handlers
            .iter()
            .find(|h| h.start <= lasti && lasti < h.end)
            .copied()
    }

    pub fn is_cell(&self, i: usize) -> bool {
        self.localspluskinds()
            .get(i)
            .is_some_and(|k| k & CO_FAST_CELL != 0)
    }

    pub fn is_free(&self, i: usize) -> bool {
        self.localspluskinds()
            .get(i)
            .is_some_and(|k| k & CO_FAST_FREE != 0)
    }

    pub fn name_str(&self) -> &str {
        str_of(&self.name)
    }

    pub fn qualname_str(&self) -> &str {
        str_of(&self.qualname)
    }

    /// `co_filename` as a str object.
    pub fn filename(&self) -> PyRef {
        self.filename.borrow().clone()
    }

    pub fn filename_string(&self) -> String {
        str_of(&self.filename.borrow()).to_string()
    }

    /// Set `co_filename` here and in every nested code object.
    pub fn set_filename(&self, name: &PyRef) {
        *self.filename.borrow_mut() = name.clone();
        // The cached "runs in C" answer depends on the name.
        self.set_native(0);
        for c in self.consts.iter() {
            if let Value::Obj(o) = c {
                if let Payload::Code(inner) = &o.payload {
                    inner.set_filename(name);
                }
            }
        }
    }
}

/// `Code::shared_consts`: which of `consts` are numbers the load shares
/// (no allocation when none is).
fn shared_numbers(consts: &[Obj]) -> Option<Box<SharedBits>> {
    let shared = |c: &Obj| matches!(c.value(), Object::Int(_) | Object::Float(_)) && c.is_shared();
    if !consts.iter().any(shared) {
        return None;
    }
    let mut bits = vec![0u64; consts.len().div_ceil(64)];
    for (i, c) in consts.iter().enumerate() {
        if shared(c) {
            if let Some(w) = bits.get_mut(i / 64) {
                *w |= 1 << (i % 64);
            }
        }
    }
    Some(Box::new(SharedBits(bits)))
}

/// `Code::shared_consts` when a constant is shared: behind one pointer
/// (none in most code objects), so the field is one word.
#[derive(Clone)]
struct SharedBits(Vec<u64>);

/// `Code::wrapper`: the `code` object last handed out, held weakly. One
/// word (a `RefCell` would add its borrow flag); a clone of the code
/// (`code.replace`) starts without one.
#[derive(Default)]
struct WrapperCell(std::cell::Cell<crate::objects::rc::Weak<crate::objects::PyObject>>);

impl Clone for WrapperCell {
    fn clone(&self) -> Self {
        WrapperCell::default()
    }
}

impl WrapperCell {
    fn get(&self) -> Option<PyRef> {
        let w = self.0.take();
        let o = w.upgrade();
        self.0.set(w);
        o
    }

    fn set(&self, o: &PyRef) {
        self.0.set(Rc::downgrade(o));
    }
}

/// The one block of `Code::tables`: the code, line table, exception
/// table and slot kinds, and the first three's lengths (each below 4 GiB,
/// as the marshal reader's lengths are).
fn tables_block(parts: [&[u8]; 4]) -> (Box<[u8]>, u32, u32, u32) {
    let mut block = Vec::with_capacity(parts.iter().map(|p| p.len()).sum());
    for p in parts {
        block.extend_from_slice(p);
    }
    let len = |p: &[u8]| u32::try_from(p.len()).unwrap_or(u32::MAX);
    (
        block.into_boxed_slice(),
        len(parts[0]),
        len(parts[1]),
        len(parts[2]),
    )
}

/// What a loaded code object is made of (`Code::assemble`).
pub struct CodeInit<'a> {
    /// co_code, co_linetable, co_exceptiontable, co_localspluskinds.
    pub tables: [&'a [u8]; 4],
    /// argcount, posonlyargcount, kwonlyargcount, stacksize, flags.
    pub header: [i32; 5],
    pub firstlineno: i32,
    pub consts: Box<[Value]>,
    pub names: Box<[PyRef]>,
    pub localsplusnames: Box<[PyRef]>,
    pub name: PyRef,
    pub qualname: PyRef,
    pub filename: PyRef,
    pub trusted: bool,
}

impl Code {
    /// A code object from its loaded parts, its instructions waiting
    /// (`Vm::ensure_prepared`) and nothing shared yet.
    pub fn assemble(p: CodeInit<'_>) -> Code {
        let (tables, code_len, lt_len, et_len) = tables_block(p.tables);
        let [argcount, posonlyargcount, kwonlyargcount, stacksize, flags] = p.header;
        Code {
            tables,
            code_len,
            lt_len,
            et_len,
            instrs: Lazy::empty(),
            ics: std::cell::RefCell::new(Box::new([])),
            nslots: std::cell::Cell::new(0),
            ic_misses: std::cell::Cell::new(0),
            consts: Lazy::ready(p.consts),
            names: Lazy::ready(p.names),
            localsplusnames: p.localsplusnames,
            handlers: Lazy::empty(),
            argcount: argcount.max(0) as usize,
            posonlyargcount: posonlyargcount.max(0) as usize,
            kwonlyargcount: kwonlyargcount.max(0) as usize,
            flags: flags as u32,
            stacksize: stacksize.max(0) as usize,
            name: p.name,
            qualname: p.qualname,
            filename: std::cell::RefCell::new(p.filename),
            firstlineno: p.firstlineno,
            wrapper: Default::default(),
            share_ids: Default::default(),
            shared_consts: Default::default(),
            shared_names: Default::default(),
            state: std::cell::Cell::new(0),
            trusted: p.trusted,
        }
    }

    /// Record what its load shares (vm/code_load.rs, when the load ends):
    /// the ids of `share_ids`, the bits of `shared_names` and the
    /// positions of the shared numbers among the constants.
    pub fn set_load_sharing(&self, share_ids: [u32; 5], shared_names: u8, numbers: &[u32]) {
        self.share_ids.set(share_ids);
        self.shared_names.set(shared_names);
        if numbers.is_empty() {
            return;
        }
        let mut bits = vec![0u64; self.consts.len().div_ceil(64)];
        for &i in numbers {
            if let Some(w) = bits.get_mut(i as usize / 64) {
                *w |= 1 << (i % 64);
            }
        }
        let _ = self.shared_consts.set(Box::new(SharedBits(bits)));
    }
}

fn str_of(r: &PyRef) -> &str {
    match &r.payload {
        Payload::Str(s) => s.as_str(),
        _ => "",
    }
}

/// The values made from the shared objects of one marshal load, by the
/// object's address: a name that marshal writes once and refers back to
/// (`self`, `__class__`, ...) is interned once, and an object referred to
/// twice converts to one value, as CPython's `r_ref` gives. Each outermost
/// conversion gets its own map, which the code objects of the load that
/// are prepared later keep (vm/code_lazy.rs), so no address is reused
/// across loads.
#[derive(Default)]
pub struct LoadMemo {
    depth: u32,
    /// The last id handed out for a shared object (`Code::share_ids`).
    share_id: u32,
    map: Option<Rc<MemoMap>>,
}

impl LoadMemo {
    /// The value (`Form::Value`) or the interned form as a name
    /// (`Form::Name`) of `o` made earlier in this load.
    #[inline]
    fn get(&self, o: &Obj, form: Form) -> Option<Value> {
        self.map.as_ref()?.get(o, form)
    }

    fn put(&mut self, o: &Obj, form: Form, v: &Value) {
        self.map
            .get_or_insert_with(Default::default)
            .put(o, form, v);
    }

    /// The map of the current load, for a code object prepared later.
    fn current(&mut self) -> Rc<MemoMap> {
        self.map.get_or_insert_with(Default::default).clone()
    }

    /// Enter a conversion (a new load when none is under way).
    fn enter(&mut self) {
        self.depth += 1;
    }

    /// Leave a conversion: the outermost one forgets its map.
    fn leave(&mut self) {
        self.depth -= 1;
        if self.depth == 0 {
            self.map = None;
        }
    }
}

impl Vm {
    /// Prepare a marshal code object for execution (the code objects
    /// nested in its constants decode their instructions when they first
    /// run). (`_obj` is `co`'s marshal handle; what the code keeps of it
    /// comes from `co`.)
    pub fn prepare_code(&mut self, _obj: &Obj, co: &CodeObject) -> Rc<Code> {
        self.load_memo.enter();
        let code = self.code_stub(co);
        self.load_memo.leave();
        self.fill_code(&code);
        Rc::new(code)
    }

    /// `prepare_code` for code that `verify::verify_nested` accepted:
    /// neither it nor its nested code objects run the verifier again.
    pub fn prepare_code_verified(&mut self, co: &CodeObject) -> Rc<Code> {
        self.load_memo.enter();
        if self.load_memo.depth == 1 {
            self.load_memo.current().trusted.set(true);
        }
        let code = self.code_stub(co);
        self.load_memo.leave();
        self.fill_code(&code);
        Rc::new(code)
    }

    /// Prepare `code` now if it waits for its preparation (before its
    /// first frame, or when Python code looks into it).
    #[inline]
    pub fn ensure_prepared(&mut self, code: &Code) {
        if code.has(PREPARED) {
            return;
        }
        self.fill_code(code);
    }

    /// `ensure_prepared` for `code` and every code object nested in its
    /// constants (`marshal.dumps` reads them all).
    pub fn ensure_prepared_deep(&mut self, code: &Code) {
        self.ensure_prepared(code);
        for c in code.consts.iter() {
            if let Value::Obj(o) = c {
                if let Payload::Code(inner) = &o.payload {
                    self.ensure_prepared_deep(inner);
                }
            }
        }
    }

    /// A code object made from `co` with its constants (nested code
    /// objects made the same way) and names converted, within the
    /// conversion of its load, as CPython's marshal makes them: nothing
    /// of the marshal objects stays (their bytes are copied into
    /// `tables`). The instructions wait (`fill_code`).
    fn code_stub(&mut self, co: &CodeObject) -> Code {
        let shared_consts = shared_numbers(co.consts());
        let shared_names = u8::from(co.name.is_shared()) | (u8::from(co.qualname.is_shared()) << 1);
        let lnames: Vec<PyRef> = co
            .localsplusnames()
            .iter()
            .map(|n| self.intern_obj(n))
            .collect();
        let name = self.intern_obj(&co.name);
        let qualname = self.intern_obj(&co.qualname);
        let filename = self.intern_obj(&co.filename);
        let consts: Vec<Value> = co.consts().iter().map(|c| self.code_const_in(c)).collect();
        let names: Vec<PyRef> = co.names().iter().map(|n| self.intern_obj(n)).collect();
        let share_ids = [
            self.share_id(&co.consts),
            self.share_id(&co.names),
            self.share_id(&co.localsplusnames),
            self.share_id(&co.linetable),
            self.share_id(&co.exceptiontable),
        ];
        let trusted = self.load_memo.current().trusted.get();
        let mut code = Code::assemble(CodeInit {
            tables: [
                co.code(),
                co.linetable(),
                co.exceptiontable(),
                co.localspluskinds(),
            ],
            header: [
                co.argcount,
                co.posonlyargcount,
                co.kwonlyargcount,
                co.stacksize,
                co.flags,
            ],
            firstlineno: co.firstlineno,
            consts: consts.into_boxed_slice(),
            names: names.into_boxed_slice(),
            localsplusnames: lnames.into_boxed_slice(),
            name,
            qualname,
            filename,
            trusted,
        });
        code.share_ids = std::cell::Cell::new(share_ids);
        code.shared_names = std::cell::Cell::new(shared_names);
        if let Some(bits) = shared_consts {
            code.shared_consts = std::cell::OnceCell::from(bits);
        }
        code
    }

    /// Make what `code_stub` left out (the decoded instructions, their
    /// inline-cache slots and the exception handlers) from `tables`.
    #[cold]
    #[inline(never)]
    fn fill_code(&mut self, code: &Code) {
        if code.has(PREPARED) {
            return;
        }
        let handlers = crate::pyc::code::parse_exception_table(code.exceptiontable())
            .iter()
            .map(|e| Handler {
                start: (e.start / 2) as usize,
                end: (e.end / 2) as usize,
                target: (e.target / 2) as usize,
                depth: e.depth as usize,
                lasti: e.lasti,
            })
            .collect::<Vec<_>>();
        let (instrs, nslots) = decode_units(code.raw_code());
        code.handlers.fill(handlers.into_boxed_slice());
        code.instrs.fill(instrs);
        code.nslots.set(u16::try_from(nslots).unwrap_or(0));
        code.mark(PREPARED);
    }

    /// A fresh id for `Code::share_ids` (`code.replace` copies share their
    /// fields with the original).
    pub fn new_share_id(&mut self) -> u32 {
        let m = &mut self.load_memo;
        m.share_id = m.share_id.checked_add(1).unwrap_or(1);
        m.share_id
    }

    /// The id of a non-empty tuple or bytes object that several code
    /// objects of this load share, else 0 (see `Code::share_ids`).
    fn share_id(&mut self, t: &Obj) -> u32 {
        let empty = match t.value() {
            Object::Tuple(v) => v.is_empty(),
            Object::Bytes(b) => b.is_empty(),
            _ => true,
        };
        if empty || !t.is_shared() {
            return 0;
        }
        // Tuples and bytes are never interned as names: that form is free.
        if let Some(Value::Int(id)) = self.load_memo.get(t, Form::Name) {
            return u32::try_from(id).unwrap_or(0);
        }
        let id = self.new_share_id();
        self.load_memo
            .put(t, Form::Name, &Value::Int(i64::from(id)));
        id
    }

    fn intern_obj(&mut self, o: &Obj) -> PyRef {
        let shared = o.is_shared();
        if shared {
            if let Some(Value::Obj(r)) = self.load_memo.get(o, Form::Name) {
                return r;
            }
        }
        let r = match o.value() {
            Object::Str(s) => match s.as_str() {
                Some(t) => self.intern(t),
                None => self.intern(&s.to_string_lossy()),
            },
            _ => self.intern(""),
        };
        if shared {
            self.load_memo.put(o, Form::Name, &Value::Obj(r.clone()));
        }
        r
    }

    /// The `code` object of `code`: the one already handed out while it is
    /// alive (CPython's code objects are unique), else a new one.
    pub fn code_object(&self, code: &Rc<Code>) -> PyRef {
        if let Some(o) = code.wrapper.get() {
            return o;
        }
        let o = self.new_obj(&self.types.code, Payload::Code(code.clone()));
        code.wrapper.set(&o);
        o
    }

    /// A marshal constant as a value.
    pub fn const_value(&mut self, c: &Obj) -> Value {
        self.load_memo.enter();
        let v = self.const_in(c);
        self.load_memo.leave();
        v
    }

    /// `const_value` for pycvm's own frozen modules (src/import/frozen:
    /// CPython's compiler made them and they are built into the binary;
    /// tests/verify.rs checks them): their code objects skip the verifier.
    pub fn const_value_trusted(&mut self, c: &Obj) -> Value {
        self.load_memo.enter();
        if self.load_memo.depth == 1 {
            self.load_memo.current().trusted.set(true);
        }
        let v = self.const_in(c);
        self.load_memo.leave();
        v
    }

    /// `const_value` within a conversion: a shared immutable object
    /// converts once.
    fn const_in(&mut self, c: &Obj) -> Value {
        let memo = c.is_shared()
            && matches!(
                c.value(),
                Object::Str(_)
                    | Object::Bytes(_)
                    | Object::Tuple(_)
                    | Object::FrozenSet(_)
                    | Object::Long(_)
                    | Object::Complex { .. }
                    | Object::Code(_)
            );
        if memo {
            if let Some(v) = self.load_memo.get(c, Form::Value) {
                return v;
            }
        }
        let v = self.const_new(c);
        if memo {
            self.load_memo.put(c, Form::Value, &v);
        }
        v
    }

    /// A constant of a code object. CPython's `intern_string_constants`
    /// interns each str constant made only of ASCII letters, digits and
    /// `_` when the code object is made, inside constant tuples too, however
    /// the pyc wrote it (`"%s" % "b"` folds to a `"b"` that is the interned
    /// one).
    fn code_const_in(&mut self, c: &Obj) -> Value {
        match c.value() {
            Object::Str(s) if !s.interned() => match s.as_str() {
                Some(t) if all_name_chars(t) => Value::Obj(self.intern(t)),
                _ => self.const_in(c),
            },
            Object::Tuple(items) if !c.is_shared() => {
                let v = items.iter().map(|i| self.code_const_in(i)).collect();
                self.new_tuple(v)
            }
            _ => self.const_in(c),
        }
    }

    fn const_new(&mut self, c: &Obj) -> Value {
        match c.value() {
            Object::Null | Object::None => Value::None,
            Object::True => Value::Bool(Truth::True),
            Object::False => Value::Bool(Truth::False),
            Object::Ellipsis => Value::Obj(self.ellipsis.clone()),
            Object::StopIteration => {
                Value::Obj(self.exc_type(crate::objects::exception::ExcKind::StopIteration))
            }
            Object::Int(i) => Value::Int(*i),
            Object::Long(b) => self.new_bigint(b.clone()),
            Object::Float(f) => Value::float(*f),
            Object::Complex { re, im } => {
                Value::Obj(self.new_obj(&self.types.complex, Payload::Complex(*re, *im)))
            }
            Object::Str(s) if s.as_str().is_none() => {
                let cps: Vec<u32> = s.chars().collect();
                let o = crate::objects::StrObj::from_code_points(&cps);
                Value::Obj(self.new_obj(&self.types.str, Payload::Str(o)))
            }
            Object::Str(s) => {
                // Text (the case above took lone surrogates): no copy
                // before the str object is made or the interned one found.
                let text = s.as_str().unwrap_or("");
                if s.interned() {
                    Value::Obj(self.intern(text))
                } else {
                    self.new_str(text)
                }
            }
            Object::Bytes(b) => self.new_bytes(b.clone()),
            Object::Tuple(items) => {
                let v = items.iter().map(|i| self.const_in(i)).collect();
                self.new_tuple(v)
            }
            Object::List(items) => {
                let v = items.iter().map(|i| self.const_in(i)).collect();
                self.new_list(v)
            }
            Object::Set(items) | Object::FrozenSet(items) => {
                let vals: Vec<Value> = items.iter().map(|i| self.const_in(i)).collect();
                let frozen = !matches!(c.value(), Object::Set(_));
                self.new_set_from(vals, frozen).unwrap_or(Value::None)
            }
            Object::Dict(pairs) => {
                let d = self.new_dict();
                for (k, v) in pairs {
                    let (k, v) = (self.const_in(k), self.const_in(v));
                    let _ = self.dict_set(&d, k, v);
                }
                Value::Obj(d)
            }
            Object::Code(co) => {
                let code = Rc::new(self.code_stub(co));
                Value::Obj(self.code_object(&code))
            }
        }
    }
}

/// CPython's `all_name_chars`: ASCII letters, digits and `_` only (the
/// empty str too).
fn all_name_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}
