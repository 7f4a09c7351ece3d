//! The `_stat` module: file mode constants, the `S_IS*` tests,
//! `S_IMODE`/`S_IFMT` and `filemode` (what `stat.py` imports).

use crate::objects::function::{Args, NativeFn};
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

use super::os_consts;
use super::posix::util::int_arg;

fn mode_arg(vm: &mut Vm, args: Args, name: &str) -> PyResult<u32> {
    let a = vm.fn_args(name, args, 1, 1)?;
    if matches!(a[0], Value::Float(_)) || vm.index_value(&a[0])?.is_none() {
        return Err(vm.type_error("an integer is required"));
    }
    let m = int_arg(vm, &a[0])?;
    u32::try_from(m).map_err(|_| {
        vm.overflow_error(if m < 0 {
            "mode out of range"
        } else {
            "Python int too large to convert to C unsigned long"
        })
    })
}

const S_IFMT: u32 = 0o170000;

macro_rules! s_is {
    ($($f:ident => $name:expr, $bits:expr),*) => {
        $(
            #[doc = concat!("`_stat.", $name, "(mode)`.")]
            fn $f(vm: &mut Vm, args: Args) -> PyResult<Value> {
                let m = mode_arg(vm, args, $name)?;
                let want: u32 = $bits;
                Ok(Value::bool(want != 0 && m & S_IFMT == want))
            }
        )*
    };
}
s_is!(
    stat_s_isdir => "S_ISDIR", 0o040000,
    stat_s_ischr => "S_ISCHR", 0o020000,
    stat_s_isblk => "S_ISBLK", 0o060000,
    stat_s_isreg => "S_ISREG", 0o100000,
    stat_s_isfifo => "S_ISFIFO", 0o010000,
    stat_s_islnk => "S_ISLNK", 0o120000,
    stat_s_issock => "S_ISSOCK", 0o140000,
    stat_s_isdoor => "S_ISDOOR", 0,
    stat_s_isport => "S_ISPORT", 0,
    stat_s_iswht => "S_ISWHT", 0
);

/// `_stat.S_IMODE(mode)`.
fn stat_s_imode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mode_arg(vm, args, "S_IMODE")?;
    Ok(Value::Int(i64::from(m & 0o7777)))
}

/// `_stat.S_IFMT(mode)`.
fn stat_s_ifmt(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mode_arg(vm, args, "S_IFMT")?;
    Ok(Value::Int(i64::from(m & S_IFMT)))
}

/// `_stat.filemode(mode)`: `'-rwxr-xr-x'`.
fn stat_filemode(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let m = mode_arg(vm, args, "filemode")?;
    let kind = match m & S_IFMT {
        0o040000 => 'd',
        0o020000 => 'c',
        0o060000 => 'b',
        0o100000 => '-',
        0o010000 => 'p',
        0o120000 => 'l',
        0o140000 => 's',
        _ => '?',
    };
    let mut s = String::with_capacity(10);
    s.push(kind);
    let bit = |b: u32, c: char| if m & b != 0 { c } else { '-' };
    s.push(bit(0o400, 'r'));
    s.push(bit(0o200, 'w'));
    s.push(match (m & 0o100 != 0, m & 0o4000 != 0) {
        (true, true) => 's',
        (false, true) => 'S',
        (true, false) => 'x',
        _ => '-',
    });
    s.push(bit(0o040, 'r'));
    s.push(bit(0o020, 'w'));
    s.push(match (m & 0o010 != 0, m & 0o2000 != 0) {
        (true, true) => 's',
        (false, true) => 'S',
        (true, false) => 'x',
        _ => '-',
    });
    s.push(bit(0o004, 'r'));
    s.push(bit(0o002, 'w'));
    s.push(match (m & 0o001 != 0, m & 0o1000 != 0) {
        (true, true) => 't',
        (false, true) => 'T',
        (true, false) => 'x',
        _ => '-',
    });
    Ok(vm.new_string(s))
}

const FUNCS: &[(&str, NativeFn)] = &[
    ("S_IFMT", stat_s_ifmt),
    ("S_IMODE", stat_s_imode),
    ("S_ISBLK", stat_s_isblk),
    ("S_ISCHR", stat_s_ischr),
    ("S_ISDIR", stat_s_isdir),
    ("S_ISDOOR", stat_s_isdoor),
    ("S_ISFIFO", stat_s_isfifo),
    ("S_ISLNK", stat_s_islnk),
    ("S_ISPORT", stat_s_isport),
    ("S_ISREG", stat_s_isreg),
    ("S_ISSOCK", stat_s_issock),
    ("S_ISWHT", stat_s_iswht),
    ("filemode", stat_filemode),
];

/// Build the `_stat` module.
pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_stat");
    for (name, v) in os_consts::STAT {
        vm.set_attr_raw(&m, name, Value::Int(*v));
    }
    vm.add_functions(&m, FUNCS);
    Ok(m)
}
