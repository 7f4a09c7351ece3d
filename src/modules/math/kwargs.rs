//! Argument binding for the math-group modules' functions that take
//! keywords (`math.isclose`, `math.prod`, `_bisect.*`, ...), with Argument
//! Clinic's messages (`_PyArg_UnpackKeywords`).

use crate::objects::function::Args;
use crate::vm::proto::str_of;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

/// A signature: `pos` parameters (the first `posonly` positional-only),
/// then keyword-only `kwonly`; the first `required` of `pos` are required.
pub struct Sig<'a> {
    pub name: &'a str,
    pub pos: &'a [&'a str],
    pub posonly: usize,
    pub required: usize,
    pub kwonly: &'a [&'a str],
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

impl Sig<'_> {
    /// One slot per parameter (positional ones, then keyword-only ones).
    pub fn bind(&self, vm: &Vm, args: &Args) -> PyResult<Vec<Option<Value>>> {
        let pos = args.pos();
        let n = self.pos.len();
        let fname = self.name;
        let how = |req: usize| if req < n { "at most" } else { "exactly" };
        let maxargs = n + self.kwonly.len();
        let given = pos.len() + args.kwnames.len();
        if given > maxargs {
            return Err(vm.type_error(format!(
                "{fname}() takes at most {maxargs} {}argument{} ({given} given)",
                if pos.is_empty() { "keyword " } else { "" },
                plural(maxargs)
            )));
        }
        if pos.len() > n {
            let msg = if n == 0 {
                format!("{fname}() takes no positional arguments")
            } else {
                format!(
                    "{fname}() takes {} {n} positional argument{} ({} given)",
                    how(self.required),
                    plural(n),
                    pos.len()
                )
            };
            return Err(vm.type_error(msg));
        }
        let mut out: Vec<Option<Value>> = vec![None; n + self.kwonly.len()];
        for (slot, v) in out.iter_mut().zip(pos) {
            *slot = Some(v.clone());
        }
        for (k, v) in args.kwargs() {
            let key = str_of(k);
            let at = self
                .pos
                .iter()
                .position(|p| *p == key)
                .filter(|&i| i >= self.posonly)
                .or_else(|| self.kwonly.iter().position(|p| *p == key).map(|i| i + n));
            match at {
                Some(i) if i < pos.len() => {
                    return Err(vm.type_error(format!(
                        "argument for {fname}() given by name ('{key}') and position ({})",
                        i + 1
                    )))
                }
                Some(i) => {
                    if let Some(slot) = out.get_mut(i) {
                        *slot = Some(v.clone());
                    }
                }
                None => {
                    return Err(vm.type_error(format!(
                        "'{key}' is an invalid keyword argument for {fname}()"
                    )))
                }
            }
        }
        for (i, p) in self.pos.iter().enumerate().take(self.required) {
            if out.get(i).is_some_and(|v| v.is_none()) {
                if i < self.posonly {
                    let what = "positional argument";
                    return Err(vm.type_error(format!(
                        "{fname}() takes {} {} {what}{} ({} given)",
                        if self.required < n {
                            "at least"
                        } else {
                            "exactly"
                        },
                        self.required,
                        plural(self.required),
                        pos.len()
                    )));
                }
                return Err(vm.type_error(format!(
                    "{fname}() missing required argument '{p}' (pos {})",
                    i + 1
                )));
            }
        }
        Ok(out)
    }
}
