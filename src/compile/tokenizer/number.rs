//! Number literals: a port of the number part of CPython 3.11's
//! `tok_get` (Parser/tokenizer.c), so that its errors carry CPython's
//! messages, offsets and text, and a literal run into a keyword
//! (`1if x else y`) is a SyntaxWarning, not an error.

use super::{CompileError, Lexer, Tok};

/// A cursor over the source bytes with tokenizer.c's `tok_nextc` and
/// `tok_backup`; `None` is the end of input.
struct Cur<'s> {
    b: &'s [u8],
    i: usize,
}

impl Cur<'_> {
    fn next(&mut self) -> Option<u8> {
        let c = self.b.get(self.i).copied();
        if c.is_some() {
            self.i += 1;
        }
        c
    }
    fn backup(&mut self, c: Option<u8>) {
        if c.is_some() {
            self.i -= 1;
        }
    }
    /// `lookahead`: whether the next bytes are `test` followed by a
    /// non-identifier character; the cursor does not move.
    fn lookahead(&self, test: &[u8]) -> bool {
        let rest = self.b.get(self.i..).unwrap_or(&[]);
        rest.starts_with(test) && !rest.get(test.len()).is_some_and(|&c| ident_char(c))
    }
}

fn digit(c: Option<u8>) -> bool {
    c.is_some_and(|c| c.is_ascii_digit())
}

/// `is_potential_identifier_char`.
fn ident_char(c: u8) -> bool {
    c >= 128 || c.is_ascii_alphanumeric() || c == b'_'
}

enum Step {
    Fraction,
    Exponent,
    Imaginary,
    End,
}

impl Lexer<'_> {
    /// tokenizer.c `syntaxerror_known_range` at byte positions of the
    /// current line: the text is the line without its newline.
    pub(super) fn number_error(&self, msg: &str, at: usize, end: usize) -> CompileError {
        // Byte columns, as the tokenizer's other errors (the caller makes
        // them character offsets); f-string expressions shift line one.
        let col = |i: usize| {
            let c = i.saturating_sub(self.line_start) as i64;
            if self.line == self.first_line {
                (c + self.col_adjust).max(0) as u32
            } else {
                c as u32
            }
        };
        let mut e = CompileError::syntax(msg, self.line, col(at));
        e.end_line = self.line;
        e.end_offset = col(end);
        if self.col_adjust == 0 {
            let rest = self.src.get(self.line_start..).unwrap_or("");
            e.text = Some(rest.split('\n').next().unwrap_or("").to_string());
        }
        e
    }

    /// `syntaxerror`: the error at the cursor.
    fn number_error_here(&self, msg: &str, cur: &Cur) -> CompileError {
        self.number_error(msg, cur.i, cur.i)
    }

    /// `verify_end_of_number`: `c` (just read) may not start a name,
    /// except the keywords that can follow a number in valid code (a
    /// SyntaxWarning then).
    fn verify_end(&mut self, cur: &mut Cur, c: Option<u8>, kind: &str) -> Result<(), CompileError> {
        let r = match c {
            Some(b'a') => cur.lookahead(b"nd"),
            Some(b'e') => cur.lookahead(b"lse"),
            Some(b'f') => cur.lookahead(b"or"),
            Some(b'i') => matches!(cur.b.get(cur.i), Some(b'f' | b'n' | b's')),
            Some(b'o') => cur.lookahead(b"r"),
            Some(b'n') => cur.lookahead(b"ot"),
            _ => false,
        };
        if r {
            self.warnings
                .push((format!("invalid {kind} literal"), self.line));
            return Ok(());
        }
        if c.is_some_and(ident_char) {
            cur.backup(c);
            return Err(self.number_error_here(&format!("invalid {kind} literal"), cur));
        }
        Ok(())
    }

    /// `tok_decimal_tail`: digits with single underscores between them;
    /// returns the character after them.
    fn decimal_tail(&self, cur: &mut Cur) -> Result<Option<u8>, CompileError> {
        loop {
            let mut c = cur.next();
            while digit(c) {
                c = cur.next();
            }
            if c != Some(b'_') {
                return Ok(c);
            }
            let c = cur.next();
            if !digit(c) {
                cur.backup(c);
                return Err(self.number_error_here("invalid decimal literal", cur));
            }
        }
    }

    /// Digits of a radix literal after `0x`/`0o`/`0b`.
    fn radix_tail(&mut self, cur: &mut Cur, kind: u8) -> Result<(), CompileError> {
        let (name, ok): (&str, fn(u8) -> bool) = match kind {
            b'x' => ("hexadecimal", |c| c.is_ascii_hexdigit()),
            b'o' => ("octal", |c| (b'0'..b'8').contains(&c)),
            _ => ("binary", |c| c == b'0' || c == b'1'),
        };
        let good = |c: Option<u8>| c.is_some_and(ok);
        let bad_digit = |c: Option<u8>| kind != b'x' && digit(c);
        let mut c = cur.next();
        loop {
            if c == Some(b'_') {
                c = cur.next();
            }
            if !good(c) {
                if bad_digit(c) {
                    let d = c.map_or(' ', char::from);
                    let msg = format!("invalid digit '{d}' in {name} literal");
                    return Err(self.number_error_here(&msg, cur));
                }
                cur.backup(c);
                return Err(self.number_error_here(&format!("invalid {name} literal"), cur));
            }
            c = cur.next();
            while good(c) {
                c = cur.next();
            }
            if c != Some(b'_') {
                break;
            }
        }
        if bad_digit(c) {
            let d = c.map_or(' ', char::from);
            let msg = format!("invalid digit '{d}' in {name} literal");
            return Err(self.number_error_here(&msg, cur));
        }
        self.verify_end(cur, c, name)?;
        cur.backup(c);
        Ok(())
    }

    pub(super) fn number(&mut self, line: u32, col: u32) -> Result<(), CompileError> {
        let start = self.pos;
        let mut cur = Cur {
            b: self.src.as_bytes(),
            i: self.pos,
        };
        let first = cur.next();
        let mut c;
        let mut step = Step::End;
        if first == Some(b'.') {
            c = cur.next();
            step = Step::Fraction;
        } else if first == Some(b'0') {
            c = cur.next();
            if let Some(k @ (b'x' | b'X' | b'o' | b'O' | b'b' | b'B')) = c {
                self.radix_tail(&mut cur, k.to_ascii_lowercase())?;
                return self.number_done(&cur, start, line, col);
            }
            loop {
                if c == Some(b'_') {
                    c = cur.next();
                    if !digit(c) {
                        cur.backup(c);
                        return Err(self.number_error_here("invalid decimal literal", &cur));
                    }
                }
                if c != Some(b'0') {
                    break;
                }
                c = cur.next();
            }
            let zeros_end = cur.i;
            let nonzero = digit(c);
            if nonzero {
                c = self.decimal_tail(&mut cur)?;
            }
            match c {
                Some(b'.') => {
                    c = cur.next();
                    step = Step::Fraction;
                }
                Some(b'e' | b'E') => step = Step::Exponent,
                Some(b'j' | b'J') => step = Step::Imaginary,
                _ if nonzero => {
                    cur.backup(c);
                    return Err(self.number_error(
                        "leading zeros in decimal integer literals are not permitted; use an 0o prefix for octal integers",
                        start + 1,
                        zeros_end,
                    ));
                }
                _ => {
                    self.verify_end(&mut cur, c, "decimal")?;
                    cur.backup(c);
                    return self.number_done(&cur, start, line, col);
                }
            }
        } else {
            c = self.decimal_tail(&mut cur)?;
            if c == Some(b'.') {
                c = cur.next();
                step = Step::Fraction;
            } else if matches!(c, Some(b'e' | b'E')) {
                step = Step::Exponent;
            } else if matches!(c, Some(b'j' | b'J')) {
                step = Step::Imaginary;
            }
        }
        if let Step::Fraction = step {
            if digit(c) {
                c = self.decimal_tail(&mut cur)?;
            }
            step = match c {
                Some(b'e' | b'E') => Step::Exponent,
                Some(b'j' | b'J') => Step::Imaginary,
                _ => Step::End,
            };
        }
        if let Step::Exponent = step {
            let e = c;
            c = cur.next();
            if matches!(c, Some(b'+' | b'-')) {
                c = cur.next();
                if !digit(c) {
                    cur.backup(c);
                    return Err(self.number_error_here("invalid decimal literal", &cur));
                }
            } else if !digit(c) {
                cur.backup(c);
                self.verify_end(&mut cur, e, "decimal")?;
                cur.backup(e);
                return self.number_done(&cur, start, line, col);
            }
            c = self.decimal_tail(&mut cur)?;
            step = if matches!(c, Some(b'j' | b'J')) {
                Step::Imaginary
            } else {
                Step::End
            };
        }
        if let Step::Imaginary = step {
            c = cur.next();
            self.verify_end(&mut cur, c, "imaginary")?;
        } else {
            self.verify_end(&mut cur, c, "decimal")?;
        }
        cur.backup(c);
        self.number_done(&cur, start, line, col)
    }

    fn number_done(
        &mut self,
        cur: &Cur,
        start: usize,
        line: u32,
        col: u32,
    ) -> Result<(), CompileError> {
        self.pos = cur.i;
        let text = self.src.get(start..self.pos).unwrap_or("").to_string();
        self.push(Tok::Number(text), line, col);
        Ok(())
    }
}
