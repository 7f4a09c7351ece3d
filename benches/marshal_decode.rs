//! Decode speed of the marshal reader over every .pyc body of the installed
//! CPython 3.11 standard library (the same files tests/marshal.rs checks;
//! scripts/bench_marshal.py times CPython's own `marshal.loads` the same
//! way). Run: `cargo bench --bench marshal_decode`.
//!
//! Method: all bodies are read into memory first; one warm-up pass, then
//! ROUNDS passes, each decoding every body once (and dropping the result,
//! as CPython's timing frees its objects too). Prints the best and the
//! mean pass as MB/s (10^6 bytes of body per second) and files/s, then the
//! same for the writer.

use std::time::{Duration, Instant};

use pycvm::pyc::marshal::{dumps, loads};

const ROUNDS: usize = 10;

/// mimalloc: measured faster than glibc malloc for pycvm's many small
/// objects (marshal decoding allocates two blocks per object).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn report(what: &str, times: &[Duration], bytes: usize, files: usize) {
    let best = times
        .iter()
        .min()
        .copied()
        .unwrap_or_default()
        .as_secs_f64();
    let mean = times.iter().map(Duration::as_secs_f64).sum::<f64>() / times.len() as f64;
    println!(
        "{what}: best {:.1} MB/s ({:.0} files/s, {:.2} ms/pass), mean {:.1} MB/s",
        bytes as f64 / best / 1e6,
        files as f64 / best,
        best * 1e3,
        bytes as f64 / mean / 1e6,
    );
}

fn main() {
    let Some(dir) = pycvm::import::stdlib::find_stdlib(None).found else {
        println!("SKIPPED: no CPython 3.11 stdlib found");
        return;
    };
    let paths = pycvm::import::stdlib::stdlib_pycs(&dir);
    let bodies: Vec<Vec<u8>> = paths
        .iter()
        .filter_map(|p| std::fs::read(p).ok())
        .filter_map(|d| d.get(16..).map(<[u8]>::to_vec))
        .collect();
    let bytes: usize = bodies.iter().map(Vec::len).sum();
    println!(
        "{} .pyc bodies, {bytes} bytes, from {}",
        bodies.len(),
        dir.display()
    );

    let mut objs = Vec::with_capacity(bodies.len());
    for b in &bodies {
        match loads(b) {
            Ok(o) => objs.push(o),
            Err(e) => println!("decode error: {e}"),
        }
    }
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for b in &bodies {
            let obj = loads(std::hint::black_box(b));
            drop(std::hint::black_box(obj));
        }
        times.push(t.elapsed());
    }
    report("pycvm marshal::loads", &times, bytes, bodies.len());
    {
        let (mut t_dec, mut t_drop) = (Vec::new(), Vec::new());
        for _ in 0..ROUNDS {
            let t = Instant::now();
            let kept: Vec<_> = bodies.iter().map(|b| loads(b)).collect();
            t_dec.push(t.elapsed());
            let t = Instant::now();
            drop(kept);
            t_drop.push(t.elapsed());
        }
        report("  decode, results kept alive", &t_dec, bytes, bodies.len());
        report("  then dropping them", &t_drop, bytes, bodies.len());
    }

    // `cargo bench --bench marshal_decode -- loads` times the reader only.
    if std::env::args().any(|a| a == "loads") {
        return;
    }
    let mut times = Vec::new();
    for _ in 0..ROUNDS {
        let t = Instant::now();
        for o in &objs {
            let out = dumps(std::hint::black_box(o));
            drop(std::hint::black_box(out));
        }
        times.push(t.elapsed());
    }
    report("pycvm marshal::dumps", &times, bytes, objs.len());
}
