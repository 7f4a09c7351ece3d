//! The `_random` module (Modules/_randommodule.c): the `Random` type, a
//! Mersenne Twister (MT19937) bit-identical to CPython's, so the stdlib's
//! random.py gives CPython's exact streams for a given seed.

use std::cell::RefCell;

use num_bigint::{BigInt, Sign};
use num_traits::{Signed, ToPrimitive};

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, NativeFn};
use crate::objects::int::as_int;
use crate::objects::native::NativeData;
use crate::objects::typeobj::{Layout, FLAG_BASETYPE};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const N: usize = 624;
const M: usize = 397;
const MATRIX_A: u32 = 0x9908_b0df;
const UPPER_MASK: u32 = 0x8000_0000;
const LOWER_MASK: u32 = 0x7fff_ffff;

/// The generator state: 624 words and the position in them.
struct Mt {
    state: [u32; N],
    index: usize,
}

impl Mt {
    fn new() -> Mt {
        let mut mt = Mt {
            state: [0; N],
            index: N + 1,
        };
        mt.init_genrand(19_650_218);
        mt
    }

    fn init_genrand(&mut self, s: u32) {
        self.state[0] = s;
        for i in 1..N {
            let prev = self.state[i - 1];
            self.state[i] = 1_812_433_253u32
                .wrapping_mul(prev ^ (prev >> 30))
                .wrapping_add(i as u32);
        }
        self.index = N;
    }

    fn init_by_array(&mut self, key: &[u32]) {
        self.init_genrand(19_650_218);
        let mt = &mut self.state;
        let mut i = 1usize;
        let mut j = 0usize;
        let len = key.len().max(1);
        for _ in 0..N.max(len) {
            let prev = mt[i - 1];
            mt[i] = (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_664_525))
                .wrapping_add(key.get(j).copied().unwrap_or(0))
                .wrapping_add(j as u32);
            i += 1;
            j += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
            if j >= len {
                j = 0;
            }
        }
        for _ in 0..N - 1 {
            let prev = mt[i - 1];
            mt[i] =
                (mt[i] ^ (prev ^ (prev >> 30)).wrapping_mul(1_566_083_941)).wrapping_sub(i as u32);
            i += 1;
            if i >= N {
                mt[0] = mt[N - 1];
                i = 1;
            }
        }
        mt[0] = 0x8000_0000;
    }

    fn genrand_u32(&mut self) -> u32 {
        let mag01 = [0u32, MATRIX_A];
        if self.index >= N {
            let mt = &mut self.state;
            for kk in 0..N - M {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            for kk in N - M..N - 1 {
                let y = (mt[kk] & UPPER_MASK) | (mt[kk + 1] & LOWER_MASK);
                mt[kk] = mt[kk + M - N] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            }
            let y = (mt[N - 1] & UPPER_MASK) | (mt[0] & LOWER_MASK);
            mt[N - 1] = mt[M - 1] ^ (y >> 1) ^ mag01[(y & 1) as usize];
            self.index = 0;
        }
        let mut y = self.state[self.index];
        self.index += 1;
        y ^= y >> 11;
        y ^= (y << 7) & 0x9d2c_5680;
        y ^= (y << 15) & 0xefc6_0000;
        y ^= y >> 18;
        y
    }

    fn random(&mut self) -> f64 {
        let a = self.genrand_u32() >> 5;
        let b = self.genrand_u32() >> 6;
        (f64::from(a) * 67_108_864.0 + f64::from(b)) * (1.0 / 9_007_199_254_740_992.0)
    }
}

/// A `_random.Random` instance.
pub struct RandomState {
    mt: RefCell<Mt>,
}

impl NativeData for RandomState {}

fn state<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a RandomState> {
    vm.native_self::<RandomState>(args, "_random.Random", method)
}

/// Fresh seed words from the OS (`random_seed_urandom`), or the time.
fn urandom_key() -> Vec<u32> {
    let mut buf = [0u8; N * 4];
    let ok = std::fs::File::open("/dev/urandom")
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut buf))
        .is_ok();
    if !ok {
        let t = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0);
        return vec![t as u32, (t >> 32) as u32, std::process::id()];
    }
    buf.chunks_exact(4)
        .map(|c| u32::from_le_bytes([c[0], c[1], c[2], c[3]]))
        .collect()
}

/// `random_seed`: None seeds from the OS; ints by their absolute value's
/// 32-bit words (little-endian); anything else by its hash.
fn seed_state(vm: &mut Vm, st: &RandomState, arg: Option<&Value>) -> PyResult<()> {
    let key = match arg {
        None | Some(Value::None) => urandom_key(),
        Some(v) => {
            let n: BigInt = match as_int(v) {
                Some(i) => i.into_bigint().abs(),
                None => {
                    let h = vm.hash(v)?;
                    BigInt::from(h as u64)
                }
            };
            let (_, words) = n.to_u32_digits();
            if words.is_empty() {
                vec![0]
            } else {
                words
            }
        }
    };
    st.mt.borrow_mut().init_by_array(&key);
    Ok(())
}

fn random_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("Random.__new__(X): X is not a type object")),
    };
    let st = RandomState {
        mt: RefCell::new(Mt::new()),
    };
    Ok(Value::Obj(vm.new_native(&cls, st)))
}

fn random_init(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "__init__")?;
    // Keywords are refused when `__init__` is this one (not a subclass's).
    let own_init = match args.args.first() {
        Some(v) => {
            let cls = vm.type_of(v);
            matches!(
                vm.type_lookup_static(&cls, "__init__"),
                Some(Value::Obj(d)) if matches!(&d.payload, Payload::MethodDescr(md) if std::ptr::fn_addr_eq(md.func, random_init as NativeFn))
            )
        }
        None => false,
    };
    if own_init && args.has_kwargs() {
        return Err(vm.type_error("Random() takes no keyword arguments"));
    }
    let pos = args.pos().get(1..).unwrap_or(&[]);
    if pos.len() > 1 {
        return Err(vm.type_error("Random() requires 0 or 1 argument"));
    }
    seed_state(vm, st, pos.first())?;
    Ok(Value::None)
}

fn random_seed(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "seed")?;
    let a = vm.check_args("Random.seed", args, 0, 1)?;
    seed_state(vm, st, a.first())?;
    Ok(Value::None)
}

fn random_random(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "random")?;
    vm.check_args("Random.random", args, 0, 0)?;
    let r = st.mt.borrow_mut().random();
    Ok(Value::float(r))
}

fn random_getrandbits(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "getrandbits")?;
    let a = vm.check_args("Random.getrandbits", args, 1, 1)?;
    let k = match vm.index_int(&a[0])?.to_i64() {
        Some(k) => k,
        None => {
            return Err(vm.new_error(
                ExcKind::OverflowError,
                "Python int too large to convert to C int",
            ))
        }
    };
    if k < 0 {
        return Err(vm.value_error("number of bits must be non-negative"));
    }
    if k > i64::from(i32::MAX) {
        return Err(vm.new_error(
            ExcKind::OverflowError,
            "Python int too large to convert to C int",
        ));
    }
    if k == 0 {
        return Ok(Value::Int(0));
    }
    let mut mt = st.mt.borrow_mut();
    if k <= 32 {
        return Ok(Value::Int(i64::from(mt.genrand_u32() >> (32 - k))));
    }
    let words = ((k - 1) / 32 + 1) as usize;
    let mut out = Vec::with_capacity(words);
    let mut left = k;
    for _ in 0..words {
        let mut r = mt.genrand_u32();
        if left < 32 {
            r >>= 32 - left;
        }
        out.push(r);
        left -= 32;
    }
    drop(mt);
    Ok(vm.new_bigint(BigInt::from_slice(Sign::Plus, &out)))
}

fn random_getstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "getstate")?;
    vm.check_args("Random.getstate", args, 0, 0)?;
    let mt = st.mt.borrow();
    let mut items: Vec<Value> = mt.state.iter().map(|w| Value::Int(i64::from(*w))).collect();
    items.push(Value::Int(mt.index as i64));
    drop(mt);
    Ok(vm.new_tuple(items))
}

/// `PyLong_AsUnsignedLong` for a state word.
fn state_word(vm: &Vm, v: &Value) -> PyResult<u32> {
    let Some(i) = as_int(v) else {
        return Err(vm.type_error("an integer is required"));
    };
    if i.is_negative() {
        return Err(vm.new_error(
            ExcKind::OverflowError,
            "can't convert negative value to unsigned int",
        ));
    }
    match i.to_bigint().to_u64() {
        Some(w) => Ok(w as u32),
        None => Err(vm.new_error(
            ExcKind::OverflowError,
            "Python int too large to convert to C unsigned long",
        )),
    }
}

fn random_setstate(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let st = state(vm, &args, "setstate")?;
    let a = vm.check_args("Random.setstate", args, 1, 1)?;
    let items = match &a[0] {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => items.to_vec(),
            _ => return Err(vm.type_error("state vector must be a tuple")),
        },
        _ => return Err(vm.type_error("state vector must be a tuple")),
    };
    if items.len() != N + 1 {
        return Err(vm.value_error("state vector is the wrong size"));
    }
    let mut words = [0u32; N];
    for (w, v) in words.iter_mut().zip(items.iter()) {
        *w = state_word(vm, v)?;
    }
    let index = match as_int(&items[N]) {
        Some(i) => i.to_i64().unwrap_or(-1),
        None => return Err(vm.type_error("an integer is required")),
    };
    if !(0..=N as i64).contains(&index) {
        return Err(vm.value_error("invalid state"));
    }
    let mut mt = st.mt.borrow_mut();
    mt.state = words;
    mt.index = index as usize;
    Ok(Value::None)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_random");
    let doc = vm.new_str("Module implements the Mersenne Twister random number generator.");
    vm.set_attr_raw(&m, "__doc__", doc);
    let base = vm.types.object.clone();
    let t = vm.new_native_type(
        "_random",
        "Random",
        &base,
        Layout::Native("Random"),
        FLAG_BASETYPE,
    );
    vm.add_staticmethods(&t, &[("__new__", random_new)]);
    vm.add_methods(
        &t,
        &[
            ("__init__", random_init),
            ("seed", random_seed),
            ("random", random_random),
            ("getrandbits", random_getrandbits),
            ("getstate", random_getstate),
            ("setstate", random_setstate),
        ],
    );
    let doc =
        vm.new_str("Random() -> create a random number generator with its own internal state.");
    vm.add_type_attr(&t, "__doc__", doc);
    vm.set_attr_raw(&m, "Random", Value::Obj(t));
    Ok(m)
}
