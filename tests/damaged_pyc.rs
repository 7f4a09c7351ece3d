//! Damaged .pyc files given to the whole pipeline (header, marshal, code
//! views, disassembler) and to the `dis` and `inspect` commands: every one
//! ends in a clear error or a disassembly, never a panic or a hang.

use std::path::{Path, PathBuf};
use std::process::Command;

use pycvm::pyc::dis::{self, DisOptions};
use pycvm::pyc::{load_pyc, Obj};

fn fixture_pycs() -> Vec<PathBuf> {
    let mut out: Vec<PathBuf> = std::fs::read_dir("fixtures/dis")
        .expect("fixtures/dis")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pyc"))
        .collect();
    out.sort();
    out
}

/// Everything a user can ask of a loaded file.
fn exercise(code: &Obj) {
    let co = code.as_code().expect("load_pyc returns a code object");
    for c in dis::all_code_objects(co) {
        let _ = c.lines();
        let _ = c.positions();
        let _ = c.exception_table();
    }
    for (show_caches, positions) in [(false, false), (true, true)] {
        let _ = dis::dis(
            co,
            DisOptions {
                show_caches,
                positions,
            },
        );
    }
}

/// A small deterministic generator (xorshift64*).
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
}

#[test]
fn damaged_pycs_through_the_whole_pipeline() {
    let mut rng = Rng(0x9E37_79B9_7F4A_7C15);
    let (mut loaded, mut refused) = (0usize, 0usize);
    // big.pyc (170 KB, jumps past 65535) takes long to disassemble in a
    // debug build: it gets its own, smaller share of variants.
    for path in fixture_pycs() {
        let good = std::fs::read(&path).unwrap();
        let share = if good.len() > 50_000 { 10 } else { 1 };
        let (_, code) = load_pyc(&good).expect("fixture loads");
        exercise(&code);
        let mut variants: Vec<Vec<u8>> = Vec::new();
        // Truncations at spread-out offsets.
        let step = (good.len() * share / 300).max(1);
        for cut in (0..good.len()).step_by(step) {
            variants.push(good[..cut].to_vec());
        }
        // Single flipped bytes, and random multi-byte damage (which mostly
        // lands in code bytes, names and tables that still decode).
        for _ in 0..400 / share {
            let mut v = good.clone();
            let i = rng.below(v.len());
            v[i] ^= 1 << rng.below(8);
            variants.push(v);
        }
        for _ in 0..200 / share {
            let mut v = good.clone();
            for _ in 0..1 + rng.below(8) {
                let i = rng.below(v.len());
                v[i] = rng.next() as u8;
            }
            variants.push(v);
        }
        for v in &variants {
            match load_pyc(v) {
                Ok((_, code)) => {
                    exercise(&code);
                    loaded += 1;
                }
                Err(e) => {
                    assert!(e.offset() <= v.len() + 16, "{e} beyond the file");
                    assert!(!e.to_string().is_empty());
                    refused += 1;
                }
            }
        }
    }
    println!(
        "damaged pycs: {loaded} still loaded and disassembled, {refused} refused with an error"
    );
    assert!(loaded + refused > 3500, "thousands of damaged files");
    assert!(loaded > 0 && refused > 0);
}

fn pycvm(args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pycvm"))
        .args(args)
        .output()
        .expect("run pycvm")
}

#[test]
fn commands_give_one_clear_line_for_damaged_files() {
    let dir = std::env::temp_dir().join(format!("pycvm-damaged-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let good = std::fs::read("fixtures/dis/basics.pyc").unwrap();
    let mut cases: Vec<(&str, Vec<u8>)> = vec![
        ("empty", vec![]),
        ("truncated-header", good[..10].to_vec()),
        ("truncated-body", good[..good.len() / 2].to_vec()),
        (
            "unknown-magic",
            [&[0x39, 0x30, 0x0d, 0x0a][..], &good[4..]].concat(),
        ),
    ];
    let mut huge = good.clone();
    // The module code object's `co_code` length field: 16 (header) + 1
    // ('c' | flag) + 5 * 4 (argcounts, stacksize, flags) + 1 ('s') = byte 38.
    huge[38..42].copy_from_slice(&0x7fff_ffffu32.to_le_bytes());
    cases.push(("huge-length", huge));
    let mut deep = good[..16].to_vec();
    deep.extend(std::iter::repeat_n(b')', 200_000).flat_map(|t| [t, 1]));
    cases.push(("deep-nest", deep));
    let mut dangling = good[..16].to_vec();
    dangling.extend([b'r', 0xff, 0, 0, 0]);
    cases.push(("dangling-ref", dangling));

    for (name, bytes) in &cases {
        let path = dir.join(format!("{name}.pyc"));
        std::fs::write(&path, bytes).unwrap();
        let p = path.to_str().unwrap();
        for cmd in [&["dis", p][..], &["inspect", p][..]] {
            let out = pycvm(cmd);
            let stderr = String::from_utf8_lossy(&out.stderr);
            if cmd[0] == "inspect" && bytes.len() >= 16 && *name != "unknown-magic" {
                // The header is intact: inspect reads it fine.
                assert!(out.status.success(), "{name}: inspect failed: {stderr}");
                continue;
            }
            assert!(!out.status.success(), "{name}: {cmd:?} should fail");
            let lines: Vec<&str> = stderr.lines().collect();
            assert_eq!(lines.len(), 1, "{name}: {cmd:?}: one line, got {stderr:?}");
            assert!(lines[0].contains(p), "{name}: names the file: {stderr}");
            assert!(
                lines[0].contains("byte"),
                "{name}: names the offset: {stderr}"
            );
            assert!(!stderr.contains("panicked"), "{name}: {stderr}");
        }
    }
    let _ = std::fs::remove_dir_all(Path::new(&dir));
}
