//! `_blake2`: the `blake2b` and `blake2s` types with every BLAKE2
//! parameter (digest size, key, salt, person, tree hashing fields) and
//! CPython's checks; the hash object behaviour is shared with the other
//! hash modules (`hashes.rs`).

use super::binargs::{bool_arg, need_bytes, Sig};
use super::hashes::{blake2_feed, blake2_type, new_blake2};
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const KWONLY: &[&str] = &[
    "digest_size",
    "key",
    "salt",
    "person",
    "fanout",
    "depth",
    "leaf_size",
    "node_offset",
    "node_depth",
    "inner_size",
    "last_node",
    "usedforsecurity",
];

/// An unsigned argument (`value must be positive` below zero).
fn unsigned(vm: &mut Vm, v: &Option<Value>, name: &str, max: u64) -> PyResult<u64> {
    let Some(v) = v else { return Ok(0) };
    if super::binargs::is_float(v) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let i = vm.index_int(v)?;
    let n = match i {
        crate::num::Int::Small(i) if i < 0 => return Err(vm.value_error("value must be positive")),
        crate::num::Int::Small(i) => i as u64,
        crate::num::Int::Big(b) => {
            if num_traits::Signed::is_negative(&b) {
                return Err(vm.value_error("value must be positive"));
            }
            u64::MAX
        }
    };
    if n > max {
        return Err(vm.overflow_error(format!("{name} is too large")));
    }
    Ok(n)
}

/// A small int argument checked against `lo..=hi` with CPython's message.
fn ranged(
    vm: &mut Vm,
    v: &Option<Value>,
    default: i64,
    lo: i64,
    hi: i64,
    msg: &str,
) -> PyResult<i64> {
    let n = match v {
        Some(v) => super::binargs::int_arg(vm, v)?,
        None => default,
    };
    if n < lo || n > hi {
        return Err(vm.value_error(msg.to_string()));
    }
    Ok(n)
}

fn bytes_opt(vm: &mut Vm, v: &Option<Value>) -> PyResult<Vec<u8>> {
    match v {
        Some(v) => need_bytes(vm, v),
        None => Ok(Vec::new()),
    }
}

fn blake2_new(vm: &mut Vm, args: Args, big: bool) -> PyResult<Value> {
    let cls: PyRef = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("__new__ needs a type")),
    };
    let name = if big { "blake2b" } else { "blake2s" };
    let (max_out, max_key, salt_len, node_max) = if big {
        (64, 64, 16, u64::MAX)
    } else {
        (32, 32, 8, (1u64 << 48) - 1)
    };
    let sig = Sig {
        name,
        pos: &["data"],
        posonly: 1,
        required: 0,
        kwonly: KWONLY,
    };
    let b = sig.bind(vm, &args, 1)?;
    let get = |i: usize| b.get(i).cloned().flatten();
    let data = get(0);
    let leaf_size = unsigned(vm, &get(7), "leaf_size", u32::MAX as u64)?;
    let node_offset = unsigned(vm, &get(8), "node_offset", u64::MAX)?;
    let digest_size = ranged(
        vm,
        &get(1),
        max_out,
        1,
        max_out,
        &format!("digest_size must be between 1 and {max_out} bytes"),
    )?;
    let key = bytes_opt(vm, &get(2))?;
    let salt = bytes_opt(vm, &get(3))?;
    let person = bytes_opt(vm, &get(4))?;
    if salt.len() > salt_len {
        return Err(vm.value_error(format!("maximum salt length is {salt_len} bytes")));
    }
    if person.len() > salt_len {
        return Err(vm.value_error(format!("maximum person length is {salt_len} bytes")));
    }
    let fanout = ranged(vm, &get(5), 1, 0, 255, "fanout must be between 0 and 255")?;
    let depth = ranged(vm, &get(6), 1, 1, 255, "depth must be between 1 and 255")?;
    if node_offset > node_max {
        return Err(vm.overflow_error("node_offset is too large"));
    }
    let node_depth = ranged(
        vm,
        &get(9),
        0,
        0,
        255,
        "node_depth must be between 0 and 255",
    )?;
    let inner_size = ranged(
        vm,
        &get(10),
        0,
        0,
        max_out,
        &format!("inner_size must be between 0 and is {max_out}"),
    )?;
    if key.len() > max_key {
        return Err(vm.value_error(format!("maximum key length is {max_key} bytes")));
    }
    let last_node = bool_arg(vm, &get(11), false)?;
    let obj = if big {
        let mut p = blake2b_simd::Params::new();
        p.hash_length(digest_size as usize)
            .key(&key)
            .salt(&salt)
            .personal(&person)
            .fanout(fanout as u8)
            .max_depth(depth as u8)
            .max_leaf_length(leaf_size as u32)
            .node_offset(node_offset)
            .node_depth(node_depth as u8)
            .inner_hash_length(inner_size as usize)
            .last_node(last_node);
        new_blake2(
            vm,
            &cls,
            true,
            digest_size as usize,
            Some(p.to_state()),
            None,
        )?
    } else {
        let mut p = blake2s_simd::Params::new();
        p.hash_length(digest_size as usize)
            .key(&key)
            .salt(&salt)
            .personal(&person)
            .fanout(fanout as u8)
            .max_depth(depth as u8)
            .max_leaf_length(leaf_size as u32)
            .node_offset(node_offset)
            .node_depth(node_depth as u8)
            .inner_hash_length(inner_size as usize)
            .last_node(last_node);
        new_blake2(
            vm,
            &cls,
            false,
            digest_size as usize,
            None,
            Some(p.to_state()),
        )?
    };
    blake2_feed(vm, &obj, data)?;
    Ok(obj)
}

fn blake2b_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    blake2_new(vm, args, true)
}

fn blake2s_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    blake2_new(vm, args, false)
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_blake2");
    for (name, big) in [("blake2b", true), ("blake2s", false)] {
        let t = blake2_type(vm, name);
        let new: crate::objects::function::NativeFn = if big { blake2b_new } else { blake2s_new };
        vm.add_staticmethods(&t, &[("__new__", new)]);
        let (d, k, s) = if big { (64, 64, 16) } else { (32, 32, 8) };
        for (attr, v) in [
            ("MAX_DIGEST_SIZE", d),
            ("MAX_KEY_SIZE", k),
            ("PERSON_SIZE", s),
            ("SALT_SIZE", s),
        ] {
            vm.add_type_attr(&t, attr, Value::Int(v));
        }
        let up = name.to_uppercase();
        for (attr, v) in [
            ("MAX_DIGEST_SIZE", d),
            ("MAX_KEY_SIZE", k),
            ("PERSON_SIZE", s),
            ("SALT_SIZE", s),
        ] {
            vm.set_attr_raw(&m, &format!("{up}_{attr}"), Value::Int(v));
        }
        vm.set_attr_raw(&m, name, Value::Obj(t));
    }
    Ok(m)
}
