//! `time.struct_time` and the calendar functions of `time`: `gmtime`,
//! `localtime`, `mktime`, `strftime`, `asctime`, `ctime`, `tzset` and the
//! timezone constants, through the C library as CPython does (so `%Z`,
//! `%c` and friends match CPython's output exactly).

use std::ffi::{CStr, CString};

use crate::objects::exception::ExcKind;
use crate::objects::function::{Args, Builtin, NativeFn};
use crate::objects::typeobj::FLAG_HAS_DICT;
use crate::objects::Payload;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

const FIELDS: [&str; 9] = [
    "tm_year", "tm_mon", "tm_mday", "tm_hour", "tm_min", "tm_sec", "tm_wday", "tm_yday", "tm_isdst",
];

/// The module (bound as `self` of each function) and the caller's args.
fn split<'a>(args: Args<'a>) -> (Value, Args<'a>) {
    let m = args.args.first().cloned().unwrap_or(Value::None);
    let rest = Args {
        args: args.args.get(1..).unwrap_or(&[]),
        kwnames: args.kwnames,
    };
    (m, rest)
}

fn struct_time_type(vm: &mut Vm, m: &Value) -> PyResult<PyRef> {
    match vm.getattr_str(m, "struct_time")? {
        Value::Obj(t) => Ok(t),
        _ => Err(vm.type_error("time.struct_time is not a type")),
    }
}

fn zeroed_tm() -> libc::tm {
    // SAFETY: `struct tm` is plain data (ints, a long and a pointer), for
    // which all-zero bytes are a valid value (the pointer is null).
    unsafe { std::mem::zeroed() }
}

/// A `struct_time` from a C `tm`.
fn tm_to_struct(vm: &mut Vm, ty: &PyRef, tm: &libc::tm) -> Value {
    let items = vec![
        Value::Int(i64::from(tm.tm_year) + 1900),
        Value::Int(i64::from(tm.tm_mon) + 1),
        Value::Int(i64::from(tm.tm_mday)),
        Value::Int(i64::from(tm.tm_hour)),
        Value::Int(i64::from(tm.tm_min)),
        Value::Int(i64::from(tm.tm_sec)),
        Value::Int(i64::from((tm.tm_wday + 6) % 7)),
        Value::Int(i64::from(tm.tm_yday) + 1),
        Value::Int(i64::from(tm.tm_isdst)),
    ];
    let zone = if tm.tm_zone.is_null() {
        Value::None
    } else {
        // SAFETY: a non-null tm_zone set by the C library points to a
        // NUL-terminated string that lives as long as the timezone data.
        let s = unsafe { CStr::from_ptr(tm.tm_zone) };
        vm.new_string(s.to_string_lossy().into_owned())
    };
    let gmtoff = Value::Int(tm.tm_gmtoff);
    new_struct_time(vm, ty, items, zone, gmtoff)
}

fn new_struct_time(
    vm: &mut Vm,
    ty: &PyRef,
    items: Vec<Value>,
    zone: Value,
    gmtoff: Value,
) -> Value {
    let o = vm.new_instance_of(ty, Payload::Tuple(items.into()));
    let d = vm.ensure_dict(&o);
    let k = vm.new_str("tm_zone");
    let _ = vm.dict_set_nocall(&d, k, zone);
    let k = vm.new_str("tm_gmtoff");
    let _ = vm.dict_set_nocall(&d, k, gmtoff);
    Value::Obj(o)
}

/// `_PyTime_ObjectToTime_t` with floor rounding; None is "now".
fn arg_time_t(vm: &mut Vm, v: Option<&Value>) -> PyResult<libc::time_t> {
    let overflow = |vm: &Vm| {
        vm.new_error(
            ExcKind::OverflowError,
            "timestamp out of range for platform time_t",
        )
    };
    match v {
        None | Some(Value::None) => {
            // SAFETY: time(NULL) only returns the current time.
            Ok(unsafe { libc::time(std::ptr::null_mut()) })
        }
        Some(Value::Float(f)) => {
            if f.is_nan() {
                return Err(vm.value_error("Invalid value NaN (not a number)"));
            }
            let f = f.floor();
            if !(-9.223_372_036_854_776e18..9.223_372_036_854_776e18).contains(&f) {
                return Err(overflow(vm));
            }
            Ok(f as libc::time_t)
        }
        Some(v) => {
            if let Value::Obj(o) = v {
                if let Payload::Float(f) = o.payload {
                    return arg_time_t(vm, Some(&Value::float(f)));
                }
            }
            let i = vm.index_int(v)?;
            i.to_i64().ok_or_else(|| overflow(vm))
        }
    }
}

fn os_error_errno(vm: &Vm, errno: i32) -> crate::vm::PyErr {
    let msg = std::io::Error::from_raw_os_error(errno).to_string();
    let msg = msg.split(" (os error").next().unwrap_or("").to_string();
    vm.new_error(ExcKind::OSError, format!("[Errno {errno}] {msg}"))
}

fn convert_time(vm: &mut Vm, args: Args, name: &str, local: bool) -> PyResult<Value> {
    let (m, args) = split(args);
    let a = super::parse_tuple_args(vm, name, args, 0, 1)?;
    let t = arg_time_t(vm, a.first())?;
    let mut tm = zeroed_tm();
    // SAFETY: both functions read one time_t and fill a live local `tm`.
    let ok = unsafe {
        if local {
            !libc::localtime_r(&t, &mut tm).is_null()
        } else {
            !libc::gmtime_r(&t, &mut tm).is_null()
        }
    };
    if !ok {
        return Err(os_error_errno(vm, libc::EOVERFLOW));
    }
    let ty = struct_time_type(vm, &m)?;
    Ok(tm_to_struct(vm, &ty, &tm))
}

fn time_gmtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    convert_time(vm, args, "gmtime", false)
}

fn time_localtime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    convert_time(vm, args, "localtime", true)
}

/// A C int from a tuple item (`PyArg_ParseTuple`'s "i").
fn c_int(vm: &mut Vm, v: &Value) -> PyResult<i32> {
    if matches!(v, Value::Float(_)) {
        return Err(vm.type_error("'float' object cannot be interpreted as an integer"));
    }
    let i = vm.index_int(v)?;
    match i.to_i64() {
        Some(x) if x > i64::from(i32::MAX) => Err(vm.new_error(
            ExcKind::OverflowError,
            "signed integer is greater than maximum",
        )),
        Some(x) if x < i64::from(i32::MIN) => Err(vm.new_error(
            ExcKind::OverflowError,
            "signed integer is less than minimum",
        )),
        Some(x) => Ok(x as i32),
        None => Err(vm.new_error(
            ExcKind::OverflowError,
            "Python int too large to convert to C long",
        )),
    }
}

/// A C `tm` and its zone string (kept alive while the `tm` is used).
struct TmArg {
    tm: libc::tm,
    _zone: Option<CString>,
}

/// `gettmarg`: a 9-tuple or struct_time as a C `tm`.
fn gettmarg(vm: &mut Vm, m: &Value, v: &Value, what: &str) -> PyResult<TmArg> {
    let items = match v {
        Value::Obj(o) => match &o.payload {
            Payload::Tuple(items) => items.to_vec(),
            _ => return Err(vm.type_error("Tuple or struct_time argument required")),
        },
        _ => return Err(vm.type_error("Tuple or struct_time argument required")),
    };
    if items.len() != 9 {
        return Err(vm.type_error(format!("{what}(): illegal time tuple argument")));
    }
    let mut f = [0i32; 9];
    for (slot, item) in f.iter_mut().zip(items.iter()) {
        *slot = c_int(vm, item)?;
    }
    let mut tm = zeroed_tm();
    tm.tm_year = f[0].wrapping_sub(1900);
    tm.tm_mon = f[1].wrapping_sub(1);
    tm.tm_mday = f[2];
    tm.tm_hour = f[3];
    tm.tm_min = f[4];
    tm.tm_sec = f[5];
    tm.tm_wday = (f[6].wrapping_add(1)) % 7;
    tm.tm_yday = f[7].wrapping_sub(1);
    tm.tm_isdst = f[8];
    let mut zone = None;
    let ty = struct_time_type(vm, m)?;
    if let Value::Obj(o) = v {
        if o.class_is(&ty) {
            if let Some(z) = vm.getattr_opt(v, "tm_zone")? {
                if let Some(s) = vm.as_str_obj(&z) {
                    zone = CString::new(s.as_str()).ok();
                }
            }
            if let Some(Value::Int(g)) = vm.getattr_opt(v, "tm_gmtoff")? {
                tm.tm_gmtoff = g;
            }
        }
    }
    if let Some(z) = &zone {
        tm.tm_zone = z.as_ptr();
    }
    Ok(TmArg { tm, _zone: zone })
}

/// `checktm`: the ranges strftime and asctime need.
fn checktm(vm: &Vm, tm: &mut libc::tm) -> PyResult<()> {
    if tm.tm_mon == -1 {
        tm.tm_mon = 0;
    } else if !(0..=11).contains(&tm.tm_mon) {
        return Err(vm.value_error("month out of range"));
    }
    if tm.tm_mday == 0 {
        tm.tm_mday = 1;
    } else if !(0..=31).contains(&tm.tm_mday) {
        return Err(vm.value_error("day of month out of range"));
    }
    if !(0..=23).contains(&tm.tm_hour) {
        return Err(vm.value_error("hour out of range"));
    }
    if !(0..=59).contains(&tm.tm_min) {
        return Err(vm.value_error("minute out of range"));
    }
    if !(0..=61).contains(&tm.tm_sec) {
        return Err(vm.value_error("seconds out of range"));
    }
    if tm.tm_wday < 0 {
        return Err(vm.value_error("day of week out of range"));
    }
    if tm.tm_yday == -1 {
        tm.tm_yday = 0;
    } else if !(0..=365).contains(&tm.tm_yday) {
        return Err(vm.value_error("day of year out of range"));
    }
    Ok(())
}

/// The current local time as a C `tm`.
fn now_local(vm: &mut Vm) -> PyResult<TmArg> {
    let t = arg_time_t(vm, None)?;
    let mut tm = zeroed_tm();
    // SAFETY: fills a live local `tm` from one time_t.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return Err(os_error_errno(vm, libc::EOVERFLOW));
    }
    Ok(TmArg { tm, _zone: None })
}

fn time_strftime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split(args);
    let a = super::parse_tuple_args(vm, "strftime", args, 1, 2)?;
    let Some(fmt) = vm.as_str_obj(&a[0]).map(|s| s.as_str().to_string()) else {
        return Err(vm.type_error(format!(
            "strftime() argument 1 must be str, not {}",
            vm.arg_type_name(&a[0])
        )));
    };
    let mut t = match a.get(1) {
        Some(v) => gettmarg(vm, &m, v, "strftime")?,
        None => now_local(vm)?,
    };
    checktm(vm, &mut t.tm)?;
    t.tm.tm_isdst = t.tm.tm_isdst.clamp(-1, 1);
    if fmt.contains('\0') {
        return Err(vm.value_error("embedded null character"));
    }
    let Ok(cfmt) = CString::new(fmt.as_bytes()) else {
        return Err(vm.value_error("embedded null character"));
    };
    let fmtlen = fmt.len().max(1);
    let mut size = 1024usize;
    loop {
        let mut buf = vec![0u8; size];
        // SAFETY: strftime writes at most `size` bytes into `buf`, reading
        // the NUL-terminated format and the initialised `tm` (whose zone
        // pointer, if any, is kept alive by `t`).
        let n = unsafe {
            libc::strftime(
                buf.as_mut_ptr().cast::<libc::c_char>(),
                size,
                cfmt.as_ptr(),
                &t.tm,
            )
        };
        if n > 0 || size >= 256 * fmtlen {
            buf.truncate(n);
            return Ok(vm.new_string(String::from_utf8_lossy(&buf).into_owned()));
        }
        size *= 2;
    }
}

const WDAY: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MON: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

fn asctime_text(tm: &libc::tm) -> String {
    format!(
        "{} {}{:3} {:02}:{:02}:{:02} {}",
        WDAY.get(tm.tm_wday as usize).copied().unwrap_or("???"),
        MON.get(tm.tm_mon as usize).copied().unwrap_or("???"),
        tm.tm_mday,
        tm.tm_hour,
        tm.tm_min,
        tm.tm_sec,
        1900 + i64::from(tm.tm_year)
    )
}

fn time_asctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split(args);
    let a = vm.fn_args("asctime", args, 0, 1)?;
    let mut t = match a.first() {
        Some(v) => gettmarg(vm, &m, v, "asctime")?,
        None => now_local(vm)?,
    };
    checktm(vm, &mut t.tm)?;
    Ok(vm.new_string(asctime_text(&t.tm)))
}

fn time_ctime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (_, args) = split(args);
    let a = super::parse_tuple_args(vm, "ctime", args, 0, 1)?;
    let t = arg_time_t(vm, a.first())?;
    let mut tm = zeroed_tm();
    // SAFETY: fills a live local `tm` from one time_t.
    if unsafe { libc::localtime_r(&t, &mut tm) }.is_null() {
        return Err(os_error_errno(vm, libc::EOVERFLOW));
    }
    Ok(vm.new_string(asctime_text(&tm)))
}

fn time_mktime(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split(args);
    let a = vm.fn_args("time.mktime", args, 1, 1)?;
    let mut t = gettmarg(vm, &m, &a[0], "mktime")?;
    t.tm.tm_wday = -1;
    // SAFETY: mktime normalises the live local `tm` in place.
    let r = unsafe { libc::mktime(&mut t.tm) };
    if r == -1 && t.tm.tm_wday == -1 {
        return Err(vm.new_error(ExcKind::OverflowError, "mktime argument out of range"));
    }
    Ok(Value::float(r as f64))
}

extern "C" {
    fn tzset();
}

/// CPython's `init_timezone` (the glibc branch): the zones of January and
/// July of the current year.
fn init_timezone(vm: &mut Vm, m: &PyRef) {
    const YEAR: libc::time_t = (365 * 24 + 6) * 3600;
    // SAFETY: tzset reads TZ and updates libc's timezone state; time(NULL)
    // and localtime_r fill live locals.
    let now = unsafe {
        tzset();
        libc::time(std::ptr::null_mut())
    };
    let probe = |t: libc::time_t| -> (i64, String) {
        let mut tm = zeroed_tm();
        // SAFETY: fills a live local `tm`.
        let ok = unsafe { !libc::localtime_r(&t, &mut tm).is_null() };
        if !ok || tm.tm_zone.is_null() {
            return (0, String::new());
        }
        // SAFETY: tm_zone set by localtime_r is a NUL-terminated string.
        let z = unsafe { CStr::from_ptr(tm.tm_zone) }
            .to_string_lossy()
            .into_owned();
        (-tm.tm_gmtoff, z)
    };
    let t = (now / YEAR) * YEAR;
    let (janzone, janname) = probe(t);
    let (julyzone, julyname) = probe(t + YEAR / 2);
    let (tz, alt, names) = if janzone < julyzone {
        (julyzone, janzone, (julyname, janname))
    } else {
        (janzone, julyzone, (janname, julyname))
    };
    vm.set_attr_raw(m, "timezone", Value::Int(tz));
    vm.set_attr_raw(m, "altzone", Value::Int(alt));
    vm.set_attr_raw(m, "daylight", Value::Int(i64::from(janzone != julyzone)));
    let a = vm.new_string(names.0);
    let b = vm.new_string(names.1);
    let tn = vm.new_tuple_of([a, b]);
    vm.set_attr_raw(m, "tzname", tn);
}

fn time_tzset(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let (m, args) = split(args);
    vm.fn_args("time.tzset", args, 0, 0)?;
    if let Value::Obj(mo) = &m {
        init_timezone(vm, mo);
    }
    Ok(Value::None)
}

/// A hidden field (`tm_zone`, `tm_gmtoff`): kept in the instance dict,
/// read through a read-only descriptor on the type.
fn hidden_field(vm: &mut Vm, v: &Value, name: &str) -> PyResult<Value> {
    let Value::Obj(o) = v else {
        return Ok(Value::None);
    };
    let Some(d) = o.dict() else {
        return Ok(Value::None);
    };
    let key = vm.new_str(name);
    Ok(vm.dict_get(&d, &key)?.unwrap_or(Value::None))
}

fn struct_time_tm_zone(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    hidden_field(vm, v, "tm_zone")
}

fn struct_time_tm_gmtoff(vm: &mut Vm, v: &Value) -> PyResult<Value> {
    hidden_field(vm, v, "tm_gmtoff")
}

fn struct_time_readonly(vm: &mut Vm, _v: &Value, _new: Option<Value>) -> PyResult<()> {
    Err(vm.new_error(ExcKind::AttributeError, "readonly attribute"))
}

/// `struct_time(sequence)`: a 9- to 11-sequence.
fn struct_time_new(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let cls = match args.args.first() {
        Some(Value::Obj(c)) => c.clone(),
        _ => return Err(vm.type_error("structseq.__new__(X): X is not a type object")),
    };
    let Some(seq) = args.pos().get(1) else {
        return Err(
            vm.type_error("time.struct_time() missing required argument 'sequence' (pos 1)")
        );
    };
    let items = vm.collect_iter(seq)?;
    let n = items.len();
    if n < 9 {
        return Err(vm.type_error(format!(
            "time.struct_time() takes an at least 9-sequence ({n}-sequence given)"
        )));
    }
    if n > 11 {
        return Err(vm.type_error(format!(
            "time.struct_time() takes an at most 11-sequence ({n}-sequence given)"
        )));
    }
    let zone = items.get(9).cloned().unwrap_or(Value::None);
    let gmtoff = items.get(10).cloned().unwrap_or(Value::None);
    let visible = items.into_iter().take(9).collect();
    Ok(new_struct_time(vm, &cls, visible, zone, gmtoff))
}

/// Module functions bound to the module (`self`), as CPython's are.
fn add_bound(vm: &mut Vm, m: &PyRef, funcs: &[(&'static str, NativeFn)]) {
    for (name, f) in funcs {
        let b = vm.new_obj(
            &vm.types.builtin_function,
            Payload::Builtin(Box::new(Builtin {
                name,
                guards: crate::vm::call::builtin_call_guards(name),
                func: *f,
                self_: Some(Value::Obj(m.clone())),
                owner: None,
            })),
        );
        vm.set_attr_raw(m, name, Value::Obj(b));
    }
}

pub fn install(vm: &mut Vm, m: &PyRef) -> PyResult<()> {
    let st = vm.new_structseq_type("time", "struct_time", &FIELDS, true);
    if let Some(td) = crate::objects::typeobj::type_data(&st) {
        td.flags.set(td.flags.get() | FLAG_HAS_DICT);
    }
    vm.add_type_attr(&st, "n_fields", Value::Int(11));
    vm.add_staticmethods(&st, &[("__new__", struct_time_new)]);
    vm.add_getsets(
        &st,
        &[
            ("tm_zone", struct_time_tm_zone, Some(struct_time_readonly)),
            (
                "tm_gmtoff",
                struct_time_tm_gmtoff,
                Some(struct_time_readonly),
            ),
        ],
    );
    vm.set_attr_raw(m, "struct_time", Value::Obj(st));
    add_bound(
        vm,
        m,
        &[
            ("gmtime", time_gmtime),
            ("localtime", time_localtime),
            ("mktime", time_mktime),
            ("strftime", time_strftime),
            ("asctime", time_asctime),
            ("ctime", time_ctime),
            ("tzset", time_tzset),
        ],
    );
    init_timezone(vm, m);
    Ok(())
}
