//! `complex` arithmetic (Objects/complexobject.c): `_Py_c_sum`, `_diff`,
//! `_prod`, `_quot`, `_pow`, `c_powi`, `_Py_c_abs`, with CPython 3.11's
//! errno-driven errors.

use super::NumError;

/// A complex number `re + im*j`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Complex {
    pub re: f64,
    pub im: f64,
}

impl Complex {
    pub fn new(re: f64, im: f64) -> Complex {
        Complex { re, im }
    }
}

const ONE: Complex = Complex { re: 1.0, im: 0.0 };

/// What `errno` would hold after a C complex routine.
#[derive(PartialEq)]
enum Errno {
    None,
    Dom,
}

pub fn complex_add(a: Complex, b: Complex) -> Complex {
    Complex::new(a.re + b.re, a.im + b.im)
}

pub fn complex_sub(a: Complex, b: Complex) -> Complex {
    Complex::new(a.re - b.re, a.im - b.im)
}

pub fn complex_neg(a: Complex) -> Complex {
    Complex::new(-a.re, -a.im)
}

pub fn complex_mul(a: Complex, b: Complex) -> Complex {
    Complex::new(a.re * b.re - a.im * b.im, a.re * b.im + a.im * b.re)
}

/// `_Py_c_quot` (Smith's algorithm); `Errno::Dom` for a zero divisor.
fn quot(a: Complex, b: Complex, errno: &mut Errno) -> Complex {
    let abs_bre = b.re.abs();
    let abs_bim = b.im.abs();
    if abs_bre >= abs_bim {
        if abs_bre == 0.0 {
            *errno = Errno::Dom;
            Complex::new(0.0, 0.0)
        } else {
            let ratio = b.im / b.re;
            let denom = b.re + b.im * ratio;
            Complex::new((a.re + a.im * ratio) / denom, (a.im - a.re * ratio) / denom)
        }
    } else if abs_bim >= abs_bre {
        let ratio = b.re / b.im;
        let denom = b.re * ratio + b.im;
        Complex::new((a.re * ratio + a.im) / denom, (a.im * ratio - a.re) / denom)
    } else {
        Complex::new(f64::NAN, f64::NAN)
    }
}

/// `a / b`: ZeroDivisionError `complex division by zero`.
pub fn complex_div(a: Complex, b: Complex) -> Result<Complex, NumError> {
    let mut errno = Errno::None;
    let r = quot(a, b, &mut errno);
    if errno == Errno::Dom {
        return Err(NumError::zero_div("complex division by zero"));
    }
    Ok(r)
}

/// `_Py_c_pow`.
fn c_pow(a: Complex, b: Complex, errno: &mut Errno) -> Complex {
    if b.re == 0.0 && b.im == 0.0 {
        return ONE;
    }
    if a.re == 0.0 && a.im == 0.0 {
        if b.im != 0.0 || b.re < 0.0 {
            *errno = Errno::Dom;
        }
        return Complex::new(0.0, 0.0);
    }
    let vabs = a.re.hypot(a.im);
    let mut len = vabs.powf(b.re);
    let at = a.im.atan2(a.re);
    let mut phase = at * b.re;
    if b.im != 0.0 {
        len /= (at * b.im).exp();
        phase += b.im * vabs.ln();
    }
    // libm's cos/sin of an infinity set errno to EDOM, which CPython
    // reports as the zero-power error.
    if phase.is_infinite() {
        *errno = Errno::Dom;
    }
    Complex::new(len * phase.cos(), len * phase.sin())
}

/// `c_powu`: square and multiply for `n >= 0`.
fn c_powu(x: Complex, n: i64) -> Complex {
    let mut r = ONE;
    let mut p = x;
    let mut mask: i64 = 1;
    while mask > 0 && n >= mask {
        if n & mask != 0 {
            r = complex_mul(r, p);
        }
        mask <<= 1;
        p = complex_mul(p, p);
    }
    r
}

fn c_powi(x: Complex, n: i64, errno: &mut Errno) -> Complex {
    if n > 0 {
        c_powu(x, n)
    } else {
        quot(ONE, c_powu(x, -n), errno)
    }
}

/// `a ** b` (`complex_pow`): integral exponents up to 100 in size use
/// repeated multiplication; ZeroDivisionError `0.0 to a negative or
/// complex power`; OverflowError `complex exponentiation` when a part of
/// the result is infinite.
pub fn complex_pow(a: Complex, b: Complex) -> Result<Complex, NumError> {
    let mut errno = Errno::None;
    let p = if b.im == 0.0 && b.re == b.re.floor() && b.re.abs() <= 100.0 {
        c_powi(a, b.re as i64, &mut errno)
    } else {
        c_pow(a, b, &mut errno)
    };
    if errno == Errno::Dom {
        return Err(NumError::zero_div("0.0 to a negative or complex power"));
    }
    if p.re.is_infinite() || p.im.is_infinite() {
        return Err(NumError::overflow("complex exponentiation"));
    }
    Ok(p)
}

/// `abs(z)`: OverflowError `absolute value too large` when finite parts
/// overflow.
pub fn complex_abs(z: Complex) -> Result<f64, NumError> {
    if !z.re.is_finite() || !z.im.is_finite() {
        if z.re.is_infinite() {
            return Ok(z.re.abs());
        }
        if z.im.is_infinite() {
            return Ok(z.im.abs());
        }
        return Ok(f64::NAN);
    }
    let r = z.re.hypot(z.im);
    if !r.is_finite() {
        return Err(NumError::overflow("absolute value too large"));
    }
    Ok(r)
}

/// `a == b` for two complex numbers. (A complex equals an int when its
/// imaginary part is 0 and [`super::eq_int_float`] holds for the real part.)
pub fn complex_eq(a: Complex, b: Complex) -> bool {
    a.re == b.re && a.im == b.im
}
