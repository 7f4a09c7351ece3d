//! The `_statistics` module (Modules/_statisticsmodule.c):
//! `_normal_dist_inv_cdf`, Wichura's algorithm AS 241 with CPython's
//! exact coefficients and evaluation order.

use super::math::arg_f64;
use crate::objects::function::Args;
use crate::vm::value::{PyRef, Value};
use crate::vm::{PyResult, Vm};

/// The inverse of the normal CDF at `p` for mean `mu`, deviation `sigma`.
// The coefficients are CPython's digits verbatim, for comparison.
#[allow(clippy::excessive_precision)]
pub fn normal_dist_inv_cdf(p: f64, mu: f64, sigma: f64) -> f64 {
    let q = p - 0.5;
    if q.abs() <= 0.425 {
        let r = 0.180625 - q * q;
        let num = (((((((2.509_080_928_730_122_672_7e+3 * r + 3.343_057_558_358_812_810_5e+4)
            * r
            + 6.726_577_092_700_870_085_3e+4)
            * r
            + 4.592_195_393_154_987_145_7e+4)
            * r
            + 1.373_169_376_550_946_112_5e+4)
            * r
            + 1.971_590_950_306_551_442_7e+3)
            * r
            + 1.331_416_678_917_843_774_5e+2)
            * r
            + 3.387_132_872_796_366_608_0e+0)
            * q;
        let den = ((((((5.226_495_278_852_854_561_0e+3 * r + 2.872_908_573_572_194_267_4e+4)
            * r
            + 3.930_789_580_009_271_061_0e+4)
            * r
            + 2.121_379_430_158_659_586_7e+4)
            * r
            + 5.394_196_021_424_751_107_7e+3)
            * r
            + 6.871_870_074_920_579_083_0e+2)
            * r
            + 4.231_333_070_160_091_125_2e+1)
            * r
            + 1.0;
        let x = num / den;
        return mu + (x * sigma);
    }
    let r = if q <= 0.0 { p } else { 1.0 - p };
    let mut r = (-r.ln()).sqrt();
    let (num, den);
    if r <= 5.0 {
        r -= 1.6;
        num = ((((((7.745_450_142_783_414_076_40e-4 * r + 2.272_384_498_926_918_458_33e-2) * r
            + 2.417_807_251_774_506_117_70e-1)
            * r
            + 1.270_458_252_452_368_382_58e+0)
            * r
            + 3.647_848_324_763_204_605_04e+0)
            * r
            + 5.769_497_221_460_691_405_50e+0)
            * r
            + 4.630_337_846_156_545_295_90e+0)
            * r
            + 1.423_437_110_749_683_577_34e+0;
        den = ((((((1.050_750_071_644_416_843_24e-9 * r + 5.475_938_084_995_344_946_00e-4) * r
            + 1.519_866_656_361_645_719_66e-2)
            * r
            + 1.481_039_764_274_800_745_90e-1)
            * r
            + 6.897_673_349_851_000_045_50e-1)
            * r
            + 1.676_384_830_183_803_849_40e+0)
            * r
            + 2.053_191_626_637_758_821_87e+0)
            * r
            + 1.0;
    } else {
        r -= 5.0;
        num = ((((((2.010_334_399_292_288_132_65e-7 * r + 2.711_555_568_743_487_578_15e-5) * r
            + 1.242_660_947_388_078_438_60e-3)
            * r
            + 2.653_218_952_657_612_309_30e-2)
            * r
            + 2.965_605_718_285_048_912_30e-1)
            * r
            + 1.784_826_539_917_291_335_80e+0)
            * r
            + 5.463_784_911_164_114_369_90e+0)
            * r
            + 6.657_904_643_501_103_777_20e+0;
        den = ((((((2.044_263_103_389_939_785_64e-15 * r + 1.421_511_758_316_445_888_70e-7)
            * r
            + 1.846_318_317_510_054_681_80e-5)
            * r
            + 7.868_691_311_456_132_591_00e-4)
            * r
            + 1.487_536_129_085_061_485_25e-2)
            * r
            + 1.369_298_809_227_358_053_10e-1)
            * r
            + 5.998_322_065_558_879_376_90e-1)
            * r
            + 1.0;
    }
    let mut x = num / den;
    if q < 0.0 {
        x = -x;
    }
    mu + (x * sigma)
}

fn statistics_normal_dist_inv_cdf(vm: &mut Vm, args: Args) -> PyResult<Value> {
    let a = vm.fn_args("_statistics._normal_dist_inv_cdf", args, 3, 3)?;
    let p = arg_f64(vm, &a[0])?;
    let mu = arg_f64(vm, &a[1])?;
    let sigma = arg_f64(vm, &a[2])?;
    if p <= 0.0 || p >= 1.0 || sigma <= 0.0 {
        return Err(vm.value_error("inv_cdf undefined for these parameters"));
    }
    Ok(Value::float(normal_dist_inv_cdf(p, mu, sigma)))
}

pub fn init(vm: &mut Vm) -> PyResult<PyRef> {
    let m = vm.new_module("_statistics");
    vm.add_functions(
        &m,
        &[("_normal_dist_inv_cdf", statistics_normal_dist_inv_cdf)],
    );
    let doc = vm.new_str("Accelerators for the statistics module.\n");
    vm.set_attr_raw(&m, "__doc__", doc);
    Ok(m)
}
