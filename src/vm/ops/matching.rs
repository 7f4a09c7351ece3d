//! `match` statement support: GET_LEN, MATCH_MAPPING, MATCH_SEQUENCE,
//! MATCH_KEYS and MATCH_CLASS.

use crate::objects::rc::Rc;

use crate::objects::Payload;

use super::Flow;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

impl Vm {
    pub(crate) fn op_get_len(&mut self) -> PyResult<Flow> {
        let v = self.peek(0).clone();
        let n = self.len(&v)?;
        self.op_push(Value::Int(n as i64))
    }

    fn is_mapping(&mut self, v: &Value) -> bool {
        match v {
            Value::Obj(o) => {
                matches!(o.payload, Payload::Dict(_)) || self.abc_registered(v, "Mapping")
            }
            _ => false,
        }
    }

    fn is_sequence(&mut self, v: &Value) -> bool {
        match v {
            Value::Obj(o) => {
                matches!(
                    o.payload,
                    Payload::List(_) | Payload::Tuple(_) | Payload::Range(_)
                ) || self.abc_registered(v, "Sequence")
            }
            _ => false,
        }
    }

    /// Whether the value's class has a base named `name` from
    /// `collections.abc` (how Py_TPFLAGS_MAPPING/SEQUENCE are inherited).
    fn abc_registered(&mut self, v: &Value, name: &str) -> bool {
        let ty = self.type_of(v);
        let mro = crate::objects::typeobj::type_data(&ty)
            .map(|t| t.mro.borrow().clone())
            .unwrap_or_default();
        mro.iter().any(|t| {
            self.type_name(t) == name
                && matches!(self.get_attr_raw(t, "__module__"), Some(Value::Obj(m)) if crate::vm::proto::str_of(&m).starts_with("collections.abc") || crate::vm::proto::str_of(&m) == "_collections_abc")
        })
    }

    pub(crate) fn op_match_mapping(&mut self) -> PyResult<Flow> {
        let v = self.peek(0).clone();
        let b = self.is_mapping(&v);
        self.op_push(Value::bool(b))
    }

    pub(crate) fn op_match_sequence(&mut self) -> PyResult<Flow> {
        let v = self.peek(0).clone();
        let b = self.is_sequence(&v);
        self.op_push(Value::bool(b))
    }

    pub(crate) fn op_match_keys(&mut self) -> PyResult<Flow> {
        let keys = self.peek(0).clone();
        let subject = self.peek(1).clone();
        let keys = self.seq_items(&keys).unwrap_or_default();
        if keys.is_empty() {
            let t = self.new_tuple_of([]);
            return self.op_push(t);
        }
        let get = self.getattr_str(&subject, "get")?;
        let dummy = Value::Obj(self.new_obj(&self.types.object, Payload::Object));
        let mut seen: Vec<Value> = Vec::new();
        let mut values = Vec::with_capacity(keys.len());
        for k in keys {
            for s in &seen {
                if self.eq(s, &k)? {
                    let r = self.repr(&k)?;
                    return Err(
                        self.value_error(format!("mapping pattern checks duplicate key ({r})"))
                    );
                }
            }
            seen.push(k.clone());
            let v = self.call(&get, &[k, dummy.clone()])?;
            if v.is(&dummy) {
                return self.op_push(Value::None);
            }
            values.push(v);
        }
        let t = self.new_tuple(values);
        self.op_push(t)
    }

    pub(crate) fn op_match_class(&mut self, nargs: u32) -> PyResult<Flow> {
        let names = self.pop();
        let ty = self.pop();
        let subject = self.pop();
        let r = self.match_class(&subject, &ty, nargs as usize, &names)?;
        self.op_push(r.unwrap_or(Value::None))
    }

    fn match_class(
        &mut self,
        subject: &Value,
        ty: &Value,
        nargs: usize,
        names: &Value,
    ) -> PyResult<Option<Value>> {
        let Value::Obj(t) = ty else {
            return Err(self.type_error("called match pattern must be a type"));
        };
        if !matches!(t.payload, Payload::Type(_)) {
            return Err(self.type_error("called match pattern must be a type"));
        }
        if !self.isinstance(subject, ty)? {
            return Ok(None);
        }
        let kw = self.seq_items(names).unwrap_or_default();
        let mut attrs = Vec::new();
        let mut seen: Vec<String> = Vec::new();
        let tname = self.type_name(t);
        if nargs > 0 {
            let match_args = self.getattr_opt(ty, "__match_args__")?;
            let positional: Vec<Value> = match match_args {
                Some(ma) => {
                    if !matches!(&ma, Value::Obj(o) if matches!(o.payload, Payload::Tuple(_))) {
                        return Err(self.type_error(format!(
                            "{tname}.__match_args__ must be a tuple (got {})",
                            self.type_name_of(&ma)
                        )));
                    }
                    self.seq_items(&ma).unwrap_or_default()
                }
                None => {
                    let self_matching = [
                        &self.types.bool_,
                        &self.types.bytearray,
                        &self.types.bytes,
                        &self.types.dict,
                        &self.types.float,
                        &self.types.frozenset,
                        &self.types.int,
                        &self.types.list,
                        &self.types.set,
                        &self.types.str,
                        &self.types.tuple,
                    ]
                    .iter()
                    .any(|b| crate::objects::typeobj::is_subtype(t, b));
                    if self_matching && nargs == 1 && kw.is_empty() {
                        let tuple = self.new_tuple_of([subject.clone()]);
                        return Ok(Some(tuple));
                    }
                    if self_matching && nargs == 1 {
                        attrs.push(subject.clone());
                        Vec::new()
                    } else {
                        Vec::new()
                    }
                }
            };
            let allowed = if attrs.is_empty() {
                positional.len()
            } else {
                1
            };
            if nargs > allowed {
                let s = if allowed == 1 { "" } else { "s" };
                return Err(self.type_error(format!(
                    "{tname}() accepts {allowed} positional sub-pattern{s} ({nargs} given)"
                )));
            }
            for name in positional.iter().take(nargs) {
                let Some(n) = self.as_str_obj(name).map(|s| s.as_str().to_string()) else {
                    return Err(self.type_error(format!(
                        "__match_args__ elements must be strings (got {})",
                        self.type_name_of(name)
                    )));
                };
                if seen.contains(&n) {
                    return Err(self.type_error(format!(
                        "{tname}() got multiple sub-patterns for attribute '{n}'"
                    )));
                }
                seen.push(n.clone());
                match self.getattr_opt(subject, &n)? {
                    Some(v) => attrs.push(v),
                    None => return Ok(None),
                }
            }
        }
        for name in kw {
            let n = self
                .as_str_obj(&name)
                .map(|s| s.as_str().to_string())
                .unwrap_or_default();
            if seen.contains(&n) {
                return Err(self.type_error(format!(
                    "{tname}() got multiple sub-patterns for attribute '{n}'"
                )));
            }
            seen.push(n.clone());
            match self.getattr_opt(subject, &n)? {
                Some(v) => attrs.push(v),
                None => return Ok(None),
            }
        }
        let _ = Rc::strong_count(t);
        Ok(Some(self.new_tuple(attrs)))
    }
}
