//! The `_locale` module (CPython's Modules/_localemodule.c): `setlocale`,
//! `localeconv`, `nl_langinfo`, `strcoll`/`strxfrm`, `getencoding` and the
//! gettext bindings, all through the C library, plus the `LC_*`, `CHAR_MAX`
//! and langinfo constants and `locale.Error`.
//!
//! Like CPython's startup, the first import sets `LC_CTYPE` from the
//! environment, coercing the legacy "C"/"POSIX" locale to UTF-8 (PEP 538).

use std::ffi::{CStr, CString};
use std::sync::Once;

use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::binargs::{add_module_functions, module_attr, new_exc_class, posonly, raise};
use super::posix::util::{bytes_of, fsdecode, fsencode_str, fspath, int_arg, last_errno};

extern "C" {
    fn wcscoll(a: *const libc::wchar_t, b: *const libc::wchar_t) -> libc::c_int;
    fn wcsxfrm(dst: *mut libc::wchar_t, src: *const libc::wchar_t, n: libc::size_t)
        -> libc::size_t;
    fn gettext(msgid: *const libc::c_char) -> *mut libc::c_char;
    fn dgettext(domain: *const libc::c_char, msgid: *const libc::c_char) -> *mut libc::c_char;
    fn dcgettext(
        domain: *const libc::c_char,
        msgid: *const libc::c_char,
        category: libc::c_int,
    ) -> *mut libc::c_char;
    fn textdomain(domain: *const libc::c_char) -> *mut libc::c_char;
    fn bindtextdomain(domain: *const libc::c_char, dir: *const libc::c_char) -> *mut libc::c_char;
    fn bind_textdomain_codeset(
        domain: *const libc::c_char,
        codeset: *const libc::c_char,
    ) -> *mut libc::c_char;
}

/// The `nl_langinfo` items CPython exposes (its `langinfo_constants`).
const LANGINFO: &[(&str, libc::nl_item)] = &[
    ("DAY_1", libc::DAY_1),
    ("DAY_2", libc::DAY_2),
    ("DAY_3", libc::DAY_3),
    ("DAY_4", libc::DAY_4),
    ("DAY_5", libc::DAY_5),
    ("DAY_6", libc::DAY_6),
    ("DAY_7", libc::DAY_7),
    ("ABDAY_1", libc::ABDAY_1),
    ("ABDAY_2", libc::ABDAY_2),
    ("ABDAY_3", libc::ABDAY_3),
    ("ABDAY_4", libc::ABDAY_4),
    ("ABDAY_5", libc::ABDAY_5),
    ("ABDAY_6", libc::ABDAY_6),
    ("ABDAY_7", libc::ABDAY_7),
    ("MON_1", libc::MON_1),
    ("MON_2", libc::MON_2),
    ("MON_3", libc::MON_3),
    ("MON_4", libc::MON_4),
    ("MON_5", libc::MON_5),
    ("MON_6", libc::MON_6),
    ("MON_7", libc::MON_7),
    ("MON_8", libc::MON_8),
    ("MON_9", libc::MON_9),
    ("MON_10", libc::MON_10),
    ("MON_11", libc::MON_11),
    ("MON_12", libc::MON_12),
    ("ABMON_1", libc::ABMON_1),
    ("ABMON_2", libc::ABMON_2),
    ("ABMON_3", libc::ABMON_3),
    ("ABMON_4", libc::ABMON_4),
    ("ABMON_5", libc::ABMON_5),
    ("ABMON_6", libc::ABMON_6),
    ("ABMON_7", libc::ABMON_7),
    ("ABMON_8", libc::ABMON_8),
    ("ABMON_9", libc::ABMON_9),
    ("ABMON_10", libc::ABMON_10),
    ("ABMON_11", libc::ABMON_11),
    ("ABMON_12", libc::ABMON_12),
    ("RADIXCHAR", libc::RADIXCHAR),
    ("THOUSEP", libc::THOUSEP),
    ("CRNCYSTR", libc::CRNCYSTR),
    ("D_T_FMT", libc::D_T_FMT),
    ("D_FMT", libc::D_FMT),
    ("T_FMT", libc::T_FMT),
    ("AM_STR", libc::AM_STR),
    ("PM_STR", libc::PM_STR),
    ("CODESET", libc::CODESET),
    ("T_FMT_AMPM", libc::T_FMT_AMPM),
    ("ERA", libc::ERA),
    ("ERA_D_FMT", libc::ERA_D_FMT),
    ("ERA_D_T_FMT", libc::ERA_D_T_FMT),
    ("ERA_T_FMT", libc::ERA_T_FMT),
    ("ALT_DIGITS", libc::ALT_DIGITS),
    ("YESEXPR", libc::YESEXPR),
    ("NOEXPR", libc::NOEXPR),
    // glibc's `_DATE_FMT` (`DATE_BASE + 0x6C`, not in the libc crate).
    ("_DATE_FMT", 0x2006C),
];

/// A C string from the library as a str (`PyUnicode_DecodeLocale`); NULL
/// reads as "".
fn decode(vm: &Vm, p: *const libc::c_char) -> Value {
    if p.is_null() {
        return vm.new_str("");
    }
    // SAFETY: a non-null result of the locale functions is a NUL-terminated
    // string owned by the C library; it is copied out at once.
    fsdecode(vm, unsafe { CStr::from_ptr(p) }.to_bytes())
}

/// The type name `_PyArg_BadArgument` shows ("None" for None).
fn bad_arg_name(vm: &Vm, v: &Value) -> String {
    if matches!(v, Value::None) {
        "None".to_string()
    } else {
        vm.type_name_of(v).to_string()
    }
}

/// A str argument as a C string (clinic `str` converter): `None` when the
/// value is no str, an error for embedded NULs.
fn c_string(vm: &Vm, v: &Value) -> PyResult<Option<CString>> {
    let Some(s) = vm.as_str_obj(v) else {
        return Ok(None);
    };
    CString::new(s.as_str().as_bytes())
        .map(Some)
        .map_err(|_| vm.value_error("embedded null character"))
}

/// A str argument, or CPython's "must be str" message.
fn need_c_string(vm: &Vm, v: &Value, fname: &str, which: &str) -> PyResult<CString> {
    match c_string(vm, v)? {
        Some(c) => Ok(c),
        None => Err(vm.type_error(format!(
            "{fname}() {which} must be str, not {}",
            bad_arg_name(vm, v)
        ))),
    }
}

/// A str-or-None argument (`str(accept={str, NoneType})`).
fn opt_c_string(vm: &Vm, v: &Value, fname: &str, which: &str) -> PyResult<Option<CString>> {
    if matches!(v, Value::None) {
        return Ok(None);
    }
    match c_string(vm, v)? {
        Some(c) => Ok(Some(c)),
        None => Err(vm.type_error(format!(
            "{fname}() {which} must be str or None, not {}",
            bad_arg_name(vm, v)
        ))),
    }
}

/// A C `int` argument (`_PyLong_AsInt`).
fn c_int(vm: &mut Vm, v: &Value) -> PyResult<libc::c_int> {
    let i = int_arg(vm, v)?;
    libc::c_int::try_from(i).map_err(|_| {
        vm.overflow_error(if i > 0 {
            "signed integer is greater than maximum"
        } else {
            "signed integer is less than minimum"
        })
    })
}

/// `locale.Error` with `msg`.
fn locale_error(vm: &Vm, args: &Args, msg: &str) -> PyResult<crate::vm::PyErr> {
    match module_attr(vm, args, "Error")? {
        Value::Obj(cls) => Ok(raise(vm, &cls, msg)),
        _ => Err(vm.system_error("locale.Error is missing")),
    }
}

/// `setlocale(category, locale=None, /)`.
fn locale_setlocale(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "setlocale", 1, 2)?;
    let category = c_int(vm, &a[0])?;
    let loc = match a.get(1) {
        Some(v) => opt_c_string(vm, v, "setlocale", "argument 2")?,
        None => None,
    };
    let p = match &loc {
        // SAFETY: `c` is NUL-terminated and outlives the call.
        Some(c) => unsafe { libc::setlocale(category, c.as_ptr()) },
        // SAFETY: a NULL locale only queries the setting.
        None => unsafe { libc::setlocale(category, std::ptr::null()) },
    };
    if p.is_null() {
        let msg = if loc.is_some() {
            "unsupported locale setting"
        } else {
            "locale query failed"
        };
        return Err(locale_error(vm, &args, msg)?);
    }
    Ok(decode(vm, p))
}

/// CPython's `copy_grouping`: the grouping bytes up to and including the
/// terminating 0 or CHAR_MAX; an empty string gives `[]`.
fn grouping_list(vm: &Vm, p: *const libc::c_char) -> Value {
    let mut out = Vec::new();
    if !p.is_null() {
        // SAFETY: a grouping string from localeconv is NUL-terminated.
        let bytes = unsafe { CStr::from_ptr(p) }.to_bytes();
        for &b in bytes {
            out.push(Value::Int(i64::from(b as libc::c_char)));
            if b as libc::c_char == libc::c_char::MAX {
                return vm.new_list(out);
            }
        }
        if !bytes.is_empty() {
            out.push(Value::Int(0));
        }
    }
    vm.new_list(out)
}

/// `localeconv()`: the numeric and monetary conventions as a dict, keys in
/// CPython's order.
fn locale_localeconv(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = posonly(vm, &args, "localeconv", 0, usize::MAX)?.len();
    if n > 0 {
        return Err(vm.type_error(format!("localeconv() takes no arguments ({n} given)")));
    }
    // SAFETY: localeconv returns a pointer to static storage, valid until
    // the next localeconv/setlocale call; every field is copied out below
    // before any such call.
    let lc = unsafe { &*libc::localeconv() };
    let s = |vm: &Vm, p| decode(vm, p);
    let i = |c: libc::c_char| Value::Int(i64::from(c));
    let items = vec![
        ("int_curr_symbol", s(vm, lc.int_curr_symbol)),
        ("currency_symbol", s(vm, lc.currency_symbol)),
        ("mon_decimal_point", s(vm, lc.mon_decimal_point)),
        ("mon_thousands_sep", s(vm, lc.mon_thousands_sep)),
        ("mon_grouping", grouping_list(vm, lc.mon_grouping)),
        ("positive_sign", s(vm, lc.positive_sign)),
        ("negative_sign", s(vm, lc.negative_sign)),
        ("int_frac_digits", i(lc.int_frac_digits)),
        ("frac_digits", i(lc.frac_digits)),
        ("p_cs_precedes", i(lc.p_cs_precedes)),
        ("p_sep_by_space", i(lc.p_sep_by_space)),
        ("n_cs_precedes", i(lc.n_cs_precedes)),
        ("n_sep_by_space", i(lc.n_sep_by_space)),
        ("p_sign_posn", i(lc.p_sign_posn)),
        ("n_sign_posn", i(lc.n_sign_posn)),
        ("decimal_point", s(vm, lc.decimal_point)),
        ("thousands_sep", s(vm, lc.thousands_sep)),
        ("grouping", grouping_list(vm, lc.grouping)),
    ];
    let d = vm.new_dict();
    for (k, v) in items {
        let key = vm.new_str(k);
        vm.dict_set_nocall(&d, key, v)?;
    }
    Ok(Value::Obj(d))
}

/// A str argument as a NUL-terminated wide string
/// (`PyUnicode_AsWideCharString`).
fn wide(vm: &Vm, v: &Value, fname: &str, which: &str) -> PyResult<Vec<libc::wchar_t>> {
    let Some(s) = vm.as_str_obj(v) else {
        return Err(vm.type_error(format!(
            "{fname}() {which} must be str, not {}",
            bad_arg_name(vm, v)
        )));
    };
    let mut out: Vec<libc::wchar_t> = Vec::new();
    for c in s.as_str().chars() {
        if c == '\0' {
            return Err(vm.value_error("embedded null character"));
        }
        out.push(c as libc::wchar_t);
    }
    out.push(0);
    Ok(out)
}

/// `strcoll(os1, os2, /)`: compare two strs by the LC_COLLATE locale.
fn locale_strcoll(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "strcoll", 2, 2)?;
    let x = wide(vm, &a[0], "strcoll", "argument 1")?;
    let y = wide(vm, &a[1], "strcoll", "argument 2")?;
    // SAFETY: both buffers are NUL-terminated wide strings.
    let r = unsafe { wcscoll(x.as_ptr(), y.as_ptr()) };
    Ok(Value::Int(i64::from(r)))
}

/// `strxfrm(string, /)`: the collation key of a str.
fn locale_strxfrm(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "strxfrm", 1, 1)?;
    let s = wide(vm, &a[0], "strxfrm", "argument")?;
    let mut size = s.len();
    let mut buf: Vec<libc::wchar_t> = vec![0; size];
    loop {
        // SAFETY: `buf` holds `size` wide chars and `s` is NUL-terminated.
        let n = unsafe { wcsxfrm(buf.as_mut_ptr(), s.as_ptr(), size) };
        let errno = last_errno();
        if n == usize::MAX && errno != 0 && errno != libc::ERANGE {
            return Err(vm.os_error(errno, None, None));
        }
        if n < size {
            let cps: Vec<u32> = buf.iter().take(n).map(|&w| w as u32).collect();
            if let Some(bad) = cps.iter().find(|&&c| c > 0x10FFFF) {
                return Err(vm.value_error(format!(
                    "character U+{bad:x} is not in range [U+0000; U+10ffff]"
                )));
            }
            return Ok(super::array::str_from_cps(vm, &cps));
        }
        size = n + 1;
        buf = vec![0; size];
    }
}

/// `nl_langinfo(key, /)`: one of the langinfo strings.
fn locale_nl_langinfo(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "nl_langinfo", 1, 1)?;
    let key = c_int(vm, &a[0])?;
    if !LANGINFO.iter().any(|&(_, v)| v == key) {
        return Err(vm.value_error("unsupported langinfo constant"));
    }
    // SAFETY: `key` is one of the known items; the result (static storage,
    // possibly NULL for ERA) is copied out at once.
    let p = unsafe { libc::nl_langinfo(key) };
    Ok(decode(vm, p))
}

/// `getencoding()`: the locale encoding (`nl_langinfo(CODESET)`).
fn locale_getencoding(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let n = posonly(vm, &args, "getencoding", 0, usize::MAX)?.len();
    if n > 0 {
        return Err(vm.type_error(format!("getencoding() takes no arguments ({n} given)")));
    }
    // SAFETY: CODESET is a valid item; the result is copied out at once.
    let p = unsafe { libc::nl_langinfo(libc::CODESET) };
    // SAFETY: non-null results are NUL-terminated.
    if p.is_null() || unsafe { *p } == 0 {
        return Ok(vm.new_str("utf-8"));
    }
    Ok(decode(vm, p))
}

/// `gettext(msg, /)`.
fn locale_gettext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "gettext", 1, 1)?;
    let msg = need_c_string(vm, &a[0], "gettext", "argument")?;
    // SAFETY: `msg` is NUL-terminated; the result is copied out at once.
    Ok(decode(vm, unsafe { gettext(msg.as_ptr()) }))
}

fn opt_ptr(c: &Option<CString>) -> *const libc::c_char {
    c.as_ref().map_or(std::ptr::null(), |c| c.as_ptr())
}

/// `dgettext(domain, msg, /)`.
fn locale_dgettext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "dgettext", 2, 2)?;
    let domain = opt_c_string(vm, &a[0], "dgettext", "argument 1")?;
    let msg = need_c_string(vm, &a[1], "dgettext", "argument 2")?;
    // SAFETY: the strings are NUL-terminated (or NULL for the domain).
    Ok(decode(vm, unsafe {
        dgettext(opt_ptr(&domain), msg.as_ptr())
    }))
}

/// `dcgettext(domain, msg, category, /)`.
fn locale_dcgettext(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "dcgettext", 3, 3)?;
    let domain = opt_c_string(vm, &a[0], "dcgettext", "argument 1")?;
    let msg = need_c_string(vm, &a[1], "dcgettext", "argument 2")?;
    let cat = c_int(vm, &a[2])?;
    // SAFETY: the strings are NUL-terminated (or NULL for the domain).
    Ok(decode(vm, unsafe {
        dcgettext(opt_ptr(&domain), msg.as_ptr(), cat)
    }))
}

/// `textdomain(domain, /)`.
fn locale_textdomain(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "textdomain", 1, 1)?;
    let domain = opt_c_string(vm, &a[0], "textdomain", "argument")?;
    // SAFETY: the domain is NUL-terminated or NULL (a query).
    let p = unsafe { textdomain(opt_ptr(&domain)) };
    if p.is_null() {
        let e = last_errno();
        return Err(vm.os_error(e, None, None));
    }
    Ok(decode(vm, p))
}

/// `bindtextdomain(domain, dir, /)`.
fn locale_bindtextdomain(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "bindtextdomain", 2, 2)?;
    let domain = need_c_string(vm, &a[0], "bindtextdomain", "argument 1")?;
    if domain.as_bytes().is_empty() {
        return Err(vm.value_error("domain must be a non-empty string"));
    }
    let dir = if matches!(a[1], Value::None) {
        None
    } else {
        let path = fspath(vm, &a[1])?;
        let b = match fsencode_str(vm, &path)? {
            Some(b) => b,
            None => bytes_of(&path).map(<[u8]>::to_vec).unwrap_or_default(),
        };
        Some(CString::new(b).map_err(|_| vm.value_error("embedded null byte"))?)
    };
    // SAFETY: the strings are NUL-terminated (or NULL for a query).
    let p = unsafe { bindtextdomain(domain.as_ptr(), opt_ptr(&dir)) };
    if p.is_null() {
        let e = last_errno();
        return Err(vm.os_error(e, None, None));
    }
    Ok(decode(vm, p))
}

/// `bind_textdomain_codeset(domain, codeset, /)`.
fn locale_bind_textdomain_codeset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = posonly(vm, &args, "bind_textdomain_codeset", 2, 2)?;
    let domain = need_c_string(vm, &a[0], "bind_textdomain_codeset", "argument 1")?;
    let codeset = opt_c_string(vm, &a[1], "bind_textdomain_codeset", "argument 2")?;
    // SAFETY: the strings are NUL-terminated (or NULL for a query).
    let p = unsafe { bind_textdomain_codeset(domain.as_ptr(), opt_ptr(&codeset)) };
    if p.is_null() {
        let e = last_errno();
        if e != 0 {
            return Err(vm.os_error(e, None, None));
        }
        return Ok(Value::None);
    }
    Ok(decode(vm, p))
}

/// CPython's startup locale step: LC_CTYPE from the environment, and the
/// legacy C/POSIX locale coerced to a UTF-8 one (PEP 538).
fn init_ctype_locale() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        // SAFETY: setlocale with NUL-terminated literals; pycvm runs Python
        // code on one thread, so no other thread reads the locale meanwhile.
        unsafe {
            let p = libc::setlocale(libc::LC_CTYPE, c"".as_ptr());
            let legacy = p.is_null() || matches!(CStr::from_ptr(p).to_bytes(), b"C" | b"POSIX");
            if legacy {
                for target in [c"C.UTF-8", c"C.utf8", c"UTF-8"] {
                    if !libc::setlocale(libc::LC_CTYPE, target.as_ptr()).is_null() {
                        break;
                    }
                }
            }
        }
    });
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    init_ctype_locale();
    let m = vm.new_module("_locale");
    let doc = vm.new_str("Support for POSIX locales.");
    vm.set_attr_raw(&m, "__doc__", doc);
    add_module_functions(
        vm,
        &m,
        &[
            ("setlocale", locale_setlocale),
            ("localeconv", locale_localeconv),
            ("strcoll", locale_strcoll),
            ("strxfrm", locale_strxfrm),
            ("nl_langinfo", locale_nl_langinfo),
            ("getencoding", locale_getencoding),
            ("gettext", locale_gettext),
            ("dgettext", locale_dgettext),
            ("dcgettext", locale_dcgettext),
            ("textdomain", locale_textdomain),
            ("bindtextdomain", locale_bindtextdomain),
            ("bind_textdomain_codeset", locale_bind_textdomain_codeset),
        ],
    );
    for (name, v) in [
        ("LC_CTYPE", libc::LC_CTYPE),
        ("LC_TIME", libc::LC_TIME),
        ("LC_COLLATE", libc::LC_COLLATE),
        ("LC_MONETARY", libc::LC_MONETARY),
        ("LC_MESSAGES", libc::LC_MESSAGES),
        ("LC_NUMERIC", libc::LC_NUMERIC),
        ("LC_ALL", libc::LC_ALL),
        ("CHAR_MAX", libc::c_int::from(libc::c_char::MAX)),
    ] {
        vm.set_attr_raw(&m, name, Value::Int(i64::from(v)));
    }
    for &(name, v) in LANGINFO {
        vm.set_attr_raw(&m, name, Value::Int(i64::from(v)));
    }
    let base = vm.exc_type(crate::objects::exception::ExcKind::Exception);
    let error = new_exc_class(vm, "locale", "Error", base)?;
    vm.set_attr_raw(&m, "Error", Value::Obj(error));
    Ok(m)
}
