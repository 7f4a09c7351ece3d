//! `pycvm run` on the system allocator, for heap profilers that trace
//! malloc (heaptrack, valgrind's massif/dhat): the `pycvm` binary's
//! mimalloc maps its own memory, which they cannot see.
//!
//! ```text
//! CARGO_TARGET_DIR=/work/target-mem cargo build --release --example memprobe
//! heaptrack /work/target-mem/release/examples/memprobe PROGRAM.pyc [ARGS...]
//! ```

fn main() {
    let mut args = std::env::args().skip(1);
    let Some(path) = args.next() else {
        eprintln!("usage: memprobe PROGRAM.pyc [ARGS...]");
        std::process::exit(2);
    };
    let code = match pycvm::vm::run::run_file(&path, args.collect()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("memprobe: {e}");
            2
        }
    };
    std::process::exit(code);
}
