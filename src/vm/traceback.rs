//! Printing uncaught exceptions as CPython 3.11 does: chained tracebacks,
//! source lines with position carets, and the final `Type: message` line.

use std::collections::HashSet;
use std::rc::Rc;

use crate::objects::exception::TbEntry;
use crate::objects::Payload;

use super::value::{PyRef, Value};
use super::Vm;

impl Vm {
    /// The whole report CPython prints on stderr for an uncaught exception.
    pub fn format_exception(&mut self, exc: &PyRef) -> String {
        let mut out = String::new();
        let mut seen = HashSet::new();
        self.format_chain(exc, &mut seen, &mut out);
        out
    }

    fn format_chain(&mut self, exc: &PyRef, seen: &mut HashSet<usize>, out: &mut String) {
        seen.insert(Rc::as_ptr(exc) as *const u8 as usize);
        let (cause, context, suppress) = match &exc.payload {
            Payload::Exception(d) => {
                let d = d.borrow();
                (d.cause.clone(), d.context.clone(), d.suppress_context)
            }
            _ => (Value::None, Value::None, false),
        };
        let unseen = |v: &Value, seen: &HashSet<usize>| match v {
            Value::Obj(o) if matches!(o.payload, Payload::Exception(_)) => {
                !seen.contains(&(Rc::as_ptr(o) as *const u8 as usize))
            }
            _ => false,
        };
        if unseen(&cause, seen) {
            if let Value::Obj(c) = &cause {
                self.format_chain(c, seen, out);
                out.push_str(
                    "\nThe above exception was the direct cause of the following exception:\n\n",
                );
            }
        } else if !suppress && unseen(&context, seen) {
            if let Value::Obj(c) = &context {
                self.format_chain(c, seen, out);
                out.push_str(
                    "\nDuring handling of the above exception, another exception occurred:\n\n",
                );
            }
        }
        self.format_single(exc, out);
    }

    fn format_single(&mut self, exc: &PyRef, out: &mut String) {
        let tb: Vec<TbEntry> = match &exc.payload {
            Payload::Exception(d) => d.borrow().traceback.clone(),
            _ => Vec::new(),
        };
        if !tb.is_empty() {
            out.push_str("Traceback (most recent call last):\n");
            let mut last: Option<(String, Option<i32>, String)> = None;
            let mut repeat = 0usize;
            for e in &tb {
                let file = e.code.filename_str().to_string();
                let line = e.code.line_of(e.lasti);
                let name = e.code.name_str().to_string();
                let key = (file.clone(), line, name.clone());
                if last.as_ref() == Some(&key) {
                    repeat += 1;
                    if repeat >= 3 {
                        continue;
                    }
                } else {
                    if repeat >= 3 {
                        push_repeat(out, repeat - 2);
                    }
                    repeat = 0;
                    last = Some(key);
                }
                self.format_entry(e, out);
            }
            if repeat >= 3 {
                push_repeat(out, repeat - 2);
            }
        }
        out.push_str(&self.exception_line(exc));
        if let Some(notes) = self.get_attr_raw(exc, "__notes__") {
            for n in self.seq_items(&notes).unwrap_or_default() {
                match self.str(&n) {
                    Ok(s) => {
                        out.push_str(&s);
                        out.push('\n');
                    }
                    Err(_) => out.push_str("<note str() failed>\n"),
                }
            }
        }
    }

    fn format_entry(&mut self, e: &TbEntry, out: &mut String) {
        let line = e.code.line_of(e.lasti);
        let file = e.code.filename_str();
        let lno = line.map_or("None".to_string(), |l| l.to_string());
        out.push_str(&format!(
            "  File \"{file}\", line {lno}, in {}\n",
            e.code.name_str()
        ));
        let Some(l) = line else {
            return;
        };
        let Some(src) = source_line(file, l) else {
            return;
        };
        let stripped = src.trim_start_matches([' ', '\t', '\x0c']);
        let indent = src.len() - stripped.len();
        let text = stripped.trim_end();
        out.push_str("    ");
        out.push_str(text);
        out.push('\n');
        let pos = e.code.co().map(|c| c.addr2location((e.lasti * 2) as u32));
        let Some(pos) = pos else {
            return;
        };
        let (Some(sl), Some(el), Some(sc), Some(ec)) =
            (pos.line, pos.end_line, pos.col, pos.end_col)
        else {
            return;
        };
        if sl != l {
            return;
        }
        // Columns are UTF-8 byte offsets into the source line.
        let start = (sc as usize).saturating_sub(indent);
        let end = if el != sl {
            text.len()
        } else {
            (ec as usize).saturating_sub(indent)
        };
        if start >= end || end > text.len() + 1 {
            return;
        }
        if start == 0 && end >= text.len() {
            return;
        }
        let width = |s: &str| s.chars().count();
        let pre = text.get(..start).map(width).unwrap_or(start);
        let seg = text.get(start..end.min(text.len())).unwrap_or("");
        let carets = match crate::vm::carets::anchors(seg) {
            Some((a, b)) if el == sl => {
                let w1 = seg.get(..a).map(width).unwrap_or(a);
                let w2 = seg.get(a..b).map(width).unwrap_or(b - a);
                let w3 = width(seg) - w1 - w2;
                format!("{}{}{}", "~".repeat(w1), "^".repeat(w2), "~".repeat(w3))
            }
            _ => "^".repeat(width(seg).max(1)),
        };
        out.push_str("    ");
        out.push_str(&" ".repeat(pre));
        out.push_str(&carets);
        out.push('\n');
    }

    /// `Type: message` (module-qualified outside builtins and __main__).
    pub fn exception_line(&mut self, exc: &PyRef) -> String {
        let v = Value::Obj(exc.clone());
        let ty = self.type_of(&v);
        let qual = crate::objects::typeobj::type_data(&ty)
            .map(|t| t.qualname.borrow().clone())
            .unwrap_or_default();
        let name = match self.get_attr_raw(&ty, "__module__") {
            Some(Value::Obj(m)) if matches!(m.payload, Payload::Str(_)) => {
                let m = crate::vm::proto::str_of(&m);
                if m == "builtins" || m == "__main__" {
                    qual
                } else {
                    format!("{m}.{qual}")
                }
            }
            _ => qual,
        };
        let msg = match self.str(&v) {
            Ok(s) => s,
            Err(_) => "<exception str() failed>".to_string(),
        };
        let msg = msg + &self.suggestion(exc);
        if msg.is_empty() {
            format!("{name}\n")
        } else {
            format!("{name}: {msg}\n")
        }
    }

    /// Hook for "Did you mean" suggestions (NameError/AttributeError).
    fn suggestion(&mut self, exc: &PyRef) -> String {
        crate::vm::carets::suggestion(self, exc)
    }
}

fn push_repeat(out: &mut String, n: usize) {
    let s = if n == 1 { "" } else { "s" };
    out.push_str(&format!("  [Previous line repeated {n} more time{s}]\n"));
}

/// Line `n` (1-based) of a source file, if it can be read.
fn source_line(file: &str, n: i32) -> Option<String> {
    let data = std::fs::read(file).ok()?;
    let text = String::from_utf8_lossy(&data);
    text.split_inclusive('\n')
        .nth((n as usize).checked_sub(1)?)
        .map(|l| l.trim_end_matches(['\n', '\r']).to_string())
}
