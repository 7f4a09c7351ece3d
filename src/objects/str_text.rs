//! The text of a `str` payload: short ASCII text in place, anything else
//! in a heap block (see [`Text`]).
//!
//! Most strs a program makes are short ASCII words, names and keys; held
//! in place they need no second allocation: a str of up to
//! [`INLINE_MAX`] ASCII bytes is one 64-byte block instead of that plus
//! an 8- to 16-byte one (text_processing keeps ~900,000 such strs alive at
//! its peak).

/// The longest ASCII text held in place.
pub const INLINE_MAX: usize = 15;

/// What a non-ASCII str keeps besides its UTF-8 text.
pub struct Wide {
    /// The length in code points.
    pub chars: usize,
    /// The exact code points when the text holds lone surrogates.
    pub cps: Option<Vec<u32>>,
    /// The byte offset of every [`INDEX_STEP`]th code point, made the first
    /// time a code point is looked up by index (CPython's fixed-width
    /// strings index in O(1); UTF-8 text finds a code point from the
    /// nearest entry, at most `INDEX_STEP - 1` characters on).
    pub index: std::cell::OnceCell<Box<[usize]>>,
}

/// Code points between two entries of [`Wide::index`].
pub const INDEX_STEP: usize = 32;

impl Wide {
    /// The byte offset in `text` (this str's UTF-8) of code point `i`;
    /// `text.len()` for `i` at or past the end.
    pub fn byte_offset(&self, text: &str, i: usize) -> usize {
        if i >= self.chars {
            return text.len();
        }
        let index = self.index.get_or_init(|| {
            text.char_indices()
                .step_by(INDEX_STEP)
                .map(|(off, _)| off)
                .collect()
        });
        let bytes = text.as_bytes();
        let (mut off, mut rest) = match index.get(i / INDEX_STEP) {
            Some(&off) => (off, i % INDEX_STEP),
            None => (0, i),
        };
        while rest > 0 && off < bytes.len() {
            off += match bytes.get(off).copied().unwrap_or(0) {
                0..=0x7F => 1,
                0x80..=0xDF => 2,
                0xE0..=0xEF => 3,
                _ => 4,
            };
            rest -= 1;
        }
        off.min(bytes.len())
    }
}

/// A str's UTF-8 text: three words (the size test below), so a `StrObj`
/// (text and hash) stays four.
pub enum Text {
    /// ASCII text of at most [`INLINE_MAX`] bytes: `bytes[..len]`.
    Inline { len: u8, bytes: [u8; INLINE_MAX] },
    /// Any other text; `wide` is `None` for ASCII text.
    Heap {
        s: Box<str>,
        wide: Option<Box<Wide>>,
    },
}

fn wide_of(s: &str) -> Option<Box<Wide>> {
    if s.is_ascii() {
        None
    } else {
        Some(Box::new(Wide {
            chars: s.chars().count(),
            cps: None,
            index: std::cell::OnceCell::new(),
        }))
    }
}

/// `s` in place when it is short ASCII text.
#[inline]
fn inline(s: &str) -> Option<Text> {
    if s.len() > INLINE_MAX || !s.is_ascii() {
        return None;
    }
    let mut bytes = [0u8; INLINE_MAX];
    bytes.get_mut(..s.len())?.copy_from_slice(s.as_bytes());
    Some(Text::Inline {
        len: s.len() as u8,
        bytes,
    })
}

impl Text {
    #[inline]
    pub fn new(s: &str) -> Text {
        inline(s).unwrap_or_else(|| Text::Heap {
            wide: wide_of(s),
            s: s.into(),
        })
    }

    #[inline]
    pub fn from_string(s: String) -> Text {
        inline(&s).unwrap_or_else(|| Text::Heap {
            wide: wide_of(&s),
            s: s.into_boxed_str(),
        })
    }

    #[inline(always)]
    pub fn as_str(&self) -> &str {
        match self {
            Text::Inline { len, bytes } => {
                let b = bytes.get(..usize::from(*len)).unwrap_or_default();
                // SAFETY: an inline text is ASCII (`inline` admits nothing
                // else and nothing writes the bytes afterwards), and ASCII
                // bytes are valid UTF-8.
                unsafe { std::str::from_utf8_unchecked(b) }
            }
            Text::Heap { s, .. } => s,
        }
    }

    /// The non-ASCII information (`None` for ASCII text).
    #[inline(always)]
    pub fn wide(&self) -> Option<&Wide> {
        match self {
            Text::Inline { .. } => None,
            Text::Heap { wide, .. } => wide.as_deref(),
        }
    }

    /// The non-ASCII information, to fill in (`None` for ASCII text).
    pub fn wide_mut(&mut self) -> Option<&mut Wide> {
        match self {
            Text::Inline { .. } => None,
            Text::Heap { wide, .. } => wide.as_deref_mut(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_three_words() {
        assert_eq!(std::mem::size_of::<Text>(), 24);
    }

    #[test]
    fn inline_and_heap_hold_the_text() {
        for s in [
            "",
            "a",
            "fifteen bytes!!",
            "sixteen bytes!!!",
            "é",
            "日本語のテキスト",
        ] {
            let t = Text::new(s);
            assert_eq!(t.as_str(), s);
            assert_eq!(t.wide().is_some(), !s.is_ascii());
            assert_eq!(Text::from_string(s.to_string()).as_str(), s);
        }
        assert!(matches!(Text::new("fifteen bytes!!"), Text::Inline { .. }));
        assert!(matches!(Text::new("sixteen bytes!!!"), Text::Heap { .. }));
    }
}
