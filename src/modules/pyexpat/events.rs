//! What the XML parser reports: events (in document order, each with the
//! position expat would report while its handler runs and the raw markup a
//! `DefaultHandler` would receive instead), errors, and the content models
//! of `<!ELEMENT>` declarations.

use super::core::Name;
use super::input::Pos;

/// An element content model (`XML_Content`): type, quantifier, name,
/// children. Types and quantifiers use `pyexpat.model`'s numbers.
#[derive(Clone, Debug, PartialEq)]
pub struct Model {
    pub ctype: u8,
    pub quant: u8,
    pub name: Option<String>,
    pub children: Vec<Model>,
}

/// Which declaration handler decides whether a DTD token reaches the
/// default handler.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DtdGroup {
    Doctype,
    Entity,
    Notation,
    Element,
    Attlist,
    Other,
}

#[derive(Clone, Debug)]
pub enum Event {
    XmlDecl {
        version: Option<String>,
        encoding: Option<String>,
        standalone: i32,
    },
    StartDoctype {
        name: String,
        sysid: Option<String>,
        pubid: Option<String>,
        internal: bool,
    },
    EndDoctype,
    Start {
        name: Name,
        attrs: Vec<(Name, String)>,
        /// How many of `attrs` the document specified (the rest are
        /// defaults from the DTD).
        nspec: usize,
    },
    End {
        name: Name,
        /// An empty-element tag `<a/>`: while the end handler runs the
        /// position is `end_pos` when a start handler is set.
        empty: bool,
        end_pos: Pos,
    },
    Chars(String),
    Comment(String),
    Pi {
        target: String,
        data: String,
    },
    StartCdata,
    EndCdata,
    StartNs {
        prefix: Option<String>,
        uri: Option<String>,
    },
    EndNs(Option<String>),
    EntityDecl {
        name: String,
        is_pe: bool,
        value: Option<String>,
        sysid: Option<String>,
        pubid: Option<String>,
        notation: Option<String>,
    },
    NotationDecl {
        name: String,
        sysid: Option<String>,
        pubid: Option<String>,
    },
    ElementDecl {
        name: String,
        model: Model,
    },
    AttlistDecl {
        elname: String,
        attname: String,
        atype: String,
        default: Option<String>,
        required: bool,
    },
    Skipped {
        name: String,
        is_pe: bool,
    },
    ExternalRef {
        context: Option<String>,
        sysid: Option<String>,
        pubid: Option<String>,
    },
    /// Markup only the default handler sees (prolog whitespace, a DTD
    /// token of `group`).
    Default(DtdGroup),
}

/// An event with its position and raw text.
#[derive(Clone, Debug)]
pub struct Ev {
    pub pos: Pos,
    pub kind: Event,
    pub raw: String,
}

/// A parse error: expat's error code and where it was detected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct XmlError {
    pub code: u32,
    pub pos: Pos,
}

pub const ERR_SYNTAX: u32 = 2;
pub const ERR_NO_ELEMENTS: u32 = 3;
pub const ERR_INVALID_TOKEN: u32 = 4;
pub const ERR_UNCLOSED_TOKEN: u32 = 5;
pub const ERR_PARTIAL_CHAR: u32 = 6;
pub const ERR_TAG_MISMATCH: u32 = 7;
pub const ERR_DUPLICATE_ATTRIBUTE: u32 = 8;
pub const ERR_JUNK_AFTER_DOC: u32 = 9;
pub const ERR_PARAM_ENTITY_REF: u32 = 10;
pub const ERR_UNDEFINED_ENTITY: u32 = 11;
pub const ERR_RECURSIVE_ENTITY_REF: u32 = 12;
pub const ERR_ASYNC_ENTITY: u32 = 13;
pub const ERR_BAD_CHAR_REF: u32 = 14;
pub const ERR_BINARY_ENTITY_REF: u32 = 15;
pub const ERR_ATTRIBUTE_EXTERNAL_ENTITY_REF: u32 = 16;
pub const ERR_MISPLACED_XML_PI: u32 = 17;
pub const ERR_UNKNOWN_ENCODING: u32 = 18;
pub const ERR_UNCLOSED_CDATA: u32 = 20;
pub const ERR_UNBOUND_PREFIX: u32 = 27;
pub const ERR_UNDECLARING_PREFIX: u32 = 28;
pub const ERR_XML_DECL: u32 = 30;
pub const ERR_FINISHED: u32 = 36;
pub const ERR_RESERVED_PREFIX_XML: u32 = 38;
pub const ERR_RESERVED_PREFIX_XMLNS: u32 = 39;
pub const ERR_RESERVED_NAMESPACE_URI: u32 = 40;

/// expat's message for an error code (`XML_ErrorString`).
pub fn error_string(code: u32) -> Option<&'static str> {
    ERROR_NAMES
        .get(code as usize)
        .and_then(|(_, m)| (!m.is_empty()).then_some(*m))
}

/// Constant names and messages by code (index 0 is XML_ERROR_NONE).
pub const ERROR_NAMES: &[(&str, &str)] = &[
    ("", ""),
    ("XML_ERROR_NO_MEMORY", "out of memory"),
    ("XML_ERROR_SYNTAX", "syntax error"),
    ("XML_ERROR_NO_ELEMENTS", "no element found"),
    ("XML_ERROR_INVALID_TOKEN", "not well-formed (invalid token)"),
    ("XML_ERROR_UNCLOSED_TOKEN", "unclosed token"),
    ("XML_ERROR_PARTIAL_CHAR", "partial character"),
    ("XML_ERROR_TAG_MISMATCH", "mismatched tag"),
    ("XML_ERROR_DUPLICATE_ATTRIBUTE", "duplicate attribute"),
    (
        "XML_ERROR_JUNK_AFTER_DOC_ELEMENT",
        "junk after document element",
    ),
    (
        "XML_ERROR_PARAM_ENTITY_REF",
        "illegal parameter entity reference",
    ),
    ("XML_ERROR_UNDEFINED_ENTITY", "undefined entity"),
    (
        "XML_ERROR_RECURSIVE_ENTITY_REF",
        "recursive entity reference",
    ),
    ("XML_ERROR_ASYNC_ENTITY", "asynchronous entity"),
    (
        "XML_ERROR_BAD_CHAR_REF",
        "reference to invalid character number",
    ),
    ("XML_ERROR_BINARY_ENTITY_REF", "reference to binary entity"),
    (
        "XML_ERROR_ATTRIBUTE_EXTERNAL_ENTITY_REF",
        "reference to external entity in attribute",
    ),
    (
        "XML_ERROR_MISPLACED_XML_PI",
        "XML or text declaration not at start of entity",
    ),
    ("XML_ERROR_UNKNOWN_ENCODING", "unknown encoding"),
    (
        "XML_ERROR_INCORRECT_ENCODING",
        "encoding specified in XML declaration is incorrect",
    ),
    ("XML_ERROR_UNCLOSED_CDATA_SECTION", "unclosed CDATA section"),
    (
        "XML_ERROR_EXTERNAL_ENTITY_HANDLING",
        "error in processing external entity reference",
    ),
    ("XML_ERROR_NOT_STANDALONE", "document is not standalone"),
    (
        "XML_ERROR_UNEXPECTED_STATE",
        "unexpected parser state - please send a bug report",
    ),
    (
        "XML_ERROR_ENTITY_DECLARED_IN_PE",
        "entity declared in parameter entity",
    ),
    (
        "XML_ERROR_FEATURE_REQUIRES_XML_DTD",
        "requested feature requires XML_DTD support in Expat",
    ),
    (
        "XML_ERROR_CANT_CHANGE_FEATURE_ONCE_PARSING",
        "cannot change setting once parsing has begun",
    ),
    ("XML_ERROR_UNBOUND_PREFIX", "unbound prefix"),
    ("XML_ERROR_UNDECLARING_PREFIX", "must not undeclare prefix"),
    (
        "XML_ERROR_INCOMPLETE_PE",
        "incomplete markup in parameter entity",
    ),
    ("XML_ERROR_XML_DECL", "XML declaration not well-formed"),
    ("XML_ERROR_TEXT_DECL", "text declaration not well-formed"),
    ("XML_ERROR_PUBLICID", "illegal character(s) in public id"),
    ("XML_ERROR_SUSPENDED", "parser suspended"),
    ("XML_ERROR_NOT_SUSPENDED", "parser not suspended"),
    ("XML_ERROR_ABORTED", "parsing aborted"),
    ("XML_ERROR_FINISHED", "parsing finished"),
    (
        "XML_ERROR_SUSPEND_PE",
        "cannot suspend in external parameter entity",
    ),
    (
        "XML_ERROR_RESERVED_PREFIX_XML",
        "reserved prefix (xml) must not be undeclared or bound to another namespace name",
    ),
    (
        "XML_ERROR_RESERVED_PREFIX_XMLNS",
        "reserved prefix (xmlns) must not be declared or undeclared",
    ),
    (
        "XML_ERROR_RESERVED_NAMESPACE_URI",
        "prefix must not be bound to one of the reserved namespace names",
    ),
    ("XML_ERROR_INVALID_ARGUMENT", "invalid argument"),
    (
        "XML_ERROR_NO_BUFFER",
        "a successful prior call to function XML_GetBuffer is required",
    ),
    (
        "XML_ERROR_AMPLIFICATION_LIMIT_BREACH",
        "limit on input amplification factor (from DTD and entities) breached",
    ),
];
