//! Loading marshal data straight into the VM's objects: the marshal
//! reader (pyc/marshal) calls [`VmBuilder`], which makes the values, the
//! interned names and the code objects as it goes, as CPython's `r_object`
//! does, with no marshal tree between (imports: a tree, its conversion and
//! its drop took about a third more work than this).
//!
//! Bytes objects and tuples wait as borrowed slices and item lists until a
//! constant needs them as values (a code object copies its byte tables and
//! takes its names as interned strs, so most never become objects); one
//! that marshal shares (`r_ref`) becomes one value, made once.
//!
//! What `marshal.dumps` needs to flag objects as CPython does (which
//! names, numbers, tuples and tables the load shares, `Code::share_ids`)
//! depends on back-references that come after a code object is made: the
//! builder notes them and sets them on its code objects when the load
//! ends ([`Vm::load_marshal`]).

use std::collections::HashMap;

use num_bigint::BigInt;

use crate::objects::exception::ExcKind;
use crate::objects::rc::Rc;
use crate::objects::Payload;
use crate::pyc::marshal::build::{Builder, CodeParts, SeqKind, Shape, Singleton, StrData, StrEnc};
use crate::pyc::marshal::{self, MarshalError, MarshalErrorKind as K};
use crate::pyhash::FxBuild;
use crate::vm::value::Truth;

use super::code::{Code, CodeInit};
use super::value::{PyRef, Value};
use super::Vm;

/// `Slot::r` of an object the stream did not flag.
const NO_REF: u32 = u32::MAX;

/// An object of the load: its place in `VmBuilder::slots` (a
/// back-reference gives the same place).
pub type Item = u32;

/// One object of a load and the reference-table index it took.
struct Slot<'a> {
    v: V<'a>,
    r: u32,
}

enum V<'a> {
    Val(Value),
    /// A str object and whether the stream wrote it interned (it is then
    /// the interned object).
    Str(PyRef, bool),
    /// A bytes object, not made yet.
    Raw(&'a [u8]),
    /// A tuple of these slots, not made yet.
    Tup(Box<[u32]>),
}

/// The first slots: the singletons, in `Singleton` order.
const SINGLETONS: usize = 5;

/// What the load-end step needs of one code object: the reference
/// indices of its shareable fields.
struct CodeRefs {
    code: Rc<Code>,
    /// co_consts, co_names, co_localsplusnames, co_linetable,
    /// co_exceptiontable (`NO_REF` when empty), co_name, co_qualname.
    fields: [u32; 7],
    /// (position, index) of each flagged int or float constant.
    numbers: Vec<(u32, u32)>,
}

pub struct VmBuilder<'a, 'v> {
    vm: &'v mut Vm,
    trusted: bool,
    slots: Vec<Slot<'a>>,
    /// By reference index: a `TYPE_REF` came back to it.
    hit: Vec<bool>,
    /// By slot: the value made of a flagged bytes object or tuple, and
    /// the interned name made of a flagged str the stream did not intern.
    made: HashMap<u32, Value, FxBuild>,
    named: HashMap<u32, PyRef, FxBuild>,
    codes: Vec<CodeRefs>,
}

/// CPython's `all_name_chars`: ASCII letters, digits and `_` only.
fn all_name_chars(s: &str) -> bool {
    s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn text_of(p: &PyRef) -> &str {
    match &p.payload {
        Payload::Str(s) => s.as_str(),
        _ => "",
    }
}

fn ref_of(r: Option<usize>) -> u32 {
    r.and_then(|i| u32::try_from(i).ok()).unwrap_or(NO_REF)
}

impl<'a, 'v> VmBuilder<'a, 'v> {
    fn new(vm: &'v mut Vm, trusted: bool, len: usize) -> VmBuilder<'a, 'v> {
        let singletons = [
            Value::None,
            Value::Bool(Truth::True),
            Value::Bool(Truth::False),
            Value::Obj(vm.ellipsis.clone()),
            Value::Obj(vm.exc_type(ExcKind::StopIteration)),
        ];
        // About one object per 6 bytes in CPython's .pyc bodies.
        let mut slots = Vec::with_capacity((len / 6).min(1 << 20) + SINGLETONS);
        slots.extend(singletons.into_iter().map(|v| Slot {
            v: V::Val(v),
            r: NO_REF,
        }));
        VmBuilder {
            vm,
            trusted,
            slots,
            hit: Vec::new(),
            made: HashMap::default(),
            named: HashMap::default(),
            codes: Vec::new(),
        }
    }

    fn push(&mut self, v: V<'a>, r: Option<usize>) -> Item {
        let i = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
        self.slots.push(Slot { v, r: ref_of(r) });
        i
    }

    fn slot(&self, i: Item) -> Option<&Slot<'a>> {
        self.slots.get(i as usize)
    }

    fn r_of(&self, i: Item) -> u32 {
        self.slot(i).map_or(NO_REF, |s| s.r)
    }

    fn tup_len(&self, i: Item) -> usize {
        match self.slot(i).map(|s| &s.v) {
            Some(V::Tup(t)) => t.len(),
            _ => 0,
        }
    }

    fn tup_item(&self, i: Item, k: usize) -> Item {
        match self.slot(i).map(|s| &s.v) {
            Some(V::Tup(t)) => t.get(k).copied().unwrap_or(0),
            _ => 0,
        }
    }

    fn raw(&self, i: Item) -> &'a [u8] {
        match self.slot(i).map(|s| &s.v) {
            Some(V::Raw(b)) => b,
            _ => &[],
        }
    }

    /// Slot `i` as a value.
    fn value(&mut self, i: Item) -> Value {
        let Some(slot) = self.slots.get(i as usize) else {
            return Value::None;
        };
        let flagged = slot.r != NO_REF;
        if flagged && matches!(slot.v, V::Raw(_) | V::Tup(_)) {
            if let Some(v) = self.made.get(&i) {
                return v.clone();
            }
        }
        let v = match &slot.v {
            V::Val(v) => return v.clone(),
            V::Str(p, _) => return Value::Obj(p.clone()),
            V::Raw(b) => self.vm.new_bytes(b.to_vec()),
            V::Tup(items) => {
                let n = items.len();
                let mut vals = Vec::with_capacity(n);
                for k in 0..n {
                    let item = self.tup_item(i, k);
                    vals.push(self.constant(item));
                }
                self.vm.new_tuple(vals)
            }
        };
        if flagged {
            self.made.insert(i, v.clone());
        }
        v
    }

    /// Slot `i` as a code object's constant: CPython's
    /// `intern_string_constants` interns each str made only of ASCII
    /// letters, digits and `_`, inside constant tuples too, however the
    /// stream wrote it.
    fn constant(&mut self, i: Item) -> Value {
        if let Some(Slot {
            v: V::Str(p, false),
            ..
        }) = self.slot(i)
        {
            let p = p.clone();
            let t = text_of(&p);
            if all_name_chars(t) {
                return Value::Obj(self.vm.intern(t));
            }
            return Value::Obj(p);
        }
        self.value(i)
    }

    /// Slot `i` (a str: the reader checked) as an interned name.
    fn name(&mut self, i: Item) -> PyRef {
        let (p, flagged) = match self.slot(i) {
            Some(Slot {
                v: V::Str(p, true), ..
            }) => return p.clone(),
            Some(Slot {
                v: V::Str(p, false),
                r,
            }) => (p.clone(), *r != NO_REF),
            _ => return self.vm.intern(""),
        };
        if flagged {
            if let Some(n) = self.named.get(&i) {
                return n.clone();
            }
        }
        let n = self.vm.intern(text_of(&p));
        if flagged {
            self.named.insert(i, n.clone());
        }
        n
    }

    fn shared(&self, r: u32) -> bool {
        self.hit.get(r as usize).copied().unwrap_or(false)
    }

    /// The load is over: set what depends on its back-references on its
    /// code objects (see the module's comment).
    fn finish(self) {
        let mut ids: HashMap<u32, u32, FxBuild> = HashMap::default();
        for c in &self.codes {
            let mut share_ids = [0u32; 5];
            for (id, &r) in share_ids.iter_mut().zip(&c.fields) {
                if self.shared(r) {
                    *id = *ids.entry(r).or_insert_with(|| self.vm.new_share_id());
                }
            }
            let shared_names =
                u8::from(self.shared(c.fields[5])) | (u8::from(self.shared(c.fields[6])) << 1);
            let numbers: Vec<u32> = c
                .numbers
                .iter()
                .filter(|(_, r)| self.shared(*r))
                .map(|(i, _)| *i)
                .collect();
            c.code.set_load_sharing(share_ids, shared_names, &numbers);
        }
    }
}

impl<'a> Builder<'a> for VmBuilder<'a, '_> {
    type Item = Item;

    #[inline]
    fn singleton(&mut self, s: Singleton) -> Item {
        match s {
            Singleton::None => 0,
            Singleton::True => 1,
            Singleton::False => 2,
            Singleton::Ellipsis => 3,
            Singleton::StopIteration => 4,
        }
    }

    fn int(&mut self, v: i64, r: Option<usize>) -> Item {
        self.push(V::Val(Value::Int(v)), r)
    }

    fn long(&mut self, v: BigInt, r: Option<usize>) -> Item {
        let v = self.vm.new_bigint(v);
        self.push(V::Val(v), r)
    }

    fn float(&mut self, v: f64, r: Option<usize>) -> Item {
        self.push(V::Val(Value::float(v)), r)
    }

    fn complex(&mut self, re: f64, im: f64, r: Option<usize>) -> Item {
        let o = self
            .vm
            .new_obj(&self.vm.types.complex, Payload::Complex(re, im));
        self.push(V::Val(Value::Obj(o)), r)
    }

    fn bytes(&mut self, b: &'a [u8], r: Option<usize>) -> Item {
        self.push(V::Raw(b), r)
    }

    fn str(&mut self, s: StrData<'a>, r: Option<usize>) -> Item {
        let latin1;
        let text = match (s.text(), s.enc()) {
            (Some(t), _) => t,
            (None, StrEnc::Latin1) => {
                latin1 = s.bytes().iter().map(|&c| c as char).collect::<String>();
                latin1.as_str()
            }
            // Lone surrogates: a str of its own, never interned (as the
            // tree's conversion, `Vm::const_value`, makes it).
            (None, _) => {
                let cps: Vec<u32> = s.to_pystr().chars().collect();
                let o = crate::objects::StrObj::from_code_points(&cps);
                let p = self.vm.new_obj(&self.vm.types.str, Payload::Str(o));
                return self.push(V::Str(p, false), r);
            }
        };
        let v = if s.interned() {
            V::Str(self.vm.intern(text), true)
        } else {
            match self.vm.new_str(text) {
                Value::Obj(p) => V::Str(p, false),
                v => V::Val(v),
            }
        };
        self.push(v, r)
    }

    fn seq(&mut self, kind: SeqKind, items: Vec<Item>, r: Option<usize>) -> Result<Item, K> {
        let v = match kind {
            SeqKind::Tuple => V::Tup(items.into_boxed_slice()),
            SeqKind::List => {
                let vals = items.iter().map(|&i| self.value(i)).collect();
                V::Val(self.vm.new_list(vals))
            }
            SeqKind::Set | SeqKind::FrozenSet => {
                let vals = items.iter().map(|&i| self.value(i)).collect();
                let frozen = kind == SeqKind::FrozenSet;
                match self.vm.new_set_from(vals, frozen) {
                    Ok(v) => V::Val(v),
                    Err(_) => return Err(K::Unhashable("set")),
                }
            }
        };
        Ok(self.push(v, r))
    }

    fn dict(&mut self, items: Vec<(Item, Item)>, r: Option<usize>) -> Result<Item, K> {
        let d = self.vm.new_dict();
        for &(k, v) in &items {
            let (k, v) = (self.value(k), self.value(v));
            if self.vm.dict_set(&d, k, v).is_err() {
                return Err(K::Unhashable("dict"));
            }
        }
        Ok(self.push(V::Val(Value::Obj(d)), r))
    }

    fn code(&mut self, c: CodeParts<Item>, r: Option<usize>) -> Item {
        let [code, consts, names, lpnames, kinds, filename, name, qualname, linetable, exctable] =
            c.fields;
        let nconsts = self.tup_len(consts);
        let mut numbers = Vec::new();
        let mut const_vals = Vec::with_capacity(nconsts);
        for k in 0..nconsts {
            let it = self.tup_item(consts, k);
            if let Some(Slot {
                v: V::Val(Value::Int(_) | Value::Float(_)),
                r,
            }) = self.slot(it)
            {
                if *r != NO_REF {
                    numbers.push((u32::try_from(k).unwrap_or(u32::MAX), *r));
                }
            }
            const_vals.push(self.constant(it));
        }
        let mut lnames = Vec::with_capacity(self.tup_len(lpnames));
        for k in 0..self.tup_len(lpnames) {
            let it = self.tup_item(lpnames, k);
            lnames.push(self.name(it));
        }
        let name_v = self.name(name);
        let qualname_v = self.name(qualname);
        let filename_v = self.name(filename);
        let mut names_v = Vec::with_capacity(self.tup_len(names));
        for k in 0..self.tup_len(names) {
            let it = self.tup_item(names, k);
            names_v.push(self.name(it));
        }
        let share = |empty: bool, i: Item| if empty { NO_REF } else { self.r_of(i) };
        let fields = [
            share(nconsts == 0, consts),
            share(names_v.is_empty(), names),
            share(lnames.is_empty(), lpnames),
            share(self.raw(linetable).is_empty(), linetable),
            share(self.raw(exctable).is_empty(), exctable),
            self.r_of(name),
            self.r_of(qualname),
        ];
        let code_obj = Rc::new(Code::assemble(CodeInit {
            tables: [
                self.raw(code),
                self.raw(linetable),
                self.raw(exctable),
                self.raw(kinds),
            ],
            header: c.header,
            firstlineno: c.firstlineno,
            consts: const_vals.into_boxed_slice(),
            names: names_v.into_boxed_slice(),
            localsplusnames: lnames.into_boxed_slice(),
            name: name_v,
            qualname: qualname_v,
            filename: filename_v,
            trusted: self.trusted,
        }));
        let v = Value::Obj(self.vm.code_object(&code_obj));
        self.codes.push(CodeRefs {
            code: code_obj,
            fields,
            numbers,
        });
        self.push(V::Val(v), r)
    }

    fn check_hashable(&mut self, item: &Item) -> Result<(), &'static str> {
        let mut todo = vec![*item];
        while let Some(i) = todo.pop() {
            match self.slot(i).map(|s| &s.v) {
                Some(V::Val(Value::Obj(o))) => match &o.payload {
                    Payload::List(_) => return Err("list"),
                    Payload::Dict(_) => return Err("dict"),
                    Payload::Set(_) => return Err("set"),
                    _ => {}
                },
                Some(V::Tup(items)) => todo.extend(items.iter().copied()),
                _ => {}
            }
        }
        Ok(())
    }

    fn shape<'s>(&'s self, item: &'s Item) -> Shape<'s> {
        let Some(slot) = self.slot(*item) else {
            return Shape::Other("NULL");
        };
        match &slot.v {
            V::Raw(b) => Shape::Bytes(b),
            V::Tup(t) => Shape::Tuple(t.len()),
            V::Str(..) => Shape::Str,
            V::Val(v) => Shape::Other(match v {
                Value::None => "NoneType",
                Value::Bool(_) => "bool",
                Value::Int(_) => "int",
                Value::Float(_) => "float",
                Value::Obj(o) => match &o.payload {
                    Payload::Int(_) => "int",
                    Payload::Complex(..) => "complex",
                    Payload::List(_) => "list",
                    Payload::Dict(_) => "dict",
                    Payload::Set(_) => "set",
                    Payload::FrozenSet(_) => "frozenset",
                    Payload::Code(_) => "code",
                    _ => "object",
                },
                Value::Null => "NULL",
            }),
        }
    }

    fn all_str(&self, item: &Item) -> bool {
        match self.slot(*item).map(|s| &s.v) {
            Some(V::Tup(t)) => t
                .iter()
                .all(|&i| matches!(self.slot(i).map(|s| &s.v), Some(V::Str(..)))),
            _ => true,
        }
    }

    #[inline]
    fn on_ref(&mut self, r: usize) {
        if self.hit.len() <= r {
            let n = (r + 1).max(self.hit.len() * 2);
            self.hit.resize(n, false);
        }
        if let Some(h) = self.hit.get_mut(r) {
            *h = true;
        }
    }
}

impl Vm {
    /// Read one marshal object from `data` as a value, made directly as
    /// the VM's objects (see the module's comment); also gives how many
    /// bytes it took. `trusted`: pycvm's own frozen import system, whose
    /// code objects skip the verifier (`Vm::const_value_trusted`).
    pub fn load_marshal(
        &mut self,
        data: &[u8],
        trusted: bool,
    ) -> Result<(Value, usize), MarshalError> {
        let b = VmBuilder::new(self, trusted, data.len());
        let (item, used, mut b) = marshal::load_with(data, b)?;
        let v = b.value(item);
        b.finish();
        Ok((v, used))
    }
}
