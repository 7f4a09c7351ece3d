//! The `_heapq` module (Modules/_heapqmodule.c): CPython's exact sift
//! algorithms on lists (min-heaps and the private max-heap helpers), with
//! its checks for lists mutated by a comparison.

use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::proto::CmpOp;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The list payload of a heap argument, or CPython's TypeError.
fn heap_list<'a>(
    vm: &Vm,
    v: &'a Value,
    fname: &str,
    nargs: usize,
) -> PyResult<&'a crate::objects::listcell::ListCell> {
    if let Value::Obj(o) = v {
        if let Payload::List(l) = &o.payload {
            return Ok(l);
        }
    }
    let which = if nargs == 1 { "argument" } else { "argument 1" };
    Err(vm.type_error(format!(
        "{fname}() {which} must be list, not {}",
        vm.arg_type_name(v)
    )))
}

fn get(vm: &Vm, l: &crate::objects::listcell::ListCell, i: usize) -> PyResult<Value> {
    match l.try_borrow() {
        Ok(v) => v
            .get(i)
            .cloned()
            .ok_or_else(|| vm.index_error("list index out of range")),
        Err(_) => Err(vm.runtime_error("list changed size during iteration")),
    }
}

fn len(l: &crate::objects::listcell::ListCell) -> usize {
    l.try_borrow().map(|v| v.len()).unwrap_or(0)
}

fn swap(vm: &Vm, l: &crate::objects::listcell::ListCell, a: usize, b: usize) -> PyResult<()> {
    let mut v = l
        .try_borrow_mut()
        .map_err(|_| vm.runtime_error("list changed size during iteration"))?;
    if a < v.len() && b < v.len() {
        v.swap(a, b);
        Ok(())
    } else {
        Err(vm.runtime_error("list changed size during iteration"))
    }
}

fn set(vm: &Vm, l: &crate::objects::listcell::ListCell, i: usize, x: Value) -> PyResult<()> {
    let mut v = l
        .try_borrow_mut()
        .map_err(|_| vm.runtime_error("list changed size during iteration"))?;
    match v.get_mut(i) {
        Some(slot) => {
            *slot = x;
            Ok(())
        }
        None => Err(vm.index_error("list index out of range")),
    }
}

/// `a < b` (min-heap) or `b < a` (max-heap).
fn less(vm: &mut Vm, a: &Value, b: &Value, max: bool) -> PyResult<bool> {
    if max {
        vm.compare(b, a, CmpOp::Lt)
    } else {
        vm.compare(a, b, CmpOp::Lt)
    }
}

fn changed(vm: &Vm) -> crate::vm::PyErr {
    vm.runtime_error("list changed size during iteration")
}

/// Move the item at `pos` up towards `startpos` (CPython's `siftdown`).
fn siftdown(
    vm: &mut Vm,
    l: &crate::objects::listcell::ListCell,
    startpos: usize,
    mut pos: usize,
    max: bool,
) -> PyResult<()> {
    let size = len(l);
    if pos >= size {
        return Err(vm.index_error("list index out of range"));
    }
    while pos > startpos {
        let parentpos = (pos - 1) >> 1;
        let newitem = get(vm, l, pos)?;
        let parent = get(vm, l, parentpos)?;
        let lt = less(vm, &newitem, &parent, max)?;
        if size != len(l) {
            return Err(changed(vm));
        }
        if !lt {
            break;
        }
        swap(vm, l, pos, parentpos)?;
        pos = parentpos;
    }
    Ok(())
}

/// Move the smaller child up until a leaf, then sift the item down
/// (CPython's `siftup`).
fn siftup(
    vm: &mut Vm,
    l: &crate::objects::listcell::ListCell,
    mut pos: usize,
    max: bool,
) -> PyResult<()> {
    let endpos = len(l);
    let startpos = pos;
    if pos >= endpos {
        return Err(vm.index_error("list index out of range"));
    }
    let limit = endpos >> 1;
    while pos < limit {
        let mut childpos = 2 * pos + 1;
        if childpos + 1 < endpos {
            let a = get(vm, l, childpos)?;
            let b = get(vm, l, childpos + 1)?;
            let lt = less(vm, &a, &b, max)?;
            if !lt {
                childpos += 1;
            }
            if endpos != len(l) {
                return Err(changed(vm));
            }
        }
        swap(vm, l, childpos, pos)?;
        pos = childpos;
    }
    siftdown(vm, l, startpos, pos, max)
}

fn two_args<'a>(vm: &Vm, args: Args<'a>, name: &str) -> PyResult<&'a [Value]> {
    vm.fn_args(&format!("_heapq.{name}"), args, 2, 2)
}

fn heapq_heappush(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two_args(vm, args, "heappush")?;
    let l = heap_list(vm, &a[0], "heappush", 2)?;
    l.try_borrow_mut()
        .map_err(|_| changed(vm))?
        .push(a[1].clone());
    let n = len(l);
    siftdown(vm, l, 0, n - 1, false)?;
    Ok(Value::None)
}

fn heappop_impl(vm: &mut Vm, args: Args, name: &str, max: bool) -> PyResult<Value> {
    let a = vm.fn_args(&format!("_heapq.{name}"), args, 1, 1)?;
    let l = heap_list(vm, &a[0], name, 1)?;
    let last = {
        let mut v = l.try_borrow_mut().map_err(|_| changed(vm))?;
        match v.pop() {
            Some(x) => x,
            None => return Err(vm.index_error("index out of range")),
        }
    };
    if len(l) == 0 {
        return Ok(last);
    }
    let ret = get(vm, l, 0)?;
    set(vm, l, 0, last)?;
    siftup(vm, l, 0, max)?;
    Ok(ret)
}

fn heapq_heappop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heappop_impl(vm, args, "heappop", false)
}

fn heapq_heappop_max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heappop_impl(vm, args, "_heappop_max", true)
}

fn heapreplace_impl(vm: &mut Vm, args: Args, name: &str, max: bool) -> PyResult<Value> {
    let a = two_args(vm, args, name)?;
    let l = heap_list(vm, &a[0], name, 2)?;
    if len(l) == 0 {
        return Err(vm.index_error("index out of range"));
    }
    let ret = get(vm, l, 0)?;
    set(vm, l, 0, a[1].clone())?;
    siftup(vm, l, 0, max)?;
    Ok(ret)
}

fn heapq_heapreplace(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heapreplace_impl(vm, args, "heapreplace", false)
}

fn heapq_heapreplace_max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heapreplace_impl(vm, args, "_heapreplace_max", true)
}

fn heapq_heappushpop(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = two_args(vm, args, "heappushpop")?;
    let l = heap_list(vm, &a[0], "heappushpop", 2)?;
    let item = a[1].clone();
    if len(l) == 0 {
        return Ok(item);
    }
    let top = get(vm, l, 0)?;
    if !vm.compare(&top, &item, CmpOp::Lt)? {
        return Ok(item);
    }
    if len(l) == 0 {
        return Err(vm.index_error("index out of range"));
    }
    let ret = get(vm, l, 0)?;
    set(vm, l, 0, item)?;
    siftup(vm, l, 0, false)?;
    Ok(ret)
}

fn heapify_impl(vm: &mut Vm, args: Args, name: &str, max: bool) -> PyResult<Value> {
    let a = vm.fn_args(&format!("_heapq.{name}"), args, 1, 1)?;
    let l = heap_list(vm, &a[0], name, 1)?;
    let n = len(l);
    for i in (0..n / 2).rev() {
        siftup(vm, l, i, max)?;
    }
    Ok(Value::None)
}

fn heapq_heapify(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heapify_impl(vm, args, "heapify", false)
}

fn heapq_heapify_max(vm: &mut Vm, args: Args) -> PyResult<Value> {
    heapify_impl(vm, args, "_heapify_max", true)
}

const ABOUT: &str = "Heap queues\n\n[explanation by Fran\u{e7}ois Pinard]\n\nHeaps are arrays for which a[k] <= a[2*k+1] and a[k] <= a[2*k+2] for\nall k, counting elements from 0.  For the sake of comparison,\nnon-existing elements are considered to be infinite.  The interesting\nproperty of a heap is that a[0] is always its smallest element.\n";

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_heapq");
    let doc = vm.new_str("Heap queue algorithm (a.k.a. priority queue).\n\nHeaps are arrays for which a[k] <= a[2*k+1] and a[k] <= a[2*k+2] for\nall k, counting elements from 0.  For the sake of comparison,\nnon-existing elements are considered to be infinite.  The interesting\nproperty of a heap is that a[0] is always its smallest element.\n\nUsage:\n\nheap = []            # creates an empty heap\nheappush(heap, item) # pushes a new item on the heap\nitem = heappop(heap) # pops the smallest item from the heap\nitem = heap[0]       # smallest item on the heap without popping it\nheapify(x)           # transforms list into a heap, in-place, in linear time\nitem = heappushpop(heap, item) # pushes a new item and then returns\n                               # the smallest item; the heap size is unchanged\nitem = heapreplace(heap, item) # pops and returns smallest item, and adds\n                               # new item; the heap size is unchanged\n\nOur API differs from textbook heap algorithms as follows:\n\n- We use 0-based indexing.  This makes the relationship between the\n  index for a node and the indexes for its children slightly less\n  obvious, but is more suitable since Python uses 0-based indexing.\n\n- Our heappop() method returns the smallest item, not the largest.\n\nThese two make it possible to view the heap as a regular Python list\nwithout surprises: heap[0] is the smallest item, and heap.sort()\nmaintains the heap invariant!\n");
    vm.set_attr_raw(&m, "__doc__", doc);
    vm.add_functions(
        &m,
        &[
            ("heappush", heapq_heappush),
            ("heappushpop", heapq_heappushpop),
            ("heappop", heapq_heappop),
            ("heapreplace", heapq_heapreplace),
            ("heapify", heapq_heapify),
            ("_heappop_max", heapq_heappop_max),
            ("_heapreplace_max", heapq_heapreplace_max),
            ("_heapify_max", heapq_heapify_max),
        ],
    );
    let about = vm.new_str(ABOUT);
    vm.set_attr_raw(&m, "__about__", about);
    Ok(m)
}
