//! The special-value tables of `cmath` (C99 Annex G), indexed by the
//! kinds of the real and imaginary parts; transcribed from CPython 3.11's
//! Modules/cmathmodule.c.

use super::{C, INF, N, P, P12, P14, P34, U};

#[rustfmt::skip]
pub const ACOS: [[C; 7]; 7] = [
    [C(P34, INF), C(P, INF), C(P, INF), C(P, -INF), C(P, -INF), C(P34, -INF), C(N, INF)],
    [C(P12, INF), C(U, U), C(U, U), C(U, U), C(U, U), C(P12, -INF), C(N, N)],
    [C(P12, INF), C(U, U), C(P12, 0.0), C(P12, -0.0), C(U, U), C(P12, -INF), C(P12, N)],
    [C(P12, INF), C(U, U), C(P12, 0.0), C(P12, -0.0), C(U, U), C(P12, -INF), C(P12, N)],
    [C(P12, INF), C(U, U), C(U, U), C(U, U), C(U, U), C(P12, -INF), C(N, N)],
    [C(P14, INF), C(0.0, INF), C(0.0, INF), C(0.0, -INF), C(0.0, -INF), C(P14, -INF), C(N, INF)],
    [C(N, INF), C(N, N), C(N, N), C(N, N), C(N, N), C(N, -INF), C(N, N)],
];

#[rustfmt::skip]
pub const ACOSH: [[C; 7]; 7] = [
    [C(INF, -P34), C(INF, -P), C(INF, -P), C(INF, P), C(INF, P), C(INF, P34), C(INF, N)],
    [C(INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(0.0, -P12), C(0.0, P12), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(0.0, -P12), C(0.0, P12), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P14), C(INF, -0.0), C(INF, -0.0), C(INF, 0.0), C(INF, 0.0), C(INF, P14), C(INF, N)],
    [C(INF, N), C(N, N), C(N, N), C(N, N), C(N, N), C(INF, N), C(N, N)],
];

#[rustfmt::skip]
pub const ASINH: [[C; 7]; 7] = [
    [C(-INF, -P14), C(-INF, -0.0), C(-INF, -0.0), C(-INF, 0.0), C(-INF, 0.0), C(-INF, P14), C(-INF, N)],
    [C(-INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(-INF, P12), C(N, N)],
    [C(-INF, -P12), C(U, U), C(-0.0, -0.0), C(-0.0, 0.0), C(U, U), C(-INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P14), C(INF, -0.0), C(INF, -0.0), C(INF, 0.0), C(INF, 0.0), C(INF, P14), C(INF, N)],
    [C(INF, N), C(N, N), C(N, -0.0), C(N, 0.0), C(N, N), C(INF, N), C(N, N)],
];

#[rustfmt::skip]
pub const ATANH: [[C; 7]; 7] = [
    [C(-0.0, -P12), C(-0.0, -P12), C(-0.0, -P12), C(-0.0, P12), C(-0.0, P12), C(-0.0, P12), C(-0.0, N)],
    [C(-0.0, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(-0.0, P12), C(N, N)],
    [C(-0.0, -P12), C(U, U), C(-0.0, -0.0), C(-0.0, 0.0), C(U, U), C(-0.0, P12), C(-0.0, N)],
    [C(0.0, -P12), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(0.0, P12), C(0.0, N)],
    [C(0.0, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(0.0, P12), C(N, N)],
    [C(0.0, -P12), C(0.0, -P12), C(0.0, -P12), C(0.0, P12), C(0.0, P12), C(0.0, P12), C(0.0, N)],
    [C(0.0, -P12), C(N, N), C(N, N), C(N, N), C(N, N), C(0.0, P12), C(N, N)],
];

#[rustfmt::skip]
pub const COSH: [[C; 7]; 7] = [
    [C(INF, N), C(U, U), C(INF, 0.0), C(INF, -0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(N, 0.0), C(U, U), C(1.0, 0.0), C(1.0, -0.0), C(U, U), C(N, 0.0), C(N, 0.0)],
    [C(N, 0.0), C(U, U), C(1.0, -0.0), C(1.0, 0.0), C(U, U), C(N, 0.0), C(N, 0.0)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(INF, N), C(U, U), C(INF, -0.0), C(INF, 0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(N, N), C(N, 0.0), C(N, 0.0), C(N, N), C(N, N), C(N, N)],
];

#[rustfmt::skip]
pub const EXP: [[C; 7]; 7] = [
    [C(0.0, 0.0), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(0.0, 0.0), C(0.0, 0.0)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(1.0, -0.0), C(1.0, 0.0), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(1.0, -0.0), C(1.0, 0.0), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(INF, N), C(U, U), C(INF, -0.0), C(INF, 0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(N, N), C(N, -0.0), C(N, 0.0), C(N, N), C(N, N), C(N, N)],
];

#[rustfmt::skip]
pub const LOG: [[C; 7]; 7] = [
    [C(INF, -P34), C(INF, -P), C(INF, -P), C(INF, P), C(INF, P), C(INF, P34), C(INF, N)],
    [C(INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(-INF, -P), C(-INF, P), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(-INF, -0.0), C(-INF, 0.0), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P12), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, P12), C(N, N)],
    [C(INF, -P14), C(INF, -0.0), C(INF, -0.0), C(INF, 0.0), C(INF, 0.0), C(INF, P14), C(INF, N)],
    [C(INF, N), C(N, N), C(N, N), C(N, N), C(N, N), C(INF, N), C(N, N)],
];

#[rustfmt::skip]
pub const SINH: [[C; 7]; 7] = [
    [C(INF, N), C(U, U), C(-INF, -0.0), C(-INF, 0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(0.0, N), C(U, U), C(-0.0, -0.0), C(-0.0, 0.0), C(U, U), C(0.0, N), C(0.0, N)],
    [C(0.0, N), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(0.0, N), C(0.0, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(INF, N), C(U, U), C(INF, -0.0), C(INF, 0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(N, N), C(N, -0.0), C(N, 0.0), C(N, N), C(N, N), C(N, N)],
];

#[rustfmt::skip]
pub const SQRT: [[C; 7]; 7] = [
    [C(INF, -INF), C(0.0, -INF), C(0.0, -INF), C(0.0, INF), C(0.0, INF), C(INF, INF), C(N, INF)],
    [C(INF, -INF), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, INF), C(N, N)],
    [C(INF, -INF), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(INF, INF), C(N, N)],
    [C(INF, -INF), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(INF, INF), C(N, N)],
    [C(INF, -INF), C(U, U), C(U, U), C(U, U), C(U, U), C(INF, INF), C(N, N)],
    [C(INF, -INF), C(INF, -0.0), C(INF, -0.0), C(INF, 0.0), C(INF, 0.0), C(INF, INF), C(INF, N)],
    [C(INF, -INF), C(N, N), C(N, N), C(N, N), C(N, N), C(INF, INF), C(N, N)],
];

#[rustfmt::skip]
pub const TANH: [[C; 7]; 7] = [
    [C(-1.0, 0.0), C(U, U), C(-1.0, -0.0), C(-1.0, 0.0), C(U, U), C(-1.0, 0.0), C(-1.0, 0.0)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(-0.0, -0.0), C(-0.0, 0.0), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(N, N), C(N, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(1.0, 0.0), C(U, U), C(1.0, -0.0), C(1.0, 0.0), C(U, U), C(1.0, 0.0), C(1.0, 0.0)],
    [C(N, N), C(N, N), C(N, -0.0), C(N, 0.0), C(N, N), C(N, N), C(N, N)],
];

#[rustfmt::skip]
pub const RECT: [[C; 7]; 7] = [
    [C(INF, N), C(U, U), C(-INF, 0.0), C(-INF, -0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(0.0, 0.0), C(U, U), C(-0.0, 0.0), C(-0.0, -0.0), C(U, U), C(0.0, 0.0), C(0.0, 0.0)],
    [C(0.0, 0.0), C(U, U), C(0.0, -0.0), C(0.0, 0.0), C(U, U), C(0.0, 0.0), C(0.0, 0.0)],
    [C(N, N), C(U, U), C(U, U), C(U, U), C(U, U), C(N, N), C(N, N)],
    [C(INF, N), C(U, U), C(INF, -0.0), C(INF, 0.0), C(U, U), C(INF, N), C(INF, N)],
    [C(N, N), C(N, N), C(N, 0.0), C(N, 0.0), C(N, N), C(N, N), C(N, N)],
];
