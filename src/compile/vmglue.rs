//! The compiler as the VM sees it: source text from a str or bytes value,
//! compile errors raised as SyntaxError (with filename, lineno, offset,
//! text, end_lineno, end_offset), verified code objects, and the
//! `compile()` builtin.

use crate::objects::rc::Rc;

use crate::objects::exception::ExcKind;
use crate::objects::function::Args;
use crate::objects::Payload;
use crate::vm::code::Code;
use crate::vm::value::Value;
use crate::vm::{PyResult, Vm};

use super::{compile_with_flags, CompileError, ErrorKind, Mode};

/// Byte offset (1-based) in `line` to a character offset (1-based), as
/// CPython reports SyntaxError offsets.
fn char_offset(line: &str, byte_off: u32) -> u32 {
    if byte_off == 0 {
        return 0;
    }
    let b = (byte_off - 1) as usize;
    let prefix = line.get(..b.min(line.len())).unwrap_or(line);
    prefix.chars().count() as u32 + 1 + b.saturating_sub(line.len()) as u32
}

impl Vm {
    /// Raise a compile error as SyntaxError (or IndentationError/TabError).
    pub fn syntax_error(&mut self, e: &CompileError) -> crate::vm::PyErr {
        if e.msg.starts_with("pycvm compiler:") {
            return self.system_error(e.msg.clone());
        }
        let kind = match e.kind {
            ErrorKind::Syntax => ExcKind::SyntaxError,
            ErrorKind::Indentation => ExcKind::IndentationError,
            ErrorKind::Tab => ExcKind::TabError,
            ErrorKind::Memory => return self.new_error_noargs(ExcKind::MemoryError),
            ErrorKind::Recursion => return self.new_error(ExcKind::RecursionError, e.msg.clone()),
        };
        let ty = self.exc_type(kind);
        let (offset, end_offset) = match &e.text {
            Some(t) => {
                let end_line_text = if e.end_line == e.lineno {
                    Some(t.as_str())
                } else {
                    None
                };
                (
                    char_offset(t, e.offset),
                    match end_line_text {
                        Some(t) => char_offset(t, e.end_offset),
                        None => e.end_offset,
                    },
                )
            }
            None => (e.offset, e.end_offset),
        };
        let int = |v: u32| Value::Int(v as i64);
        let text = match &e.text {
            Some(t) => self.new_str(t),
            None => Value::None,
        };
        let (end_lineno, end_offset) = if e.end_line == 0 {
            (int(e.lineno), int(offset))
        } else if e.at_next_token && end_offset == 0 {
            // A token without a column (see `CompileError::at_next_token`).
            (int(e.end_line), Value::Int(-1))
        } else {
            (int(e.end_line), int(end_offset))
        };
        let details = self.new_tuple_of([
            self.new_str(&e.filename),
            int(e.lineno),
            int(offset),
            text,
            end_lineno,
            end_offset,
        ]);
        let msg = self.new_str(&e.msg);
        match self.call(&Value::Obj(ty), &[msg, details]) {
            Ok(Value::Obj(o)) => crate::vm::PyErr(o),
            Ok(_) => self.system_error("SyntaxError() returned a non-exception"),
            Err(err) => err,
        }
    }

    /// Compile source text and prepare the code object for the VM.
    pub fn compile_text(&mut self, source: &str, filename: &str, mode: Mode) -> PyResult<Rc<Code>> {
        self.compile_text_flags(source, filename, mode, 0)
    }

    /// The future flags of the running code (what `exec` of a string, and
    /// `compile()` without `dont_inherit`, compile with).
    pub fn inherited_future_flags(&self) -> u32 {
        self.frames
            .last()
            .map_or(0, |f| f.code.flags & super::codegen::CO_FUTURE_ANNOTATIONS)
    }

    /// Like `compile_text`, with `compile()`'s future flags.
    pub fn compile_text_flags(
        &mut self,
        source: &str,
        filename: &str,
        mode: Mode,
        flags: u32,
    ) -> PyResult<Rc<Code>> {
        self.compile_text_opt(source, filename, mode, flags, None)
    }

    /// Like `compile_text_flags`, at an optimisation level (`compile()`'s
    /// `optimize`; None: the interpreter's, `-O`).
    pub fn compile_text_opt(
        &mut self,
        source: &str,
        filename: &str,
        mode: Mode,
        flags: u32,
        optimize: Option<u8>,
    ) -> PyResult<Rc<Code>> {
        super::codegen::set_optimize(optimize.unwrap_or_else(|| crate::vm::config::get().optimize));
        // symtable.c's nesting limit: COMPILER_STACK_FRAME_SCALE (3) times
        // the recursion limit, less three times the current depth.
        let left = self.recursion_limit.saturating_sub(self.recursion_depth());
        super::symtable::set_depth_budget(
            u32::try_from(left.saturating_mul(3)).unwrap_or(u32::MAX),
        );
        let (obj, warnings) =
            compile_with_flags(source, filename, mode, flags).map_err(|e| self.syntax_error(&e))?;
        for (msg, loc) in warnings {
            if let Err(e) = self.compile_warning(&msg, filename, loc.line) {
                // A warning made an error becomes a SyntaxError (compiler_warn).
                let sw = self.exc_type(ExcKind::SyntaxWarning);
                let t = self.type_of(&e.value());
                if !crate::objects::typeobj::is_subtype(&t, &sw) {
                    return Err(e);
                }
                let mut ce = CompileError::syntax(&msg, loc.line, loc.col + 1);
                ce.filename = filename.to_string();
                ce.end_line = loc.end_line;
                ce.end_offset = loc.end_col + 1;
                return Err(self.syntax_error(&ce));
            }
        }
        if let Some(co) = obj.as_code() {
            crate::vm::verify::verify_nested(co)
                .map_err(|e| self.system_error(format!("pycvm compiler produced {e}")))?;
        }
        match self.const_value(&obj) {
            Value::Obj(o) => match &o.payload {
                Payload::Code(c) => Ok(c.clone()),
                _ => Err(self.system_error("compile produced no code object")),
            },
            _ => Err(self.system_error("compile produced no code object")),
        }
    }

    /// `PyErr_WarnExplicitObject(PyExc_SyntaxWarning, ...)`, through
    /// `_warnings.warn_explicit` (filters apply; "error" raises).
    fn compile_warning(&mut self, msg: &str, filename: &str, line: u32) -> PyResult<()> {
        let none = Value::None;
        let Ok(m) = self.import_module("_warnings", &none, &Value::Int(0)) else {
            return Ok(());
        };
        let f = self.getattr_str(&m, "warn_explicit")?;
        let args = [
            self.new_str(msg),
            Value::Obj(self.exc_type(ExcKind::SyntaxWarning)),
            self.new_str(filename),
            Value::Int(line as i64),
        ];
        self.call(&f, &args).map(|_| ())
    }

    /// The text of a str/bytes source argument (`what` names the caller).
    pub fn source_text(&mut self, v: &Value, what: &str) -> PyResult<Option<String>> {
        if let Some(s) = self.as_str_obj(v) {
            let s = s.as_str().to_string();
            return self.check_nul(s).map(Some);
        }
        let is_bytes = matches!(v, Value::Obj(o) if matches!(o.payload, Payload::Bytes(_) | Payload::ByteArray(_)));
        if is_bytes {
            let b = crate::objects::bytes::bytes_of(v).unwrap_or_default();
            let b = b.strip_prefix(b"\xef\xbb\xbf").unwrap_or(&b).to_vec();
            return match String::from_utf8(b) {
                Ok(s) => self.check_nul(s).map(Some),
                Err(e) => {
                    let pos = e.utf8_error().valid_up_to();
                    let err = CompileError::syntax(
                        &format!(
                            "(unicode error) 'utf-8' codec can't decode byte 0x{:02x} in position {pos}: invalid start byte",
                            e.as_bytes().get(pos).copied().unwrap_or(0)
                        ),
                        0,
                        0,
                    );
                    let mut err = err;
                    err.filename = "<string>".into();
                    Err(self.syntax_error(&err))
                }
            };
        }
        let _ = what;
        Ok(None)
    }

    fn check_nul(&mut self, s: String) -> PyResult<String> {
        if s.contains('\0') {
            // 3.11.7 raises a SyntaxError with no location.
            let ty = self.exc_type(ExcKind::SyntaxError);
            let msg = self.new_str("source code string cannot contain null bytes");
            return Err(match self.call(&Value::Obj(ty), &[msg]) {
                Ok(Value::Obj(o)) => crate::vm::PyErr(o),
                Ok(_) => self.system_error("SyntaxError() returned a non-exception"),
                Err(e) => e,
            });
        }
        Ok(s)
    }
}

/// `compile(source, filename, mode, flags=0, dont_inherit=False,
/// optimize=-1, *, _feature_version=-1)`.
pub fn builtin_compile(vm: &mut Vm, args: Args) -> PyResult<Value> {
    const NAMES: [&str; 7] = [
        "source",
        "filename",
        "mode",
        "flags",
        "dont_inherit",
        "optimize",
        "_feature_version",
    ];
    let pos = args.pos();
    if pos.len() > 6 {
        return Err(vm.type_error(format!(
            "compile() takes at most 6 arguments ({} given)",
            pos.len() + args.kwargs().count()
        )));
    }
    let mut vals: Vec<Option<Value>> = vec![None; 7];
    for (i, v) in pos.iter().enumerate() {
        vals[i] = Some(v.clone());
    }
    for (k, v) in args.kwargs() {
        let name = crate::vm::proto::str_of(k);
        match NAMES.iter().position(|n| *n == name) {
            Some(i) if i < pos.len() => {
                return Err(vm.type_error(format!(
                    "argument for compile() given by name ('{name}') and position ({})",
                    i + 1
                )))
            }
            Some(i) => vals[i] = Some(v.clone()),
            None => {
                return Err(vm.type_error(format!(
                    "compile() got an unexpected keyword argument '{name}'"
                )))
            }
        }
    }
    for (i, n) in NAMES.iter().enumerate().take(3) {
        if vals[i].is_none() {
            return Err(vm.type_error(format!(
                "compile() missing required argument '{n}' (pos {})",
                i + 1
            )));
        }
    }
    let source = vals[0].clone().unwrap_or(Value::None);
    let filename_v = vals[1].clone().unwrap_or(Value::None);
    let filename = match vm.as_str_obj(&filename_v) {
        Some(s) => s.as_str().to_string(),
        None => match crate::objects::bytes::bytes_of(&filename_v) {
            Some(b) => String::from_utf8_lossy(&b).into_owned(),
            None => {
                return Err(vm.type_error(format!(
                    "expected str, bytes or os.PathLike object, not {}",
                    vm.type_name_of(&filename_v)
                )))
            }
        },
    };
    let mode_v = vals[2].clone().unwrap_or(Value::None);
    let mode = match vm.as_str_obj(&mode_v).map(|s| s.as_str().to_string()) {
        Some(m) => m,
        None => {
            return Err(vm.type_error(format!(
                "compile() argument 'mode' must be str, not {}",
                vm.arg_type_name(&mode_v)
            )))
        }
    };
    let flags = match &vals[3] {
        Some(Value::Int(i)) => *i,
        Some(Value::Bool(b)) => *b as i64,
        _ => 0,
    };
    let optimize = optimize_arg(vm, vals[5].as_ref())?;
    let mode = match mode.as_str() {
        "exec" => Mode::Exec,
        "eval" => Mode::Eval,
        "single" => Mode::Single,
        "func_type" if flags & 0x400 != 0 => {
            return Err(vm.new_error(
                ExcKind::NotImplementedError,
                "compile() to an AST is not supported by pycvm",
            ))
        }
        _ => return Err(vm.value_error("compile() mode must be 'exec', 'eval' or 'single'")),
    };
    if crate::modules::ast_build::is_ast_node(vm, &source)? {
        if flags & 0x400 != 0 {
            return Ok(source);
        }
        super::codegen::set_optimize(optimize.unwrap_or_else(|| crate::vm::config::get().optimize));
        let code = super::ast_compile::compile_ast(vm, &source, &filename, mode)?;
        return Ok(Value::Obj(vm.code_object(&code)));
    }
    let Some(text) = vm.source_text(&source, "compile")? else {
        return Err(vm.type_error("compile() arg 1 must be a string, bytes or AST object"));
    };
    if flags & 0x400 != 0 {
        let tree = crate::compile::parse_source(&text, &filename, mode)
            .map_err(|e| vm.syntax_error(&e))?;
        return crate::modules::ast_build::tree_to_pyast(vm, &tree, &text);
    }
    if flags & super::interactive::ALLOW_INCOMPLETE_INPUT != 0 {
        if let Some(e) = super::interactive::incomplete_input(&text, &filename, mode, flags) {
            return Err(vm.syntax_error(&e));
        }
    }
    let dont_inherit = match &vals[4] {
        Some(v) => vm.truthy(v)?,
        None => false,
    };
    // The future flags, and PyCF_DONT_IMPLY_DEDENT for 'single' mode.
    let mut future = (flags as u32)
        & (super::codegen::CO_FUTURE_ANNOTATIONS | super::interactive::DONT_IMPLY_DEDENT as u32);
    if !dont_inherit {
        future |= vm.inherited_future_flags();
    }
    let code = vm.compile_text_opt(&text, &filename, mode, future, optimize)?;
    Ok(Value::Obj(vm.code_object(&code)))
}

/// `compile()`'s `optimize`: -1 (the interpreter's level) or 0 to 2.
fn optimize_arg(vm: &mut Vm, v: Option<&Value>) -> PyResult<Option<u8>> {
    let n = match v {
        None => -1,
        Some(v) => crate::objects::bytes::index_arg(vm, v)?,
    };
    match n {
        -1 => Ok(None),
        0..=2 => Ok(u8::try_from(n).ok()),
        _ => Err(vm.value_error("compile(): invalid optimize value")),
    }
}

/// The code to run for `exec`/`eval` of source text.
pub fn exec_eval_code(vm: &mut Vm, src: &Value, is_eval: bool) -> PyResult<Option<Rc<Code>>> {
    let what = if is_eval { "eval" } else { "exec" };
    let Some(text) = vm.source_text(src, what)? else {
        return Ok(None);
    };
    let future = vm.inherited_future_flags();
    let code = if is_eval {
        let t = text.trim_start_matches([' ', '\t']);
        vm.compile_text_flags(t, "<string>", Mode::Eval, future)?
    } else {
        vm.compile_text_flags(&text, "<string>", Mode::Exec, future)?
    };
    Ok(Some(code))
}
