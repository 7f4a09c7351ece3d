//! Traceback refinements of CPython 3.11: the caret line under a source
//! line (Python/traceback.c `tb_displayline`, `extract_anchors_from_line`,
//! `print_error_location_carets`) and "Did you mean" suggestions
//! (Python/suggestions.c).

use crate::objects::exception::ExcKind;
use crate::objects::Payload;

use super::value::{PyRef, Value};
use super::Vm;

mod exprparse;

use exprparse::Kind;

/// `IS_WHITESPACE` of traceback.c.
fn is_ws(b: u8) -> bool {
    matches!(b, b' ' | b'\t' | b'\x0c')
}

/// `_PyPegen_byte_offset_to_character_offset`: the number of characters
/// the first `col` bytes of `s` decode to (a cut character counts as one;
/// an offset past the end counts the terminating NUL).
fn byte_to_char(s: &str, col: usize) -> usize {
    let len = s.len();
    let col = col.min(len + 1);
    let within = s.char_indices().filter(|(i, _)| *i < col).count();
    within + usize::from(col > len)
}

/// The characters `[start, end)` of `s` (clamped, as `PyUnicode_Substring`).
fn char_slice(s: &str, start: usize, end: usize) -> &str {
    let mut idx = s
        .char_indices()
        .map(|(i, _)| i)
        .chain(std::iter::once(s.len()));
    let n = s.chars().count();
    let (start, end) = (start.min(n), end.min(n));
    if start >= end {
        return "";
    }
    let b0 = idx.clone().nth(start).unwrap_or(s.len());
    let b1 = idx.nth(end).unwrap_or(s.len());
    s.get(b0..b1).unwrap_or("")
}

/// The anchors (left end, right start; character offsets in the line) of
/// a binary operation or subscript segment, as `extract_anchors_from_line`.
fn anchors(line: &str, start: usize, end: usize) -> Option<(usize, usize)> {
    let segment = char_slice(line, start, end);
    let seg = segment.as_bytes();
    let (left, right) = match exprparse::parse_expr_statement(seg)? {
        Kind::BinOp {
            left_end,
            right_start,
        } => {
            let mut found = None;
            let mut i = left_end;
            while i < right_start {
                let c = *seg.get(i)?;
                if is_ws(c) {
                    i += 1;
                    continue;
                }
                let mut r = i + 1;
                // A two-character operator (e.g. //).
                if i + 1 < right_start && !seg.get(i + 1).copied().is_some_and(is_ws) {
                    r += 1;
                }
                found = Some((i, r));
                // Keep going past a closing parenthesis.
                if i + 1 < right_start && c == b')' {
                    i += 1;
                    continue;
                }
                break;
            }
            found?
        }
        Kind::Subscript {
            value_end,
            slice_end,
        } => {
            let len = seg.len();
            let mut l = value_end;
            let mut r = slice_end + 1;
            while l < len && seg.get(l) != Some(&b'[') {
                l += 1;
            }
            while r < len && seg.get(r) != Some(&b']') {
                r += 1;
            }
            if r < len {
                r += 1;
            }
            (l, r)
        }
        Kind::Other => return None,
    };
    Some((
        byte_to_char(segment, left) + start,
        byte_to_char(segment, right) + start,
    ))
}

/// The caret line for a source line (without the margin), or None when
/// CPython prints none. `indent` is the number of leading whitespace
/// characters of `line` (not printed); `sc`/`ec` are the instruction's
/// UTF-8 column offsets; `same_line` whether its position is on one line.
pub fn caret_line(
    line: &str,
    indent: usize,
    same_line: bool,
    sc: usize,
    ec: usize,
) -> Option<String> {
    let line_len = line.chars().count();
    let start = byte_to_char(line, sc);
    let mut end = byte_to_char(line, ec);
    let mut anchor = None;
    if same_line {
        anchor = anchors(line, start, end);
    } else {
        // Multi-line: highlight to the last non-whitespace character
        // (CPython indexes the UTF-8 bytes with a character count here).
        let bytes = line.as_bytes();
        let mut i = line_len;
        end = 0;
        while i > 0 {
            i -= 1;
            if !bytes.get(i).copied().is_some_and(is_ws) {
                end = i + 1;
                break;
            }
        }
    }
    let stripped_len = line_len.saturating_sub(indent);
    if anchor.is_none() && end.checked_sub(start) == Some(stripped_len) {
        return None;
    }
    let (primary, secondary) = if anchor.is_some() {
        ('~', '^')
    } else {
        ('^', '^')
    };
    let mut out = String::new();
    // `offset` runs from the truncation (indent - 4) + 1 up to `end`.
    let mut offset = indent as isize - 4;
    while offset < end as isize {
        offset += 1;
        let c = if offset <= start as isize {
            ' '
        } else if anchor.is_some_and(|(l, r)| (l as isize) < offset && offset <= r as isize) {
            secondary
        } else {
            primary
        };
        out.push(c);
    }
    Some(out)
}

// ------------------------------------------------------------ suggestions

const MAX_CANDIDATE_ITEMS: usize = 750;
const MAX_STRING_SIZE: usize = 40;
const MOVE_COST: usize = 2;
const CASE_COST: usize = 1;

fn substitution_cost(a: u8, b: u8) -> usize {
    if (a & 31) != (b & 31) {
        return MOVE_COST;
    }
    if a == b {
        return 0;
    }
    if a.eq_ignore_ascii_case(&b) {
        return CASE_COST;
    }
    MOVE_COST
}

/// `levenshtein_distance` of suggestions.c (on UTF-8 bytes).
fn levenshtein<'a>(mut a: &'a [u8], mut b: &'a [u8], max_cost: usize) -> usize {
    if a == b {
        return 0;
    }
    while let (Some(x), Some(y)) = (a.first(), b.first()) {
        if x != y {
            break;
        }
        a = &a[1..];
        b = &b[1..];
    }
    while let (Some(x), Some(y)) = (a.last(), b.last()) {
        if x != y {
            break;
        }
        a = &a[..a.len() - 1];
        b = &b[..b.len() - 1];
    }
    if a.is_empty() || b.is_empty() {
        return (a.len() + b.len()) * MOVE_COST;
    }
    if a.len() > MAX_STRING_SIZE || b.len() > MAX_STRING_SIZE {
        return max_cost + 1;
    }
    if b.len() < a.len() {
        std::mem::swap(&mut a, &mut b);
    }
    if (b.len() - a.len()) * MOVE_COST > max_cost {
        return max_cost + 1;
    }
    let mut buffer: Vec<usize> = (1..=a.len()).map(|i| i * MOVE_COST).collect();
    let mut result = 0;
    for (b_index, &code) in b.iter().enumerate() {
        let mut distance = b_index * MOVE_COST;
        result = distance;
        let mut minimum = usize::MAX;
        for (index, &ac) in a.iter().enumerate() {
            let substitute = distance + substitution_cost(code, ac);
            distance = buffer[index];
            let insert_delete = result.min(distance) + MOVE_COST;
            result = insert_delete.min(substitute);
            buffer[index] = result;
            minimum = minimum.min(result);
        }
        if minimum > max_cost {
            return max_cost + 1;
        }
    }
    result
}

/// `calculate_suggestions`: the closest candidate to `name`, if close
/// enough.
pub fn calculate_suggestions(candidates: &[String], name: &str) -> Option<String> {
    if candidates.len() >= MAX_CANDIDATE_ITEMS {
        return None;
    }
    let mut best: Option<&String> = None;
    let mut best_distance = usize::MAX;
    for item in candidates {
        if item == name {
            continue;
        }
        let max =
            ((name.len() + item.len() + 3) * MOVE_COST / 6).min(best_distance.saturating_sub(1));
        let d = levenshtein(name.as_bytes(), item.as_bytes(), max);
        if d > max {
            continue;
        }
        if best.is_none() || d < best_distance {
            best = Some(item);
            best_distance = d;
        }
    }
    best.cloned()
}

/// The name CPython would suggest for a NameError or AttributeError
/// (exact types only, as `_Py_Offer_Suggestions`), if any.
pub fn suggestion(vm: &mut Vm, exc: &PyRef) -> Option<String> {
    let ty = vm.type_of(&Value::Obj(exc.clone()));
    if crate::objects::rc::Rc::ptr_eq(&ty, &vm.exc_types[ExcKind::AttributeError as usize]) {
        return attribute_suggestion(vm, exc);
    }
    if crate::objects::rc::Rc::ptr_eq(&ty, &vm.exc_types[ExcKind::NameError as usize]) {
        return name_suggestion(vm, exc);
    }
    None
}

/// The str of an exact `str` value.
fn exact_str(vm: &Vm, v: &Value) -> Option<String> {
    match v {
        Value::Obj(o) if o.class_is(&vm.types.str) => {
            vm.as_str_obj(v).map(|s| s.as_str().to_string())
        }
        _ => None,
    }
}

fn str_list(vm: &Vm, items: &[Value]) -> Option<Vec<String>> {
    items
        .iter()
        .map(|v| vm.as_str_obj(v).map(|s| s.as_str().to_string()))
        .collect()
}

fn attribute_suggestion(vm: &mut Vm, exc: &PyRef) -> Option<String> {
    let (name, obj) = crate::objects::exception::name_obj(exc);
    if name.is_null() || obj.is_null() {
        return None;
    }
    let name = exact_str(vm, &name)?;
    let dir = vm.get_attr_raw(&vm.builtins.clone(), "dir")?;
    let names = vm.call(&dir, &[obj]).ok()?;
    let items = vm.seq_items(&names)?;
    let cands = str_list(vm, &items)?;
    calculate_suggestions(&cands, &name)
}

fn name_suggestion(vm: &mut Vm, exc: &PyRef) -> Option<String> {
    let name = crate::objects::exception::name_obj(exc).0;
    let name = exact_str(vm, &name)?;
    let tb = match &exc.payload {
        Payload::Exception(d) => d.borrow().traceback.clone(),
        _ => return None,
    };
    let entries = vm.traceback_entries(&tb);
    let last = entries.last()?;
    let Payload::Traceback(t) = &last.payload else {
        return None;
    };
    let code = t.frame.code.clone();
    let varnames: Vec<String> = code
        .localsplusnames
        .iter()
        .zip(code.localspluskinds().iter())
        .filter(|(_, &k)| k & crate::pyc::code::CO_FAST_LOCAL != 0)
        .map(|(n, _)| crate::vm::proto::str_of(n).to_string())
        .collect();
    if let Some(s) = calculate_suggestions(&varnames, &name) {
        return Some(s);
    }
    for d in [t.frame.globals.clone(), t.frame.builtins.clone()] {
        let dict = match &d.payload {
            Payload::Dict(_) => d.clone(),
            _ => d.dict()?,
        };
        let keys: Vec<Value> = vm.dict_items(&dict).into_iter().map(|(k, _)| k).collect();
        let cands = str_list(vm, &keys)?;
        if let Some(s) = calculate_suggestions(&cands, &name) {
            return Some(s);
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    fn suggest(cands: &[&str], name: &str) -> Option<String> {
        let mut c: Vec<String> = cands.iter().map(|s| s.to_string()).collect();
        c.sort();
        calculate_suggestions(&c, name)
    }

    // Expected values are what CPython 3.11.7 printed for the same names.
    #[test]
    fn suggestions_match_cpython() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(suggest(&["value", "values", "valve"], "valeu"), s("value"));
        assert_eq!(suggest(&["blech", "bluch"], "blach"), s("blech"));
        assert_eq!(suggest(&["Apple", "apply"], "apple"), s("Apple"));
        assert_eq!(suggest(&["abcdefghij"], "xyz"), None);
        assert_eq!(suggest(&["counter"], "Counter"), s("counter"));
        assert_eq!(suggest(&["a"], "b"), None);
        assert_eq!(
            suggest(&["longname_here"], "longnamehere"),
            s("longname_here")
        );
    }

    fn carets(line: &str, sc: usize, ec: usize) -> Option<String> {
        let indent = line.chars().take_while(|c| *c == ' ').count();
        caret_line(line, indent, true, sc, ec)
    }

    #[test]
    fn caret_lines_match_cpython() {
        let s = |v: &str| Some(v.to_string());
        assert_eq!(
            carets("    return (a) + b", 11, 18),
            s("           ~~~~^~~")
        );
        assert_eq!(
            carets("    return (a   )+b", 11, 19),
            s("           ~~~~~~^~")
        );
        assert_eq!(
            carets("    return d  [ \"k\" ]  ", 11, 21),
            s("           ~~~^^^^^^^")
        );
        assert_eq!(
            carets("    return a  //   b   ", 11, 20),
            s("           ~~~^^~~~~")
        );
        assert_eq!(carets("    return f(x)", 11, 15), s("           ^^^^"));
        // The whole line: no carets.
        assert_eq!(carets("    f(x)", 4, 8), None);
        // A binary operation spanning the line keeps its anchors.
        assert_eq!(carets("x + y", 0, 5), s("    ~~^~~"));
    }
}
