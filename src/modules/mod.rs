//! Native modules: the modules pycvm implements in Rust (`sys` now; the
//! rest of the standard library's C modules come with the import system).

use crate::objects::function::{Builtin, Module, NativeFn};
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

pub mod sys;

impl Vm {
    /// A new module object with `__name__` set.
    pub fn new_module(&mut self, name: &str) -> PyRef {
        let m = self.new_obj(
            &self.types.module,
            Payload::Module(Module {
                name: name.to_string(),
            }),
        );
        *m.dict.borrow_mut() = Some(self.new_dict());
        let n = self.new_str(name);
        self.set_attr_raw(&m, "__name__", n);
        self.set_attr_raw(&m, "__doc__", Value::None);
        self.set_attr_raw(&m, "__package__", Value::None);
        self.set_attr_raw(&m, "__loader__", Value::None);
        self.set_attr_raw(&m, "__spec__", Value::None);
        m
    }

    /// Add native functions to a module.
    pub fn add_functions(&mut self, m: &PyRef, funcs: &[(&'static str, NativeFn)]) {
        for (name, f) in funcs {
            let b = self.new_obj(
                &self.types.builtin_function,
                Payload::Builtin(Box::new(Builtin {
                    name,
                    func: *f,
                    self_: None,
                    owner: None,
                })),
            );
            self.set_attr_raw(m, name, Value::Obj(b));
        }
    }
}

/// Create the builtin module `name`, or None if pycvm has none.
pub fn create(vm: &mut Vm, name: &str) -> PyResult<Option<Value>> {
    Ok(match name {
        "sys" => Some(Value::Obj(vm.sys.clone())),
        "builtins" => Some(Value::Obj(vm.builtins.clone())),
        _ => None,
    })
}
