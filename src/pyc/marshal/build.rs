//! What the marshal reader makes of what it reads: a [`Builder`] turns each
//! value into an item of its own. The reader keeps the format (type codes,
//! lengths, the reference table, nesting, the checks of `_PyCode_Validate`)
//! and the builder the objects, so a load can go straight to a consumer's
//! own objects in one pass (the VM's, for imports) with no tree between.
//! [`TreeBuilder`] makes the marshal tree ([`Obj`]) that `pycvm dis`,
//! `inspect` and the `marshal` module read and write back byte for byte.

use std::collections::HashSet;

use num_bigint::BigInt;

use super::MarshalErrorKind as K;
use crate::pyc::code::CodeObject;
use crate::pyc::object::{Obj, Object, PyStr};

/// The kind of a sequence type code.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum SeqKind {
    Tuple,
    List,
    Set,
    FrozenSet,
}

impl SeqKind {
    pub(super) fn name(self) -> &'static str {
        match self {
            SeqKind::Tuple => "tuple",
            SeqKind::List => "list",
            SeqKind::Set | SeqKind::FrozenSet => "set",
        }
    }
}

/// The one-byte objects.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Singleton {
    None,
    True,
    False,
    Ellipsis,
    StopIteration,
}

/// How a str's bytes are encoded.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum StrEnc {
    /// All bytes below 0x80.
    Ascii,
    /// An ASCII type code with bytes above 0x7f: CPython reads them as
    /// Latin-1.
    Latin1,
    /// Valid UTF-8.
    Utf8,
    /// UTF-8 that encodes lone surrogates.
    Wtf8,
}

/// A str as the stream holds it, its encoding checked by the reader.
#[derive(Clone, Copy, Debug)]
pub struct StrData<'a> {
    bytes: &'a [u8],
    enc: StrEnc,
    interned: bool,
}

impl<'a> StrData<'a> {
    /// `enc` must describe `bytes` (the reader checks them first).
    pub(super) fn new(bytes: &'a [u8], enc: StrEnc, interned: bool) -> StrData<'a> {
        StrData {
            bytes,
            enc,
            interned,
        }
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    pub fn enc(&self) -> StrEnc {
        self.enc
    }

    /// Written with an interned type code.
    pub fn interned(&self) -> bool {
        self.interned
    }

    /// The text, when the bytes are UTF-8 as they stand (ASCII or valid
    /// UTF-8).
    #[inline]
    pub fn text(&self) -> Option<&'a str> {
        match self.enc {
            // SAFETY: `StrData` is made only by the reader (`new` is
            // private to the marshal module), which gives `Ascii` only to
            // all-ASCII bytes and `Utf8` only to bytes `str::from_utf8`
            // accepted; the fields are private and never change.
            StrEnc::Ascii | StrEnc::Utf8 => {
                Some(unsafe { std::str::from_utf8_unchecked(self.bytes) })
            }
            StrEnc::Latin1 | StrEnc::Wtf8 => None,
        }
    }

    /// The string as a marshal tree's [`PyStr`].
    pub fn to_pystr(&self) -> PyStr {
        match (self.enc, self.text()) {
            (_, Some(t)) => PyStr::from_text(t.into(), self.interned),
            (StrEnc::Latin1, None) => {
                let text: String = self.bytes.iter().map(|&c| c as char).collect();
                PyStr::from_text(text.into(), self.interned)
            }
            (_, None) => PyStr::from_wtf8_unchecked(self.bytes.into(), self.interned),
        }
    }
}

/// What the code-object check needs to know of a field.
#[derive(Clone, Copy, Debug)]
pub enum Shape<'s> {
    Bytes(&'s [u8]),
    /// A tuple of this many items.
    Tuple(usize),
    Str,
    /// Anything else, by its type name.
    Other(&'static str),
}

/// A code object's parts, in stream order, checked by the reader as
/// `_PyCode_Validate` checks them.
pub struct CodeParts<T> {
    /// argcount, posonlyargcount, kwonlyargcount, stacksize, flags.
    pub header: [i32; 5],
    /// code, consts, names, localsplusnames, localspluskinds, filename,
    /// name, qualname, linetable, exceptiontable.
    pub fields: [T; 10],
    pub firstlineno: i32,
}

/// Makes the objects of one load. `r` is the reference-table index the
/// object takes when the stream flagged it (`FLAG_REF`); a `TYPE_REF`
/// back to it gives a clone of the item made then.
pub trait Builder<'a> {
    type Item: Clone;

    fn singleton(&mut self, s: Singleton) -> Self::Item;
    fn int(&mut self, v: i64, r: Option<usize>) -> Self::Item;
    /// An int beyond 64 bits.
    fn long(&mut self, v: BigInt, r: Option<usize>) -> Self::Item;
    fn float(&mut self, v: f64, r: Option<usize>) -> Self::Item;
    fn complex(&mut self, re: f64, im: f64, r: Option<usize>) -> Self::Item;
    fn bytes(&mut self, b: &'a [u8], r: Option<usize>) -> Self::Item;
    fn str(&mut self, s: StrData<'a>, r: Option<usize>) -> Self::Item;
    fn seq(
        &mut self,
        kind: SeqKind,
        items: Vec<Self::Item>,
        r: Option<usize>,
    ) -> Result<Self::Item, K>;
    fn dict(
        &mut self,
        items: Vec<(Self::Item, Self::Item)>,
        r: Option<usize>,
    ) -> Result<Self::Item, K>;
    /// A code object whose parts passed the reader's checks.
    fn code(&mut self, c: CodeParts<Self::Item>, r: Option<usize>) -> Self::Item;
    /// A set element or dict key: `Err(type name)` when it is unhashable.
    fn check_hashable(&mut self, item: &Self::Item) -> Result<(), &'static str>;
    /// For the code-object check.
    fn shape<'s>(&'s self, item: &'s Self::Item) -> Shape<'s>;
    /// Whether every item of a tuple is a str (names must be).
    fn all_str(&self, item: &Self::Item) -> bool;
    /// A `TYPE_REF` back to the object at index `r`.
    fn on_ref(&mut self, _r: usize) {}
}

/// Builds the marshal tree.
pub struct TreeBuilder {
    /// Flagged tuples already found hashable (they stay alive in the
    /// reader's reference table, so their addresses are stable).
    hashable: HashSet<usize>,
    none: Obj,
    true_: Obj,
    false_: Obj,
    ellipsis: Obj,
    stopiter: Obj,
}

impl Default for TreeBuilder {
    fn default() -> Self {
        TreeBuilder {
            hashable: HashSet::new(),
            none: Obj::new(Object::None),
            true_: Obj::new(Object::True),
            false_: Obj::new(Object::False),
            ellipsis: Obj::new(Object::Ellipsis),
            stopiter: Obj::new(Object::StopIteration),
        }
    }
}

fn mk(value: Object, r: Option<usize>) -> Obj {
    match r {
        Some(i) => Obj::with_ref_index(value, i),
        None => Obj::new(value),
    }
}

impl<'a> Builder<'a> for TreeBuilder {
    type Item = Obj;

    fn singleton(&mut self, s: Singleton) -> Obj {
        match s {
            Singleton::None => self.none.clone(),
            Singleton::True => self.true_.clone(),
            Singleton::False => self.false_.clone(),
            Singleton::Ellipsis => self.ellipsis.clone(),
            Singleton::StopIteration => self.stopiter.clone(),
        }
    }

    fn int(&mut self, v: i64, r: Option<usize>) -> Obj {
        mk(Object::Int(v), r)
    }

    fn long(&mut self, v: BigInt, r: Option<usize>) -> Obj {
        mk(Object::Long(v), r)
    }

    fn float(&mut self, v: f64, r: Option<usize>) -> Obj {
        mk(Object::Float(v), r)
    }

    fn complex(&mut self, re: f64, im: f64, r: Option<usize>) -> Obj {
        mk(Object::Complex { re, im }, r)
    }

    fn bytes(&mut self, b: &'a [u8], r: Option<usize>) -> Obj {
        mk(Object::Bytes(b.to_vec()), r)
    }

    fn str(&mut self, s: StrData<'a>, r: Option<usize>) -> Obj {
        mk(Object::Str(s.to_pystr()), r)
    }

    fn seq(&mut self, kind: SeqKind, items: Vec<Obj>, r: Option<usize>) -> Result<Obj, K> {
        let value = match kind {
            SeqKind::Tuple => Object::Tuple(items),
            SeqKind::List => Object::List(items),
            SeqKind::Set => Object::Set(items),
            SeqKind::FrozenSet => Object::FrozenSet(items),
        };
        Ok(mk(value, r))
    }

    fn dict(&mut self, items: Vec<(Obj, Obj)>, r: Option<usize>) -> Result<Obj, K> {
        Ok(mk(Object::Dict(items), r))
    }

    fn code(&mut self, c: CodeParts<Obj>, r: Option<usize>) -> Obj {
        let [argcount, posonlyargcount, kwonlyargcount, stacksize, flags] = c.header;
        let [code, consts, names, localsplusnames, localspluskinds, filename, name, qualname, linetable, exceptiontable] =
            c.fields;
        let co = CodeObject {
            argcount,
            posonlyargcount,
            kwonlyargcount,
            stacksize,
            flags,
            code,
            consts,
            names,
            localsplusnames,
            localspluskinds,
            filename,
            name,
            qualname,
            firstlineno: c.firstlineno,
            linetable,
            exceptiontable,
        };
        mk(Object::Code(Box::new(co)), r)
    }

    /// `PyDict_SetItem` / `PySet_Add` refuse unhashable keys: lists, dicts,
    /// sets, and tuples holding any of them.
    fn check_hashable(&mut self, obj: &Obj) -> Result<(), &'static str> {
        let unhashable = |o: &Object| match o {
            Object::List(_) => Some("list"),
            Object::Dict(_) => Some("dict"),
            Object::Set(_) => Some("set"),
            _ => None,
        };
        if let Some(t) = unhashable(obj.value()) {
            return Err(t);
        }
        if obj.as_tuple().is_none() {
            return Ok(());
        }
        let mut todo: Vec<&Obj> = vec![obj];
        while let Some(t) = todo.pop() {
            let Some(items) = t.as_tuple() else {
                continue;
            };
            if t.ref_flag() && !self.hashable.insert(t.addr()) {
                continue;
            }
            for item in items {
                if let Some(name) = unhashable(item.value()) {
                    return Err(name);
                }
                if item.as_tuple().is_some() {
                    todo.push(item);
                }
            }
        }
        Ok(())
    }

    fn shape<'s>(&'s self, o: &'s Obj) -> Shape<'s> {
        match o.value() {
            Object::Bytes(b) => Shape::Bytes(b),
            Object::Tuple(t) => Shape::Tuple(t.len()),
            Object::Str(_) => Shape::Str,
            v => Shape::Other(v.type_name()),
        }
    }

    fn all_str(&self, o: &Obj) -> bool {
        o.as_tuple()
            .unwrap_or(&[])
            .iter()
            .all(|i| i.as_str().is_some())
    }
}
