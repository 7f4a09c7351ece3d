//! `re.Match`: the result of a successful match (Modules/_sre/sre.c's
//! MatchObject): groups by number or name, spans, `expand` (through
//! `re._expand`, as 3.11 does), `regs`, `lastindex`/`lastgroup` and the repr
//! `<re.Match object; span=(0, 3), match='abc'>`.

use crate::objects::function::Args;
use crate::objects::native::NativeData;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::{kw_args, slice_value, PatternData, Subject};

/// The state of a Match object.
pub(crate) struct MatchData {
    pub pattern: Value,
    pub string: Value,
    pub subj: Subject,
    pub m: crate::sre::Match,
}

impl NativeData for MatchData {
    fn traverse(&self, visit: &mut dyn FnMut(&Value)) {
        visit(&self.pattern);
        visit(&self.string);
    }
}

/// `pattern_new_match`.
pub(crate) fn new_match(
    vm: &Vm,
    ty: &PyRef,
    pattern: Value,
    string: Value,
    subj: Subject,
    m: crate::sre::Match,
) -> Value {
    Value::Obj(vm.new_native(
        ty,
        MatchData {
            pattern,
            string,
            subj,
            m,
        },
    ))
}

fn this<'a>(vm: &Vm, args: &Args<'a>, method: &str) -> PyResult<&'a MatchData> {
    vm.native_self::<MatchData>(args, "re.Match", method)
}

fn getter_self<'a>(vm: &Vm, v: &'a Value, name: &str) -> PyResult<&'a MatchData> {
    vm.native::<MatchData>(v).ok_or_else(|| {
        vm.type_error(format!(
            "descriptor '{name}' for 're.Match' objects doesn't apply to a '{}' object",
            vm.type_name_of(v)
        ))
    })
}

impl MatchData {
    fn groups(&self) -> usize {
        self.m.spans.len()
    }

    /// `match_getindex`: a group number from an int or a group name.
    fn index(&self, vm: &mut Vm, g: &Value) -> PyResult<usize> {
        let i = match vm.index_value(g)? {
            Some(i) => i,
            None => {
                let mut i = -1;
                let gi = vm
                    .native::<PatternData>(&self.pattern)
                    .map(|p| p.groupindex.clone());
                if let Some(Value::Obj(d)) = gi {
                    if let Some(Value::Int(n)) = vm.dict_get(&d, g)? {
                        i = n;
                    }
                }
                i
            }
        };
        match usize::try_from(i) {
            Ok(u) if u < self.groups() => Ok(u),
            _ => Err(vm.index_error("no such group")),
        }
    }

    /// The text of group `i`, or `default` when it did not participate.
    fn group_value(&self, vm: &Vm, i: usize, default: &Value) -> Value {
        match self.m.span(i) {
            Some((a, b)) => slice_value(vm, &self.subj, &self.string, a, b),
            None => default.clone(),
        }
    }

    fn span_of(&self, i: usize) -> (i64, i64) {
        match self.m.span(i) {
            Some((a, b)) => (a as i64, b as i64),
            None => (-1, -1),
        }
    }
}

fn match_group(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "group")?;
    if args.has_kwargs() {
        return Err(vm.type_error("Match.group() takes no keyword arguments"));
    }
    let gs = args.pos().get(1..).unwrap_or(&[]);
    match gs {
        [] => Ok(md.group_value(vm, 0, &Value::None)),
        [g] => {
            let i = md.index(vm, g)?;
            Ok(md.group_value(vm, i, &Value::None))
        }
        _ => {
            let mut out = Vec::with_capacity(gs.len());
            for g in gs {
                let i = md.index(vm, g)?;
                out.push(md.group_value(vm, i, &Value::None));
            }
            Ok(vm.new_tuple(out))
        }
    }
}

fn match_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "__getitem__")?;
    let a = vm.check_args("__getitem__", args, 1, 1)?;
    let i = md.index(vm, &a[0])?;
    Ok(md.group_value(vm, i, &Value::None))
}

fn match_groups(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "groups")?;
    let a = kw_args(vm, args, "groups", &["default"], 0)?;
    let default = a.first().cloned().flatten().unwrap_or(Value::None);
    let out = (1..md.groups())
        .map(|i| md.group_value(vm, i, &default))
        .collect();
    Ok(vm.new_tuple(out))
}

fn match_groupdict(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "groupdict")?;
    let a = kw_args(vm, args, "groupdict", &["default"], 0)?;
    let default = a.first().cloned().flatten().unwrap_or(Value::None);
    let d = vm.new_dict();
    let gi = vm
        .native::<PatternData>(&md.pattern)
        .map(|p| p.groupindex.clone());
    if let Some(Value::Obj(gd)) = gi {
        for (k, _) in vm.dict_items(&gd) {
            let i = md.index(vm, &k)?;
            let v = md.group_value(vm, i, &default);
            vm.dict_set(&d, k, v)?;
        }
    }
    Ok(Value::Obj(d))
}

/// The group argument of `start`/`end`/`span` (default 0).
fn group_arg(vm: &mut Vm, md: &MatchData, args: Args, name: &str) -> PyResult<usize> {
    let a = vm.check_args(name, args, 0, 1)?;
    match a.first() {
        Some(g) => md.index(vm, g),
        None => Ok(0),
    }
}

fn match_start(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "start")?;
    let i = group_arg(vm, md, args, "start")?;
    Ok(Value::Int(md.span_of(i).0))
}

fn match_end(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "end")?;
    let i = group_arg(vm, md, args, "end")?;
    Ok(Value::Int(md.span_of(i).1))
}

fn match_span(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "span")?;
    let i = group_arg(vm, md, args, "span")?;
    let (a, b) = md.span_of(i);
    Ok(vm.new_tuple_of([Value::Int(a), Value::Int(b)]))
}

fn match_expand(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "expand")?;
    let me = args.args.first().cloned().unwrap_or(Value::None);
    let a = kw_args(vm, args, "expand", &["template"], 1)?;
    let template = a.first().cloned().flatten().unwrap_or(Value::None);
    let pattern = md.pattern.clone();
    super::call_re(vm, "_expand", &[pattern, me, template])
}

fn match_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let md = this(vm, &args, "__repr__")?;
    let g0 = md.group_value(vm, 0, &Value::None);
    let r = vm.repr(&g0)?;
    let r: String = r.chars().take(50).collect();
    let (a, b) = md.span_of(0);
    let tn = vm.qualified_type_name(&vm.type_of(&args.args[0]));
    Ok(vm.new_string(format!("<{tn} object; span=({a}, {b}), match={r}>")))
}

fn match_regs(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let md = getter_self(vm, v, "regs")?;
    let out = (0..md.groups())
        .map(|i| {
            let (a, b) = md.span_of(i);
            vm.new_tuple_of([Value::Int(a), Value::Int(b)])
        })
        .collect();
    Ok(vm.new_tuple(out))
}

fn match_lastindex(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let md = getter_self(vm, v, "lastindex")?;
    Ok(md.m.lastindex.map_or(Value::None, |i| Value::Int(i as i64)))
}

fn match_lastgroup(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    let md = getter_self(vm, v, "lastgroup")?;
    let Some(li) = md.m.lastindex else {
        return Ok(Value::None);
    };
    let ig = vm
        .native::<PatternData>(&md.pattern)
        .map(|p| p.indexgroup.clone());
    Ok(ig
        .and_then(|t| vm.seq_items(&t))
        .and_then(|items| items.get(li).cloned())
        .unwrap_or(Value::None))
}

fn match_pos(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(getter_self(vm, v, "pos")?.m.pos as i64))
}

fn match_endpos(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(Value::Int(getter_self(vm, v, "endpos")?.m.endpos as i64))
}

fn match_re(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(getter_self(vm, v, "re")?.pattern.clone())
}

fn match_string(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(getter_self(vm, v, "string")?.string.clone())
}

pub(super) fn install(vm: &mut Vm, t: &PyRef) {
    vm.add_staticmethods(t, &[("__new__", super::no_new)]);
    vm.add_methods(
        t,
        &[
            ("group", match_group),
            ("__getitem__", match_getitem),
            ("groups", match_groups),
            ("groupdict", match_groupdict),
            ("start", match_start),
            ("end", match_end),
            ("span", match_span),
            ("expand", match_expand),
            ("__repr__", match_repr),
            ("__copy__", super::return_self),
            ("__deepcopy__", super::return_self),
        ],
    );
    vm.add_classmethods(t, &[("__class_getitem__", super::class_getitem)]);
    vm.add_getsets(
        t,
        &[
            ("regs", match_regs, None),
            ("lastindex", match_lastindex, None),
            ("lastgroup", match_lastgroup, None),
            ("pos", match_pos, None),
            ("endpos", match_endpos, None),
            ("re", match_re, None),
            ("string", match_string, None),
        ],
    );
}
