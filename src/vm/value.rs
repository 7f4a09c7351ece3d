//! The value representation: small ints, floats, None and bools unboxed,
//! everything else a reference-counted heap object. See docs/vm-design.md.

use crate::objects::rc::Rc;

use crate::objects::PyObject;

/// A counted reference to a heap object.
pub type PyRef = Rc<PyObject>;

/// One Python value (16 bytes). The tag is a full word so that a value is
/// two clean words: copies never mix a byte store with a wide load (which
/// stalls store forwarding in the eval loop's pushes).
///
/// Every payload is one 64-bit integer-like word (`Truth` and `F64` hold a
/// bool and a float as such), so that the compiler treats a value as a
/// pair of integers: it is passed and returned in two registers, and moved
/// through memory as two word loads and stores. With a `bool` or `f64`
/// payload it was an opaque 16-byte aggregate: passed by address, returned
/// through memory and copied with 16-byte vector moves, each of which
/// stalled store forwarding when the value had just been written as words
/// (perf: 5–15% of the cycles of call- and allocation-heavy programs).
#[derive(Default)]
#[repr(u64)]
pub enum Value {
    /// CPython's NULL: an unbound local or the PUSH_NULL marker. Never
    /// visible to Python code.
    #[default]
    Null,
    None,
    Bool(Truth),
    /// An int that fits in 64 bits; larger ints are heap objects, and a
    /// heap int is never a value that fits here (one canonical form).
    Int(i64),
    Float(F64),
    Obj(PyRef),
}

/// A bool as a full word (see `Value`).
#[derive(Clone, Copy, PartialEq, Eq, Debug, Hash)]
#[repr(u64)]
pub enum Truth {
    False = 0,
    True = 1,
}

impl Truth {
    #[inline(always)]
    pub fn get(self) -> bool {
        self == Truth::True
    }
}

impl From<bool> for Truth {
    #[inline(always)]
    fn from(b: bool) -> Truth {
        if b {
            Truth::True
        } else {
            Truth::False
        }
    }
}

/// A float as the word of its bits (see `Value`).
#[derive(Clone, Copy, Debug)]
#[repr(transparent)]
pub struct F64(u64);

impl F64 {
    #[inline(always)]
    pub fn new(f: f64) -> F64 {
        F64(f.to_bits())
    }

    #[inline(always)]
    pub fn get(self) -> f64 {
        f64::from_bits(self.0)
    }

    #[inline(always)]
    pub fn to_bits(self) -> u64 {
        self.0
    }
}

/// Float methods (`f.is_nan()`, `f.abs()`) on the payload directly.
impl std::ops::Deref for F64 {
    type Target = f64;
    #[inline(always)]
    fn deref(&self) -> &f64 {
        // SAFETY: `F64` is `repr(transparent)` over a `u64`, which has the
        // size and alignment of `f64`, and every bit pattern is a valid
        // `f64`; the reference lives as long as `self`'s.
        unsafe { &*(self as *const F64).cast::<f64>() }
    }
}

impl From<f64> for F64 {
    #[inline(always)]
    fn from(f: f64) -> F64 {
        F64::new(f)
    }
}

/// A value as its two machine words (tag, payload); padding stays
/// uninitialised, which `MaybeUninit` allows.
pub type Words = [std::mem::MaybeUninit<u64>; 2];

impl Value {
    /// The value's two words, moved out (the value is not dropped).
    #[inline(always)]
    pub fn into_words(self) -> Words {
        // SAFETY: `Value` is `repr(u64)`: 16 bytes, a u64 tag then the
        // payload; `Words` is 16 bytes that may hold any bits, padding
        // included. The value moves into the words (no double drop).
        unsafe { std::mem::transmute::<Value, Words>(self) }
    }

    /// Rebuild a value from `into_words`.
    ///
    /// # Safety
    /// `w` must be the words of a valid `Value` (from `into_words` or a
    /// slot holding one), which moves back into the result.
    #[inline(always)]
    pub unsafe fn from_words(w: Words) -> Value {
        // SAFETY: the caller guarantees the words form a valid `Value`.
        unsafe { std::mem::transmute::<Words, Value>(w) }
    }

    /// A bool value.
    #[inline(always)]
    pub fn bool(b: bool) -> Value {
        Value::Bool(Truth::from(b))
    }

    /// A float value.
    #[inline(always)]
    pub fn float(f: f64) -> Value {
        Value::Float(F64::new(f))
    }

    #[inline]
    pub fn is_null(&self) -> bool {
        matches!(self, Value::Null)
    }

    /// Whether this is the last reference to an object: dropping it frees
    /// the object (which may queue a finalizer or weakref callback).
    #[inline(always)]
    pub fn is_last_ref(&self) -> bool {
        matches!(self, Value::Obj(o) if crate::objects::rc::Rc::strong_count(o) == 1)
    }

    #[inline]
    pub fn is_none(&self) -> bool {
        matches!(self, Value::None)
    }

    #[inline]
    pub fn as_obj(&self) -> Option<&PyRef> {
        match self {
            Value::Obj(o) => Some(o),
            _ => None,
        }
    }

    /// Python's `is`. Unboxed ints and floats compare by value (floats by
    /// bits, so a NaN is itself); see the README on this difference.
    #[inline]
    pub fn is(&self, other: &Value) -> bool {
        match (self, other) {
            (Value::Null, Value::Null) | (Value::None, Value::None) => true,
            (Value::Bool(a), Value::Bool(b)) => a == b,
            (Value::Int(a), Value::Int(b)) => a == b,
            (Value::Float(a), Value::Float(b)) => a.to_bits() == b.to_bits(),
            (Value::Obj(a), Value::Obj(b)) => Rc::ptr_eq(a, b),
            _ => false,
        }
    }
}

impl Clone for Value {
    /// A new reference: the heap object's count goes up, and the two words
    /// are copied as two word loads (see `vm::ops::write_words` on why not
    /// one 16-byte copy).
    #[inline(always)]
    fn clone(&self) -> Value {
        if let Value::Obj(o) = self {
            // SAFETY: `o` is a live Rc (we hold a reference to it); one
            // more strong count is owned by the copy made below.
            unsafe { Rc::increment_strong_count(Rc::as_ptr(o)) };
        }
        let p = (self as *const Value).cast::<std::mem::MaybeUninit<u64>>();
        // SAFETY: `self` is a valid value; its words copied form the same
        // value, which now owns the count taken above (for `Obj`) or plain
        // data (every other variant is `Copy` data).
        unsafe { Value::from_words([p.read_volatile(), p.add(1).read_volatile()]) }
    }
}

impl From<PyRef> for Value {
    fn from(o: PyRef) -> Value {
        Value::Obj(o)
    }
}

impl From<bool> for Value {
    fn from(b: bool) -> Value {
        Value::Bool(b.into())
    }
}

impl From<i64> for Value {
    fn from(i: i64) -> Value {
        Value::Int(i)
    }
}

impl From<f64> for Value {
    fn from(f: f64) -> Value {
        Value::float(f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn value_is_two_words() {
        assert_eq!(std::mem::size_of::<Value>(), 16);
        assert_eq!(std::mem::size_of::<Option<Value>>(), 16);
    }

    #[test]
    fn nan_is_itself() {
        let v = Value::float(f64::NAN);
        assert!(v.is(&v.clone()));
        assert!(!Value::Int(1).is(&Value::Bool(Truth::True)));
    }
}
