//! Printing uncaught exceptions as CPython 3.11 does (Python/pythonrun.c
//! `print_exception_recursive`, Python/traceback.c `tb_printinternal` and
//! `tb_displayline`): chained exceptions, exception groups with their
//! `| ` margins, source lines with position carets, the final
//! `Type: message` line with "Did you mean" suggestions, and notes.

use crate::objects::rc::Rc;
use std::collections::{HashMap, HashSet};

use crate::objects::exception::ExcKind;
use crate::objects::typeobj::is_subtype;
use crate::objects::Payload;

use super::value::{PyRef, Value};
use super::Vm;

/// Sub-exceptions shown per group, and group nesting shown
/// (`PyErr_MAX_GROUP_WIDTH`, `PyErr_MAX_GROUP_DEPTH`).
const MAX_GROUP_WIDTH: usize = 15;
const MAX_GROUP_DEPTH: usize = 10;
/// Identical traceback lines shown before "[Previous line repeated ...]".
const TB_RECURSIVE_CUTOFF: usize = 3;
/// Traceback entries shown by default (`PyTraceBack_LIMIT`).
const TB_LIMIT: i64 = 1000;
/// Bound on the nesting of chained/grouped exceptions printed (CPython
/// stops at its recursion limit).
const MAX_PRINT_NESTING: usize = 1000;

const CAUSE_MESSAGE: &str =
    "The above exception was the direct cause of the following exception:\n";
const CONTEXT_MESSAGE: &str =
    "During handling of the above exception, another exception occurred:\n";

/// CPython's `struct exception_print_context`, plus the output.
struct Ctx {
    out: String,
    group_depth: usize,
    need_close: bool,
    seen: HashSet<usize>,
    nesting: usize,
    /// Source files read so far (path -> lines), None if unreadable.
    sources: HashMap<String, Option<Rc<Vec<String>>>>,
}

impl Ctx {
    fn margin(&self) -> &'static str {
        if self.group_depth > 0 {
            "| "
        } else {
            ""
        }
    }

    fn indent(&self) -> usize {
        2 * self.group_depth
    }

    fn write_indent(&mut self, n: usize) {
        self.out.extend(std::iter::repeat_n(' ', n));
    }

    fn write_indented_margin(&mut self) {
        self.write_indent(self.indent());
        let m = self.margin();
        self.out.push_str(m);
    }
}

fn obj_id(o: &PyRef) -> usize {
    Rc::as_ptr(o) as *const u8 as usize
}

impl Vm {
    /// The whole report CPython prints on stderr for an uncaught exception.
    pub fn format_exception(&mut self, exc: &PyRef) -> String {
        let mut ctx = Ctx {
            out: String::new(),
            group_depth: 0,
            need_close: false,
            seen: HashSet::new(),
            nesting: 0,
            sources: HashMap::new(),
        };
        self.print_exception_recursive(&mut ctx, exc);
        ctx.out
    }

    fn is_exception_group(&self, exc: &PyRef) -> bool {
        let t = self.type_of(&Value::Obj(exc.clone()));
        is_subtype(&t, &self.exc_types[ExcKind::BaseExceptionGroup as usize])
    }

    fn print_exception_recursive(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        if ctx.nesting >= MAX_PRINT_NESTING {
            return;
        }
        ctx.nesting += 1;
        self.print_cause_and_context(ctx, exc);
        if self.is_exception_group(exc) {
            self.print_exception_group(ctx, exc);
        } else {
            self.print_exception(ctx, exc);
        }
        ctx.nesting -= 1;
    }

    fn print_cause_and_context(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        ctx.seen.insert(obj_id(exc));
        let (cause, context, suppress) = match &exc.payload {
            Payload::Exception(d) => {
                let d = d.borrow();
                (d.cause.clone(), d.context.clone(), d.suppress_context)
            }
            _ => return,
        };
        if let Value::Obj(c) = &cause {
            if !ctx.seen.contains(&obj_id(c)) {
                self.print_chained(ctx, c, CAUSE_MESSAGE);
            }
            return;
        }
        if suppress {
            return;
        }
        if let Value::Obj(c) = &context {
            if !ctx.seen.contains(&obj_id(c)) {
                self.print_chained(ctx, c, CONTEXT_MESSAGE);
            }
        }
    }

    fn print_chained(&mut self, ctx: &mut Ctx, exc: &PyRef, message: &str) {
        let need_close = ctx.need_close;
        self.print_exception_recursive(ctx, exc);
        ctx.need_close = need_close;
        ctx.write_indented_margin();
        ctx.out.push('\n');
        ctx.write_indented_margin();
        ctx.out.push_str(message);
        ctx.write_indented_margin();
        ctx.out.push('\n');
    }

    fn print_exception_group(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        if ctx.group_depth > MAX_GROUP_DEPTH {
            ctx.write_indented_margin();
            ctx.out
                .push_str(&format!("... (max_group_depth is {MAX_GROUP_DEPTH})\n"));
            return;
        }
        if ctx.group_depth == 0 {
            ctx.group_depth += 1;
        }
        self.print_exception(ctx, exc);
        let excs = self
            .group_data(&Value::Obj(exc.clone()))
            .map(|g| g.1)
            .unwrap_or_default();
        let num = excs.len();
        let n = if num <= MAX_GROUP_WIDTH {
            num
        } else {
            MAX_GROUP_WIDTH + 1
        };
        ctx.need_close = false;
        for i in 0..n {
            let last = i + 1 == n;
            if last {
                // The closing frame may be added in a recursive call.
                ctx.need_close = true;
            }
            ctx.write_indent(ctx.indent());
            let lead = if i == 0 { "+-" } else { "  " };
            let truncated = i >= MAX_GROUP_WIDTH;
            if truncated {
                ctx.out
                    .push_str(&format!("{lead}+---------------- ... ----------------\n"));
            } else {
                ctx.out.push_str(&format!(
                    "{lead}+---------------- {} ----------------\n",
                    i + 1
                ));
            }
            ctx.group_depth += 1;
            if truncated {
                let remaining = num - MAX_GROUP_WIDTH;
                ctx.write_indented_margin();
                let s = if remaining > 1 { "s" } else { "" };
                ctx.out
                    .push_str(&format!("and {remaining} more exception{s}\n"));
            } else if let Some(Value::Obj(e)) = excs.get(i) {
                if matches!(e.payload, Payload::Exception(_)) {
                    self.print_exception_recursive(ctx, e);
                }
            }
            if last && ctx.need_close {
                ctx.write_indent(ctx.indent());
                ctx.out.push_str("+------------------------------------\n");
                ctx.need_close = false;
            }
            ctx.group_depth -= 1;
        }
        if ctx.group_depth == 1 {
            ctx.group_depth -= 1;
        }
    }

    fn print_exception(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        let _ = self.flush_stdout_quiet();
        self.print_exception_traceback(ctx, exc);
        if let Some(line) = self.syntax_error_display(ctx, exc) {
            ctx.write_indented_margin();
            ctx.out.push_str(&line);
            self.print_exception_notes(ctx, exc);
            return;
        }
        ctx.write_indented_margin();
        let line = self.exception_line(exc);
        ctx.out.push_str(&line);
        self.print_exception_notes(ctx, exc);
    }

    /// pythonrun.c `print_exception_file_and_line` and
    /// `print_error_text` for a SyntaxError: the file and line, the
    /// source text with carets; returns the `Type: msg` line to print.
    fn syntax_error_display(&mut self, ctx: &mut Ctx, exc: &PyRef) -> Option<String> {
        self.get_attr_raw(exc, "print_file_and_line")?;
        let get = |vm: &Vm, n: &str| vm.get_attr_raw(exc, n).unwrap_or(Value::None);
        let filename = self
            .as_str_obj(&get(self, "filename"))
            .map(|s| s.as_str().to_string())
            .unwrap_or_else(|| "<string>".into());
        let Value::Int(lineno) = get(self, "lineno") else {
            return None;
        };
        ctx.write_indented_margin();
        ctx.out
            .push_str(&format!("  File \"{filename}\", line {lineno}\n"));
        let text = self
            .as_str_obj(&get(self, "text"))
            .map(|s| s.as_str().to_string());
        if let Some(text) = text {
            let offset = match get(self, "offset") {
                Value::Int(i) => i,
                _ => -1,
            };
            let end_offset = match get(self, "end_offset") {
                Value::Int(i) => i,
                _ => -1,
            };
            let reps = if end_offset > 0 && end_offset > offset {
                end_offset - offset
            } else {
                1
            };
            let mut off = offset - 1;
            let mut t: &str = &text;
            while let Some(c) = t.chars().next() {
                if c == ' ' || c == '\t' || c == '\x0c' {
                    t = &t[1..];
                    off -= 1;
                } else {
                    break;
                }
            }
            let len = t.chars().count() as i64 - i64::from(t.ends_with('\n'));
            if off > len {
                off = len;
            }
            while let Some(nl) = t.find('\n') {
                let inl = t[..nl].chars().count() as i64;
                if inl >= off {
                    break;
                }
                t = &t[nl + 1..];
                off -= inl + 1;
            }
            ctx.write_indented_margin();
            ctx.out.push_str("    ");
            ctx.out.push_str(t);
            if !t.ends_with('\n') {
                ctx.out.push('\n');
            }
            if off >= 0 {
                ctx.write_indented_margin();
                ctx.out.push_str("    ");
                for _ in 0..off {
                    ctx.out.push(' ');
                }
                for _ in 0..reps.max(1) {
                    ctx.out.push('^');
                }
                ctx.out.push('\n');
            }
        }
        let line = self.exception_line(exc);
        let msg = self.str(&get(self, "msg")).unwrap_or_default();
        // The line is `Type: str(exc)`; print `Type: msg` instead.
        let head = line
            .split(": ")
            .next()
            .unwrap_or("SyntaxError")
            .trim_end()
            .to_string();
        Some(if msg.is_empty() {
            format!("{head}\n")
        } else {
            format!("{head}: {msg}\n")
        })
    }

    fn flush_stdout_quiet(&mut self) -> std::io::Result<()> {
        use std::io::Write;
        self.stdout.flush()
    }

    fn print_exception_traceback(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        let tb = match &exc.payload {
            Payload::Exception(d) => d.borrow().traceback.clone(),
            _ => Value::None,
        };
        if tb.is_none() {
            return;
        }
        let mut limit = TB_LIMIT;
        if let Some(Value::Int(l)) = self.get_attr_raw(&self.sys.clone(), "tracebacklimit") {
            if l <= 0 {
                return;
            }
            limit = l;
        }
        let (header, header_margin) = if self.is_exception_group(exc) {
            let m = if ctx.group_depth == 1 {
                "+ "
            } else {
                ctx.margin()
            };
            ("Exception Group Traceback (most recent call last):\n", m)
        } else {
            ("Traceback (most recent call last):\n", ctx.margin())
        };
        ctx.write_indent(ctx.indent());
        ctx.out.push_str(header_margin);
        ctx.out.push_str(header);
        self.tb_print_internal(ctx, &tb, limit);
    }

    fn tb_print_internal(&mut self, ctx: &mut Ctx, tb: &Value, limit: i64) {
        let entries = self.traceback_entries(tb);
        let skip = usize::try_from((entries.len() as i64).saturating_sub(limit)).unwrap_or(0);
        let mut last: Option<(String, i32, String)> = None;
        let mut cnt = 0usize;
        for e in entries.iter().skip(skip) {
            let Payload::Traceback(t) = &e.payload else {
                continue;
            };
            let code = t.frame.code.clone();
            let lineno = t.lineno();
            let file = code.filename_string();
            let name = code.name_str().to_string();
            let same = match &last {
                Some((f, l, n)) => *f == file && *l != -1 && *l == lineno && *n == name,
                None => false,
            };
            if !same {
                if cnt > TB_RECURSIVE_CUTOFF {
                    push_repeated(&mut ctx.out, cnt);
                }
                last = Some((file.clone(), lineno, name.clone()));
                cnt = 0;
            }
            cnt += 1;
            if cnt <= TB_RECURSIVE_CUTOFF {
                self.tb_display_line(ctx, &code, t.frame.lasti, &file, lineno, &name);
            }
        }
        if cnt > TB_RECURSIVE_CUTOFF {
            push_repeated(&mut ctx.out, cnt);
        }
    }

    fn tb_display_line(
        &mut self,
        ctx: &mut Ctx,
        code: &crate::vm::code::Code,
        lasti: usize,
        file: &str,
        lineno: i32,
        name: &str,
    ) {
        ctx.write_indented_margin();
        ctx.out
            .push_str(&format!("  File \"{file}\", line {lineno}, in {name}\n"));
        let Some(line) = self.source_line(ctx, file, lineno) else {
            return;
        };
        // display_source_line_with_margin: strip the indentation, print
        // the rest (trailing whitespace kept) after 4 spaces.
        let indent_chars = line
            .chars()
            .take_while(|c| matches!(c, ' ' | '\t' | '\x0c'))
            .count();
        let indent_bytes: usize = line.chars().take(indent_chars).map(char::len_utf8).sum();
        ctx.write_indented_margin();
        ctx.out.push_str("    ");
        ctx.out.push_str(line.get(indent_bytes..).unwrap_or(""));
        ctx.out.push('\n');
        let Some(pos) = code.co().map(|c| c.addr2location((lasti * 2) as u32)) else {
            return;
        };
        let (Some(sl), Some(el), Some(sc), Some(ec)) =
            (pos.line, pos.end_line, pos.col, pos.end_col)
        else {
            return;
        };
        if sl < 0 || el < 0 {
            return;
        }
        let carets =
            super::carets::caret_line(&line, indent_chars, sl == el, sc as usize, ec as usize);
        if let Some(c) = carets {
            ctx.write_indented_margin();
            ctx.out.push_str(&c);
            ctx.out.push('\n');
        }
    }

    /// Line `n` (1-based) of a source file, without its line ending.
    fn source_line(&mut self, ctx: &mut Ctx, file: &str, n: i32) -> Option<String> {
        if (file.starts_with('<') && file.ends_with('>')) || super::report::finalizing() {
            return None;
        }
        let idx = usize::try_from(n).ok()?.checked_sub(1)?;
        if !ctx.sources.contains_key(file) {
            let lines = self.read_source(file).map(Rc::new);
            ctx.sources.insert(file.to_string(), lines);
        }
        let lines = ctx.sources.get(file)?.as_ref()?;
        lines.get(idx).cloned()
    }

    /// A source file's lines (universal newlines), looked for as CPython's
    /// `_Py_FindSourceFile` does: the path, then its last component under
    /// each `sys.path` entry.
    pub(crate) fn read_source(&mut self, file: &str) -> Option<Vec<String>> {
        let data = match std::fs::read(file) {
            Ok(d) => d,
            Err(_) => {
                let tail = file.rsplit('/').next().unwrap_or(file);
                let path = self.get_attr_raw(&self.sys.clone(), "path")?;
                let dirs = self.seq_items(&path)?;
                let mut found = None;
                for d in dirs {
                    let Some(dir) = self.as_str_obj(&d).map(|s| s.as_str().to_string()) else {
                        continue;
                    };
                    let p = if dir.is_empty() || dir.ends_with('/') {
                        format!("{dir}{tail}")
                    } else {
                        format!("{dir}/{tail}")
                    };
                    if let Ok(d) = std::fs::read(&p) {
                        found = Some(d);
                        break;
                    }
                }
                found?
            }
        };
        let text = String::from_utf8_lossy(&data);
        let mut lines = Vec::new();
        let mut cur = String::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            match c {
                '\n' => lines.push(std::mem::take(&mut cur)),
                '\r' => {
                    if chars.peek() == Some(&'\n') {
                        chars.next();
                    }
                    lines.push(std::mem::take(&mut cur));
                }
                c => cur.push(c),
            }
        }
        if !cur.is_empty() {
            lines.push(cur);
        }
        Some(lines)
    }

    fn print_exception_notes(&mut self, ctx: &mut Ctx, exc: &PyRef) {
        let v = Value::Obj(exc.clone());
        let notes = match self.getattr_opt(&v, "__notes__") {
            Ok(Some(n)) => n,
            _ => return,
        };
        let Some(items) = self.notes_sequence(&notes) else {
            // Not a sequence: its repr (3.11 writes no newline after it).
            ctx.write_indented_margin();
            match self.repr(&notes) {
                Ok(s) => ctx.out.push_str(&s),
                Err(_) => ctx.out.push_str("<__notes__ repr() failed>"),
            }
            return;
        };
        for note in items {
            match self.str(&note) {
                Ok(s) => {
                    for line in splitlines_keepends(&s) {
                        ctx.write_indented_margin();
                        ctx.out.push_str(line);
                    }
                }
                Err(_) => ctx.out.push_str("<note str() failed>"),
            }
            ctx.out.push('\n');
        }
    }

    /// The items of `__notes__` if it is a sequence (`PySequence_Check`:
    /// str, list, tuple, or a non-dict class with `__getitem__`).
    fn notes_sequence(&mut self, notes: &Value) -> Option<Vec<Value>> {
        if let Some(s) = self.as_str_obj(notes) {
            let chars: Vec<String> = s.as_str().chars().map(String::from).collect();
            return Some(chars.into_iter().map(|c| self.new_string(c)).collect());
        }
        if let Some(items) = self.seq_items(notes) {
            return Some(items);
        }
        let ty = self.type_of(notes);
        if is_subtype(&ty, &self.types.dict)
            || self.type_lookup_static(&ty, "__getitem__").is_none()
        {
            return None;
        }
        self.collect_iter(notes).ok()
    }

    /// `Type: message` (module-qualified outside builtins and __main__),
    /// with the "Did you mean" suggestion, and the newline.
    pub fn exception_line(&mut self, exc: &PyRef) -> String {
        let v = Value::Obj(exc.clone());
        let ty = self.type_of(&v);
        let tyv = Value::Obj(ty.clone());
        let mut out = String::new();
        match self.getattr_str(&tyv, "__module__") {
            Ok(m) => match self.as_str_obj(&m).map(|s| s.as_str().to_string()) {
                Some(m) => {
                    if m != "builtins" && m != "__main__" {
                        out.push_str(&m);
                        out.push('.');
                    }
                }
                None => out.push_str("<unknown>."),
            },
            Err(_) => out.push_str("<unknown>."),
        }
        match crate::objects::typeobj::type_data(&ty) {
            Some(td) => out.push_str(&td.qualname.borrow()),
            None => out.push_str("<unknown>"),
        }
        match self.str(&v) {
            Ok(s) => {
                if !s.is_empty() {
                    out.push_str(": ");
                }
                out.push_str(&s);
            }
            Err(_) => out.push_str(": <exception str() failed>"),
        }
        if let Some(s) = super::carets::suggestion(self, exc) {
            out.push_str(". Did you mean: '");
            out.push_str(&s);
            out.push_str("'?");
        }
        out.push('\n');
        out
    }
}

/// `str.splitlines(keepends=True)` for the line breaks of str.
fn splitlines_keepends(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut it = s.char_indices().peekable();
    while let Some((i, c)) = it.next() {
        let is_break = matches!(
            c,
            '\n' | '\r'
                | '\x0b'
                | '\x0c'
                | '\x1c'
                | '\x1d'
                | '\x1e'
                | '\u{85}'
                | '\u{2028}'
                | '\u{2029}'
        );
        if !is_break {
            continue;
        }
        let mut end = i + c.len_utf8();
        if c == '\r' {
            if let Some(&(j, '\n')) = it.peek() {
                end = j + 1;
                it.next();
            }
        }
        out.push(&s[start..end]);
        start = end;
    }
    if start < s.len() {
        out.push(&s[start..]);
    }
    out
}

fn push_repeated(out: &mut String, cnt: usize) {
    let n = cnt - TB_RECURSIVE_CUTOFF;
    let s = if n > 1 { "s" } else { "" };
    out.push_str(&format!("  [Previous line repeated {n} more time{s}]\n"));
}
