//! The unpickler (Modules/_pickle.c's `load`): its input (a bytes buffer,
//! or a file read a frame or an argument at a time), the stack and its
//! marks, the memo, `find_class`, and `Unpickler.load` / `loads`. The
//! opcodes are in `load_ops.rs`.

use super::{margs, module_error, ustate, UnpicklerState};
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyErr, PyResult, Vm};

pub struct Loader {
    pub m: PyRef,
    pub data: Vec<u8>,
    pub pos: usize,
    /// The file's `read` and `readline` (None: in-memory data).
    pub read: Option<(Value, Value)>,
    pub stack: Vec<Value>,
    pub marks: Vec<usize>,
    pub memo: Vec<Value>,
    pub memo_len: usize,
    pub proto: u8,
    pub fix_imports: bool,
    pub encoding: String,
    pub errors: String,
    pub buffers: Value,
    pub pers_load: Option<Value>,
    /// A `find_class` overridden in Python (None: the native one).
    pub find_class: Option<Value>,
    /// The unpickler's state (its protocol is what `find_class` sees).
    pub st: Option<Value>,
}

impl Loader {
    pub fn new(m: PyRef, st: &UnpicklerState) -> Loader {
        let memo = std::mem::take(&mut *st.memo.borrow_mut());
        let memo_len = memo.iter().filter(|v| !matches!(v, Value::Null)).count();
        Loader {
            m,
            data: Vec::new(),
            pos: 0,
            read: None,
            stack: Vec::with_capacity(32),
            marks: Vec::new(),
            memo,
            memo_len,
            proto: 0,
            fix_imports: st.fix_imports.get(),
            encoding: st.encoding.borrow().clone(),
            errors: st.errors.borrow().clone(),
            buffers: st.buffers.borrow().clone(),
            pers_load: None,
            find_class: None,
            st: None,
        }
    }

    pub fn error(&self, vm: &mut Vm, msg: impl Into<String>) -> PyErr {
        let m = self.m.clone();
        module_error(vm, &m, "UnpicklingError", msg)
    }

    pub fn truncated(&self, vm: &mut Vm) -> PyErr {
        self.error(vm, "pickle data was truncated")
    }

    /// Make `n` bytes available at `self.pos` (`_Unpickler_Read`); returns
    /// their start and moves past them.
    #[inline]
    pub fn read(&mut self, vm: &mut Vm, n: usize) -> PyResult<usize> {
        let start = self.pos;
        if self.data.len().saturating_sub(start) >= n {
            self.pos += n;
            return Ok(start);
        }
        self.read_file(vm, n)
    }

    #[cold]
    fn read_file(&mut self, vm: &mut Vm, n: usize) -> PyResult<usize> {
        let Some((read, _)) = self.read.clone() else {
            return Err(self.truncated(vm));
        };
        let arg = Value::Int(n as i64);
        let data = vm.call(&read, &[arg])?;
        self.data = buffer_bytes(vm, &data)?;
        self.pos = 0;
        if self.data.len() < n {
            return Err(self.truncated(vm));
        }
        self.pos = n;
        Ok(0)
    }

    /// The bytes at `start..start + n` (after `read`).
    #[inline]
    pub fn bytes(&self, start: usize, n: usize) -> &[u8] {
        self.data.get(start..start + n).unwrap_or(&[])
    }

    /// `N` bytes at `start` (after `read`).
    #[inline]
    pub fn fixed<const N: usize>(&self, start: usize) -> [u8; N] {
        let mut a = [0u8; N];
        if let Some(b) = self.data.get(start..start + N) {
            a.copy_from_slice(b);
        }
        a
    }

    /// One byte.
    #[inline]
    pub fn byte(&mut self, vm: &mut Vm) -> PyResult<u8> {
        if let Some(&b) = self.data.get(self.pos) {
            self.pos += 1;
            return Ok(b);
        }
        let s = self.read(vm, 1)?;
        Ok(self.data.get(s).copied().unwrap_or(0))
    }

    /// A line with its newline (`_Unpickler_Readline`).
    pub fn readline(&mut self, vm: &mut Vm) -> PyResult<Vec<u8>> {
        let rest = self.data.get(self.pos..).unwrap_or(&[]);
        if let Some(i) = rest.iter().position(|&b| b == b'\n') {
            let line = rest.get(..=i).unwrap_or(&[]).to_vec();
            self.pos += i + 1;
            return Ok(line);
        }
        let Some((_, readline)) = self.read.clone() else {
            return Err(self.truncated(vm));
        };
        let data = vm.call(&readline, &[])?;
        let line = buffer_bytes(vm, &data)?;
        if line.last() != Some(&b'\n') {
            return Err(self.truncated(vm));
        }
        self.data = line.clone();
        self.pos = self.data.len();
        Ok(line)
    }

    /// `Pdata_stack_underflow`.
    pub fn underflow(&self, vm: &mut Vm) -> PyErr {
        let msg = if self.marks.is_empty() {
            "unpickling stack underflow"
        } else {
            "unexpected MARK found"
        };
        self.error(vm, msg)
    }

    #[inline]
    pub fn fence(&self) -> usize {
        self.marks.last().copied().unwrap_or(0)
    }

    #[inline]
    pub fn pop(&mut self, vm: &mut Vm) -> PyResult<Value> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow(vm));
        }
        self.stack.pop().ok_or_else(|| self.underflow(vm))
    }

    #[inline]
    pub fn push(&mut self, v: Value) {
        self.stack.push(v);
    }

    /// The top of the stack (above the fence).
    pub fn top(&self, vm: &mut Vm) -> PyResult<Value> {
        if self.stack.len() <= self.fence() {
            return Err(self.underflow(vm));
        }
        self.stack.last().cloned().ok_or_else(|| self.underflow(vm))
    }

    /// `marker`.
    pub fn marker(&mut self, vm: &mut Vm) -> PyResult<usize> {
        match self.marks.pop() {
            Some(m) => Ok(m),
            None => Err(self.error(vm, "could not find MARK")),
        }
    }

    /// The items from `start` to the top, removed.
    pub fn pop_from(&mut self, vm: &mut Vm, start: usize) -> PyResult<Vec<Value>> {
        if start > self.stack.len() {
            return Err(self.underflow(vm));
        }
        Ok(self.stack.split_off(start))
    }

    /// `_Unpickler_MemoPut`: a memo index beyond what can be allocated
    /// is a MemoryError, as CPython's resize failing.
    pub fn memo_put(&mut self, vm: &mut Vm, idx: usize, v: Value) -> PyResult<()> {
        if self.memo.len() <= idx {
            // CPython's memo starts with 32 slots and doubles.
            let size = idx
                .checked_add(1)
                .map(|n| n.max(self.memo.len().saturating_mul(2)).max(32))
                .ok_or_else(|| crate::objects::alloc::no_memory(vm))?;
            let more = size.saturating_sub(self.memo.len());
            crate::objects::alloc::reserve_exact(vm, &mut self.memo, more)?;
            self.memo.resize(size, Value::Null);
        }
        if let Some(slot) = self.memo.get_mut(idx) {
            if matches!(slot, Value::Null) {
                self.memo_len += 1;
            }
            let old = std::mem::replace(slot, v);
            drop(old);
        }
        Ok(())
    }

    pub fn memo_get(&mut self, vm: &mut Vm, idx: usize) -> PyResult<Value> {
        match self.memo.get(idx) {
            Some(v) if !matches!(v, Value::Null) => Ok(v.clone()),
            _ => Err(self.error(vm, format!("Memo value not found at index {idx}"))),
        }
    }

    /// `find_class` (the unpickler's own, or the native one).
    pub fn find_class(&mut self, vm: &mut Vm, module: Value, name: Value) -> PyResult<Value> {
        if let Some(f) = self.find_class.clone() {
            return vm.call(&f, &[module, name]);
        }
        find_class(vm, self.proto, self.fix_imports, module, name)
    }

    /// The main loop.
    pub fn run(&mut self, vm: &mut Vm) -> PyResult<Value> {
        loop {
            let op = match self.data.get(self.pos) {
                Some(&b) => {
                    self.pos += 1;
                    b
                }
                None => match self.read(vm, 1) {
                    Ok(s) => self.data.get(s).copied().unwrap_or(0),
                    Err(e) => {
                        if self.is_unpickling_error(vm, &e) {
                            return Err(vm.new_error(
                                crate::objects::exception::ExcKind::EOFError,
                                "Ran out of input",
                            ));
                        }
                        return Err(e);
                    }
                },
            };
            if op == b'.' {
                return self.pop(vm);
            }
            self.dispatch(vm, op)?;
        }
    }

    fn is_unpickling_error(&self, vm: &mut Vm, e: &PyErr) -> bool {
        match vm.get_attr_raw(&self.m, "UnpicklingError") {
            Some(Value::Obj(cls)) => {
                let t = vm.type_of(&Value::Obj(e.0.clone()));
                crate::objects::typeobj::is_subtype(&t, &cls)
            }
            _ => false,
        }
    }
}

/// The bytes of a bytes-like object (`read()`'s result, `loads`' data).
pub fn buffer_bytes(vm: &mut Vm, v: &Value) -> PyResult<Vec<u8>> {
    match super::payload(v) {
        Some(Payload::Bytes(b)) => Ok(b.to_vec()),
        Some(Payload::ByteArray(b)) => Ok(b.borrow().clone()),
        Some(Payload::MemoryView(_)) => {
            let b = vm.call(&Value::Obj(vm.types.bytes.clone()), std::slice::from_ref(v))?;
            buffer_bytes(vm, &b)
        }
        Some(Payload::Native(d)) => match d.buffer() {
            Some(b) => Ok(b),
            None => Err(not_buffer(vm, v)),
        },
        _ => Err(not_buffer(vm, v)),
    }
}

fn not_buffer(vm: &Vm, v: &Value) -> PyErr {
    vm.type_error(format!(
        "a bytes-like object is required, not '{}'",
        vm.type_name_of(v)
    ))
}

/// `Unpickler.find_class`.
pub fn find_class(
    vm: &mut Vm,
    proto: u8,
    fix_imports: bool,
    module: Value,
    name: Value,
) -> PyResult<Value> {
    let (mut module, mut name) = (module, name);
    if proto < 3 && fix_imports {
        (module, name) = super::compat_map(vm, module, name, "NAME_MAPPING", "IMPORT_MAPPING")?;
    }
    let mname = vm.str(&module)?;
    let m = vm.import_by_name(&mname)?;
    let gname = vm.str(&name)?;
    let found = if proto >= 4 {
        let parts: Vec<&str> = gname.split('.').collect();
        if parts.contains(&"<locals>") {
            let (nr, mr) = (vm.repr(&name)?, vm.repr(&m)?);
            return Err(vm.new_error(
                crate::objects::exception::ExcKind::AttributeError,
                format!("Can't get local attribute {nr} on {mr}"),
            ));
        }
        let mut cur = Some(m.clone());
        for p in parts {
            cur = match cur {
                Some(c) => vm.getattr_opt(&c, p)?,
                None => None,
            };
        }
        cur
    } else {
        let Value::Obj(n) = &name else {
            return Err(vm.type_error("attribute name must be string"));
        };
        vm.lookup_attr(&m, n)?
    };
    match found {
        Some(v) => Ok(v),
        None => {
            let (nr, mr) = (vm.repr(&name)?, vm.repr(&m)?);
            Err(vm.new_error(
                crate::objects::exception::ExcKind::AttributeError,
                format!("Can't get attribute {nr} on {mr}"),
            ))
        }
    }
}

/// Run a load and give the memo back to the state.
fn finish(vm: &mut Vm, st_v: &Value, l: &mut Loader, r: PyResult<Value>) -> PyResult<Value> {
    let st = ustate(vm, st_v)?;
    st.proto.set(l.proto);
    let memo = std::mem::take(&mut l.memo);
    let old = std::mem::replace(&mut *st.memo.borrow_mut(), memo);
    drop(old);
    let stack = std::mem::take(&mut l.stack);
    drop(stack);
    r
}

/// `_load(unpickler)`: `Unpickler.load`.
pub fn load(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, a) = margs(vm, &args, 1)?;
    let up = a[0].clone();
    let stv = match vm.getattr_opt(&up, "_st")? {
        Some(v) if vm.native::<UnpicklerState>(&v).is_some() => v,
        _ => {
            let name = vm.type_name_of(&up);
            return Err(module_error(
                vm,
                &m,
                "UnpicklingError",
                format!("Unpickler.__init__() was not called by {name}.__init__()"),
            ));
        }
    };
    let st = ustate(vm, &stv)?;
    let file = st.file.borrow().clone();
    st.proto.set(0);
    let mut l = Loader::new(m.clone(), st);
    l.st = Some(stv.clone());
    let r = (|| {
        let read = vm.getattr_str(&file, "read")?;
        let readline = vm.getattr_str(&file, "readline")?;
        l.read = Some((read, readline));
        l.pers_load = vm.getattr_opt(&up, "persistent_load")?;
        let fc = vm.getattr_str(&up, "find_class")?;
        let base = vm.get_attr_raw(&m, "_find_class_base");
        let native = match (&fc, &base) {
            (Value::Obj(f), Some(b)) => match &f.payload {
                Payload::Method(meth) => meth.func.is(b),
                _ => false,
            },
            _ => false,
        };
        if !native {
            l.find_class = Some(fc);
        }
        l.run(vm)
    })();
    finish(vm, &stv, &mut l, r)
}

/// `loads(data, /, *, fix_imports=True, encoding="ASCII", errors="strict",
/// buffers=None)`, as CPython's C function parses its arguments (Argument
/// Clinic's messages; `encoding` and `errors` must be str).
pub fn loads_fn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some(Value::Obj(m)) = args.args.first() else {
        return Err(vm.system_error("_pickle function called without its module"));
    };
    let m = m.clone();
    // `_PyArg_UnpackKeywords` counts all the arguments first.
    let given = args.pos().len().saturating_sub(1) + args.kwnames.len();
    if given > 5 {
        let kw = if args.pos().len() <= 1 {
            "keyword "
        } else {
            ""
        };
        return Err(vm.type_error(format!(
            "loads() takes at most 5 {kw}arguments ({given} given)"
        )));
    }
    let b = crate::modules::binargs::Sig {
        name: "loads",
        pos: &["data"],
        posonly: 1,
        required: 1,
        kwonly: &["fix_imports", "encoding", "errors", "buffers"],
    }
    .bind(vm, &args, 1)?;
    let arg = |i: usize| b.get(i).cloned().flatten();
    let data = arg(0).unwrap_or(Value::None);
    let fix = match arg(1) {
        Some(v) => Value::bool(vm.truthy(&v)?),
        None => Value::bool(true),
    };
    let mut text = [Value::None, Value::None];
    for (slot, (i, name)) in text.iter_mut().zip([(2, "encoding"), (3, "errors")]) {
        if let Some(v) = arg(i) {
            if !crate::modules::binargs::is_str(&v) {
                return Err(vm.type_error(format!(
                    "loads() argument '{name}' must be str, not {}",
                    vm.arg_type_name(&v)
                )));
            }
            *slot = v;
        }
    }
    let [enc, err] = text;
    let buffers = arg(4).unwrap_or(Value::None);
    let st = super::new_unpickler_state(vm, Value::None, &fix, &enc, &err, &buffers)?;
    let mut l = Loader::new(m, &st);
    l.data = buffer_bytes(vm, &data)?;
    l.run(vm)
}

/// `_find_class(unpickler, module, name)`: the base `find_class`.
pub fn find_class_fn(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, a) = margs(vm, &args, 3)?;
    let (proto, fix) = match vm.getattr_opt(&a[0], "_st")? {
        Some(v) => match vm.native::<UnpicklerState>(&v) {
            Some(st) => (st.proto.get(), st.fix_imports.get()),
            None => (0, true),
        },
        None => (0, true),
    };
    find_class(vm, proto, fix, a[1].clone(), a[2].clone())
}
