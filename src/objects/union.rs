//! `types.UnionType` (`int | str`) and `types.GenericAlias` (`list[int]`),
//! as CPython's Objects/unionobject.c and genericaliasobject.c.

use crate::objects::rc::Rc;
use crate::vm::value::Truth;

use super::function::Args;
use super::typeobj::type_data;
use super::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

fn arg(args: &Args, i: usize) -> Value {
    args.args.get(i).cloned().unwrap_or(Value::None)
}

/// The `__args__` of a union or generic alias (empty for anything else).
fn args_of(v: &Value) -> Vec<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Union(a) => tuple_items(a),
            Payload::GenericAlias(p) => tuple_items(&p[1]),
            _ => Vec::new(),
        },
        _ => Vec::new(),
    }
}

fn tuple_items(v: &Value) -> Vec<Value> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => items.to_vec(),
            _ => vec![v.clone()],
        },
        _ => vec![v.clone()],
    }
}

impl Vm {
    /// Whether `v` may be an operand of `|` between types (CPython's
    /// `is_unionable`).
    fn is_unionable(&self, v: &Value) -> bool {
        match v {
            Value::None => true,
            Value::Obj(o) => matches!(
                o.payload,
                Payload::Type(_) | Payload::Union(_) | Payload::GenericAlias(_)
            ),
            _ => false,
        }
    }

    /// `a | b` for types: a union, the single type when they are the same,
    /// or NotImplemented.
    pub fn type_or(&mut self, a: &Value, b: &Value) -> PyResult<Value> {
        if !self.is_unionable(a) || !self.is_unionable(b) {
            return Ok(self.not_implemented());
        }
        let mut flat: Vec<Value> = Vec::new();
        for side in [a, b] {
            let parts = match side {
                Value::Obj(o) if matches!(o.payload, Payload::Union(_)) => args_of(side),
                _ => vec![side.clone()],
            };
            for p in parts {
                let p = if p.is_none() {
                    Value::Obj(self.types.none_type.clone())
                } else {
                    p
                };
                let mut dup = false;
                for q in &flat {
                    let same = match (&p, q) {
                        (Value::Obj(x), Value::Obj(y))
                            if matches!(x.payload, Payload::GenericAlias(_))
                                || matches!(y.payload, Payload::GenericAlias(_)) =>
                        {
                            self.eq(&p, q)?
                        }
                        _ => p.is(q),
                    };
                    if same {
                        dup = true;
                        break;
                    }
                }
                if !dup {
                    flat.push(p);
                }
            }
        }
        if flat.len() == 1 {
            return Ok(flat.pop().unwrap_or(Value::None));
        }
        let t = self.new_tuple(flat);
        Ok(Value::Obj(
            self.new_obj(&self.types.union_type, Payload::Union(t)),
        ))
    }

    /// How a union or alias shows a type argument (`int`, `None`,
    /// `__main__.C`, `list[int]`, `...`).
    fn type_arg_repr(&mut self, v: &Value) -> PyResult<String> {
        if let Value::Obj(o) = v {
            if Rc::ptr_eq(o, &self.types.none_type) {
                return Ok("None".into());
            }
            if Rc::ptr_eq(o, &self.ellipsis) {
                return Ok("...".into());
            }
            if type_data(o).is_some() {
                return Ok(self.qualified_type_name(o));
            }
        }
        self.repr(v)
    }

    /// isinstance/issubclass against a union's members.
    pub fn union_args(&self, cls: &Value) -> Option<Vec<Value>> {
        match cls {
            Value::Obj(o) if matches!(o.payload, Payload::Union(_)) => Some(args_of(cls)),
            _ => None,
        }
    }

    pub fn is_generic_alias(&self, v: &Value) -> bool {
        matches!(v, Value::Obj(o) if matches!(o.payload, Payload::GenericAlias(_)))
    }

    /// `origin[args]`.
    pub fn new_generic_alias(&self, origin: Value, args: Value) -> Value {
        let args = match &args {
            Value::Obj(o) if matches!(o.payload, Payload::Tuple(_)) => args,
            _ => self.new_tuple_of([args]),
        };
        Value::Obj(self.new_obj(
            &self.types.generic_alias,
            Payload::GenericAlias(Box::new([origin, args])),
        ))
    }
}

fn type_or_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.type_or(&arg(&args, 0), &arg(&args, 1))
}

fn type_ror_m(vm: &mut Vm, args: Args) -> PyResult<Value> {
    vm.type_or(&arg(&args, 1), &arg(&args, 0))
}

fn union_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let items = args_of(&arg(&args, 0));
    let mut parts = Vec::with_capacity(items.len());
    for i in &items {
        parts.push(vm.type_arg_repr(i)?);
    }
    Ok(vm.new_string(parts.join(" | ")))
}

fn get_args(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    Ok(match v {
        Value::Obj(o) => match &o.payload {
            Payload::Union(a) => a.clone(),
            Payload::GenericAlias(p) => p[1].clone(),
            _ => vm.new_tuple_of([]),
        },
        _ => vm.new_tuple_of([]),
    })
}

fn get_parameters(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    super::alias_subst::get_parameters(vm, v)
}

/// Whether two argument lists hold the same members, in any order.
fn same_members(vm: &mut Vm, a: &[Value], b: &[Value]) -> PyResult<bool> {
    for x in a {
        let mut found = false;
        for y in b {
            if vm.eq(x, y)? {
                found = true;
                break;
            }
        }
        if !found {
            return Ok(false);
        }
    }
    Ok(true)
}

fn union_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (a, b) = (arg(&args, 0), arg(&args, 1));
    if vm.union_args(&b).is_none() {
        return Ok(vm.not_implemented());
    }
    let (x, y) = (args_of(&a), args_of(&b));
    Ok(Value::bool(
        same_members(vm, &x, &y)? && same_members(vm, &y, &x)?,
    ))
}

fn union_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    // CPython hashes frozenset(args): an order-independent combination.
    let mut h: i64 = 0;
    for a in args_of(&arg(&args, 0)) {
        h ^= vm.hash(&a)?.wrapping_mul(0x27d4eb2d);
    }
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

fn union_instancecheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (u, obj) = (arg(&args, 0), arg(&args, 1));
    for a in args_of(&u) {
        if vm.isinstance(&obj, &a)? {
            return Ok(Value::Bool(Truth::True));
        }
    }
    Ok(Value::Bool(Truth::False))
}

fn union_subclasscheck(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (u, sub) = (arg(&args, 0), arg(&args, 1));
    for a in args_of(&u) {
        if vm.issubclass(&sub, &a)? {
            return Ok(Value::Bool(Truth::True));
        }
    }
    Ok(Value::Bool(Truth::False))
}

// ------------------------------------------------------------ GenericAlias

fn alias_parts(v: &Value) -> Option<(Value, Value)> {
    match v {
        Value::Obj(o) => match &o.payload {
            Payload::GenericAlias(p) => Some((p[0].clone(), p[1].clone())),
            _ => None,
        },
        _ => None,
    }
}

fn class_getitem(vm: &mut Vm, args: Args) -> PyResult<Value> {
    Ok(vm.new_generic_alias(arg(&args, 0), arg(&args, 1)))
}

fn alias_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.check_args("GenericAlias", args, 2, 2)?;
    let alias = vm.new_generic_alias(a[0].clone(), a[1].clone());
    // A subclass (`collections.abc._CallableGenericAlias`) gets its own type.
    match (args.args.first(), &alias) {
        (Some(Value::Obj(cls)), Value::Obj(o))
            if type_data(cls).is_some() && !Rc::ptr_eq(cls, &vm.types.generic_alias) =>
        {
            let Payload::GenericAlias(p) = &o.payload else {
                return Ok(alias);
            };
            let payload = Payload::GenericAlias(Box::new([p[0].clone(), p[1].clone()]));
            Ok(Value::Obj(vm.new_instance_of(cls, payload)))
        }
        _ => Ok(alias),
    }
}

fn alias_repr(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some((origin, a)) = alias_parts(&arg(&args, 0)) else {
        return Ok(vm.new_str("GenericAlias"));
    };
    let o = vm.type_arg_repr(&origin)?;
    let items = tuple_items(&a);
    let mut parts = Vec::with_capacity(items.len());
    for i in &items {
        let r = match i {
            Value::Obj(t)
                if matches!(t.payload, Payload::Tuple(_)) && tuple_items(i).is_empty() =>
            {
                "()".to_string()
            }
            _ => vm.type_arg_repr(i)?,
        };
        parts.push(r);
    }
    if parts.is_empty() {
        parts.push("()".into());
    }
    Ok(vm.new_string(format!("{o}[{}]", parts.join(", "))))
}

fn get_origin(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    match alias_parts(v) {
        Some((o, _)) => Ok(o),
        None => Err(vm.type_error("descriptor requires a 'types.GenericAlias' object")),
    }
}

fn alias_call(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some((origin, _)) = alias_parts(&arg(&args, 0)) else {
        return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object"));
    };
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    vm.call_args(&origin, rest)
}

fn alias_eq(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (Some((o1, a1)), Some((o2, a2))) =
        (alias_parts(&arg(&args, 0)), alias_parts(&arg(&args, 1)))
    else {
        return Ok(vm.not_implemented());
    };
    if !vm.eq(&o1, &o2)? {
        return Ok(Value::Bool(Truth::False));
    }
    Ok(Value::bool(vm.eq(&a1, &a2)?))
}

fn alias_hash(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some((o, a)) = alias_parts(&arg(&args, 0)) else {
        return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object"));
    };
    let h = vm.hash(&o)? ^ vm.hash(&a)?;
    Ok(Value::Int(if h == -1 { -2 } else { h }))
}

fn alias_mro_entries(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let Some((o, _)) = alias_parts(&arg(&args, 0)) else {
        return Err(vm.type_error("descriptor requires a 'types.GenericAlias' object"));
    };
    Ok(vm.new_tuple_of([o]))
}

fn alias_instancecheck(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("isinstance() argument 2 cannot be a parameterized generic"))
}

fn alias_subclasscheck(vm: &mut Vm, _args: Args) -> PyResult<Value> {
    Err(vm.type_error("issubclass() argument 2 cannot be a parameterized generic"))
}

/// Names a generic alias answers itself; every other attribute comes from
/// the origin (CPython's `attr_exceptions`).
const OWN_ATTRS: &[&str] = &[
    "__class__",
    "__origin__",
    "__args__",
    "__unpacked__",
    "__parameters__",
    "__typing_unpacked_tuple_args__",
    "__mro_entries__",
    "__reduce_ex__",
    "__reduce__",
    "__copy__",
    "__deepcopy__",
];

/// Attribute access on an alias (CPython's `ga_getattro`).
fn alias_getattribute(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let s = arg(&args, 0);
    let name = match &arg(&args, 1) {
        Value::Obj(n) if matches!(n.payload, Payload::Str(_)) => n.clone(),
        _ => return Err(vm.type_error("attribute name must be string")),
    };
    let n = crate::vm::proto::str_of(&name).to_string();
    let own = OWN_ATTRS.contains(&n.as_str());
    if !own {
        if let Some((origin, _)) = alias_parts(&s) {
            return vm.getattr(&origin, &name);
        }
    }
    let t = vm.type_of(&s);
    vm.generic_getattr(&s, &name, &t)
}

fn set_module(vm: &mut Vm, t: &PyRef) {
    let m = vm.new_str("types");
    vm.add_type_attr(t, "__module__", m);
}

pub fn install(vm: &mut Vm) {
    let t = vm.types.type_.clone();
    vm.add_methods(&t, &[("__or__", type_or_m), ("__ror__", type_ror_m)]);
    let u = vm.types.union_type.clone();
    set_module(vm, &u);
    vm.add_methods(
        &u,
        &[
            ("__repr__", union_repr),
            ("__eq__", union_eq),
            ("__hash__", union_hash),
            ("__or__", type_or_m),
            ("__ror__", type_ror_m),
            ("__instancecheck__", union_instancecheck),
            ("__subclasscheck__", union_subclasscheck),
            ("__getitem__", super::alias_subst::union_getitem),
        ],
    );
    vm.add_getsets(
        &u,
        &[
            ("__args__", get_args, None),
            ("__parameters__", get_parameters, None),
        ],
    );
    let g = vm.types.generic_alias.clone();
    set_module(vm, &g);
    vm.add_staticmethods(&g, &[("__new__", alias_new)]);
    vm.add_methods(
        &g,
        &[
            ("__repr__", alias_repr),
            ("__call__", alias_call),
            ("__eq__", alias_eq),
            ("__hash__", alias_hash),
            ("__or__", type_or_m),
            ("__ror__", type_ror_m),
            ("__mro_entries__", alias_mro_entries),
            ("__instancecheck__", alias_instancecheck),
            ("__subclasscheck__", alias_subclasscheck),
            ("__getattribute__", alias_getattribute),
            ("__getitem__", super::alias_subst::alias_getitem),
            ("__reduce__", super::alias_subst::alias_reduce),
        ],
    );
    vm.add_getsets(
        &g,
        &[
            ("__origin__", get_origin, None),
            ("__args__", get_args, None),
            ("__parameters__", get_parameters, None),
            ("__unpacked__", super::alias_subst::get_unpacked, None),
            (
                "__typing_unpacked_tuple_args__",
                super::alias_subst::get_unpacked_tuple_args,
                None,
            ),
        ],
    );
    if let Some(td) = type_data(&g) {
        td.flags
            .set(td.flags.get() | super::typeobj::FLAG_CUSTOM_GETATTRIBUTE);
    }
    let containers = [
        vm.types.list.clone(),
        vm.types.dict.clone(),
        vm.types.tuple.clone(),
        vm.types.set.clone(),
        vm.types.frozenset.clone(),
        vm.types.enumerate.clone(),
    ];
    for c in containers {
        vm.add_classmethods(&c, &[("__class_getitem__", class_getitem)]);
    }
}
