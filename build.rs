//! Link the `pycvm` executable as a position-dependent (non-PIE) binary on
//! Linux: a PIE of this size carries ~20,000 relative relocations that the
//! dynamic loader applies at every start (dirtying ~350 KB of
//! `.data.rel.ro` and reading ~500 KB of `.rela.dyn`), measured as about a
//! tenth of `pycvm run empty.pyc`. Only the binaries are affected; the
//! library and test harnesses link as before.

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let sanitized = std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("sanitizer"));
    if os == "linux" && env == "gnu" && !sanitized {
        println!("cargo:rustc-link-arg-bins=-no-pie");
    }
}
