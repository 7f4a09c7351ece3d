//! Linking choices that shorten every start of `pycvm` on Linux (glibc):
//!
//! - The executable is position-dependent (non-PIE): a PIE of this size
//!   carries ~20,000 relative relocations that the dynamic loader applies
//!   at every start (dirtying ~350 KB of `.data.rel.ro` and reading ~500 KB
//!   of `.rela.dyn`), measured as about a tenth of `pycvm run empty.pyc`.
//!   Only the binaries are affected.
//! - Fewer shared libraries to load (each costs the loader's open, maps,
//!   relocations and page faults, ~45 us a start): the unwinder comes from
//!   libgcc's static archive (no `libgcc_s`, whose `__cpu_indicator_init`
//!   constructor runs slow `cpuid`s under a VM, ~0.1 ms), and zlib and
//!   liblzma from the system's static archives when the C compiler finds
//!   them: the very libraries the `-sys` crates would load, same version
//!   and code, so `zlib.ZLIB_VERSION` and compressed bytes are unchanged.
//!   They are named on the library crate, so they come on the link line
//!   before the `-lgcc_s`/`-lz`/`-llzma` that std and the `-sys` crates ask
//!   for, which `--as-needed` then drops. Test harnesses link them too.
//! - The functions typical runs execute come first in the text, in a
//!   `.text.hot` section (scripts/hot_text.ld, made by
//!   scripts/gen_hot_text.py from callgrind profiles): the kernel maps a
//!   binary's text in 64 KB windows around each page run, and these ~2,300
//!   functions were spread over 8 MB. Peak RSS of `pycvm run empty.pyc`
//!   11.0 -> 8.7 MB. Only the binaries are affected.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let os = std::env::var("CARGO_CFG_TARGET_OS").unwrap_or_default();
    let env = std::env::var("CARGO_CFG_TARGET_ENV").unwrap_or_default();
    let sanitized = std::env::var("CARGO_ENCODED_RUSTFLAGS").is_ok_and(|f| f.contains("sanitizer"));
    if os == "linux" && env == "gnu" && !sanitized {
        println!("cargo:rustc-link-arg-bins=-no-pie");
        // The functions a run executes first in the text (scripts/gen_hot_text.py):
        // the kernel maps text in 64 KB windows, so grouped they cost less RSS.
        let hot = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap_or_default())
            .join("scripts/hot_text.ld");
        println!("cargo:rerun-if-changed={}", hot.display());
        if hot.is_file() {
            println!("cargo:rustc-link-arg-bins=-Wl,-T,{}", hot.display());
        }
        println!("cargo:rustc-link-lib=static:-bundle=gcc_eh");
        for lib in ["z", "lzma"] {
            if let Some(archive) = static_archive(&format!("lib{lib}.a")) {
                if let Some(dir) = archive.parent() {
                    println!("cargo:rustc-link-search=native={}", dir.display());
                    println!("cargo:rustc-link-lib=static:-bundle,+verbatim=lib{lib}.a");
                }
            }
        }
    }
}

/// Where the C compiler (the linker driver) finds a static archive:
/// `cc -print-file-name=NAME` prints a full path only when it exists.
fn static_archive(name: &str) -> Option<PathBuf> {
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".to_string());
    let out = std::process::Command::new(cc)
        .arg(format!("-print-file-name={name}"))
        .output()
        .ok()?;
    let path = PathBuf::from(String::from_utf8(out.stdout).ok()?.trim());
    (out.status.success() && path.is_absolute() && path.is_file()).then_some(path)
}
