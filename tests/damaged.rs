//! The marshal reader on damaged input: thousands of inputs derived
//! deterministically from the CPython-made fixtures (every truncation,
//! single-byte changes at every offset, huge length fields, very deep
//! nests, dangling references). Each must give `Ok` or `Err`: never a
//! panic, a stack overflow, or an allocation out of proportion to the
//! input (a counting allocator watches the largest single request).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::Path;

use pycvm::pyc::marshal::{dumps, loads, MarshalErrorKind};

struct Counting;

thread_local! {
    static LARGEST: Cell<usize> = const { Cell::new(0) };
}

// SAFETY: every call is forwarded unchanged to the system allocator; the
// bookkeeping only reads the layout and touches a const-initialised
// thread-local cell, which never allocates.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = LARGEST.try_with(|m| m.set(m.get().max(layout.size())));
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = LARGEST.try_with(|m| m.set(m.get().max(new_size)));
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Decode `data` (and write back whatever decodes); fail the test if the
/// largest allocation made is out of proportion to the input.
fn try_decode(data: &[u8]) -> bool {
    LARGEST.with(|m| m.set(0));
    let ok = match loads(data) {
        Ok(obj) => {
            let _ = dumps(&obj);
            true
        }
        Err(e) => {
            assert!(e.offset <= data.len(), "offset {} past the end", e.offset);
            false
        }
    };
    let largest = LARGEST.with(|m| m.get());
    assert!(
        largest <= 64 * data.len() + (1 << 16),
        "a {largest}-byte allocation for a {}-byte input",
        data.len()
    );
    ok
}

fn stream(name: &str) -> Vec<u8> {
    let p = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/marshal/streams")
        .join(format!("{name}.bin"));
    std::fs::read(p).expect("fixture stream")
}

const SAMPLES: [&str; 8] = [
    "code_functions",
    "code_simple",
    "mixed",
    "refs_tuple",
    "dict_nested",
    "frozenset_mixed",
    "int_29",
    "str_12",
];

#[test]
fn every_truncation_is_an_error() {
    let mut n = 0;
    for name in SAMPLES {
        let data = stream(name);
        assert!(try_decode(&data), "{name} itself must decode");
        for cut in 0..data.len() {
            assert!(!try_decode(&data[..cut]), "{name} cut at {cut} decoded");
            n += 1;
        }
    }
    println!("{n} truncations, all errors");
    assert!(n > 1000);
}

#[test]
fn single_byte_changes_never_panic() {
    let mut n = 0;
    let mut ok = 0;
    for name in SAMPLES {
        let data = stream(name);
        for at in 0..data.len() {
            for change in [0x01u8, 0x02, 0x10, 0x40, 0x80, 0xff] {
                let mut d = data.clone();
                d[at] ^= change;
                ok += usize::from(try_decode(&d));
                n += 1;
            }
            for value in [0x00u8, 0x7f, b'r', b'(', b'0'] {
                let mut d = data.clone();
                d[at] = value;
                ok += usize::from(try_decode(&d));
                n += 1;
            }
        }
    }
    println!("{n} damaged streams: {ok} still decode, the rest are errors");
    assert!(n > 10_000);
}

#[test]
fn huge_and_negative_lengths_are_refused_up_front() {
    let codes = [b's', b'u', b't', b'a', b'A', b'(', b'[', b'<', b'>', b'l'];
    let sizes: [u32; 5] = [0x7fff_ffff, 0x8000_0000, 0xffff_ffff, 0x1000_0000, 1 << 31];
    for code in codes {
        for size in sizes {
            if code == b'l' && size == 0xffff_ffff {
                continue; // one digit of a negative long: valid
            }
            for flag in [0u8, 0x80] {
                let mut d = vec![code | flag];
                d.extend_from_slice(&size.to_le_bytes());
                d.extend_from_slice(b"NNNN");
                assert!(!try_decode(&d), "{d:?}");
                // The same claim nested inside a container.
                let mut nested = b")\x02N".to_vec();
                nested.extend_from_slice(&d);
                assert!(!try_decode(&nested), "{nested:?}");
            }
        }
    }
    // Nested claims that each fit the input but not together.
    let mut d = Vec::new();
    for _ in 0..1000 {
        d.extend_from_slice(b"[\x00\x10\x00\x00");
    }
    assert!(!try_decode(&d));
}

#[test]
fn very_deep_nests_stop_at_the_limit() {
    let depth = 200_000;
    let nests: [&[u8]; 6] = [
        b")\x01",
        b"(\x01\x00\x00\x00",
        b"[\x01\x00\x00\x00",
        b"{",
        b">\x01\x00\x00\x00",
        b"\xa9\x01",
    ];
    for unit in nests {
        let mut d = unit.repeat(depth);
        d.push(b'N');
        let e = loads(&d).unwrap_err();
        assert_eq!(e.kind, MarshalErrorKind::RecursionLimit, "{:?}", &unit);
        let _ = try_decode(&d);
    }
    // Code objects nested through co_code.
    let mut d = Vec::new();
    for _ in 0..depth / 10 {
        d.push(b'c');
        d.extend_from_slice(&[0u8; 20]);
    }
    assert_eq!(
        loads(&d).unwrap_err().kind,
        MarshalErrorKind::RecursionLimit
    );
}

#[test]
fn dangling_references_are_errors() {
    let cases: [&[u8]; 6] = [
        b"r\x00\x00\x00\x00",
        b"\xa9\x01r\x00\x00\x00\x00",
        b"\xdb\x01\x00\x00\x00r\x00\x00\x00\x00",
        b")\x02\xe9\x01\x00\x00\x00r\x05\x00\x00\x00",
        b"r\xff\xff\xff\xff",
        b"\xbe\x01\x00\x00\x00r\x00\x00\x00\x00",
    ];
    for d in cases {
        let e = loads(d).unwrap_err();
        assert_eq!(e.kind, MarshalErrorKind::InvalidReference, "{d:?}");
    }
}

#[test]
fn sharing_does_not_blow_up() {
    // t0 = (N, N); t(k+1) = (t(k), t(k)) by reference: 2**60 leaves if
    // walked as a tree. Decoding, writing back and hashability checks
    // (as a frozenset element) must stay linear.
    let mut d = b"\xbe\x01\x00\x00\x00".to_vec();
    let levels = 60u32;
    for _ in 0..levels {
        d.extend_from_slice(b"\xa9\x02");
    }
    d.extend_from_slice(b"\xa9\x02NN");
    for k in (0..levels).rev() {
        d.push(b'r');
        d.extend_from_slice(&(k + 2).to_le_bytes());
    }
    let obj = loads(&d).expect("decodes");
    assert_eq!(dumps(&obj).expect("writes"), d);
}

#[test]
fn random_multi_byte_damage_to_every_fixture_never_panics() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/marshal/streams");
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .expect("streams dir")
        .flatten()
        .map(|e| e.path())
        .collect();
    names.sort();
    // A fixed linear congruential generator: the same inputs every run.
    let mut seed: u64 = 0x2545_f491_4f6c_dd1d;
    let mut next = move || {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        (seed >> 33) as usize
    };
    let mut n = 0;
    for p in &names {
        let data = std::fs::read(p).expect("stream");
        if data.is_empty() {
            continue;
        }
        for _ in 0..40 {
            let mut d = data.clone();
            for _ in 0..1 + next() % 4 {
                let at = next() % d.len();
                d[at] = next() as u8;
            }
            if next() % 4 == 0 {
                d.truncate(next() % d.len());
            }
            let _ = try_decode(&d);
            n += 1;
        }
    }
    println!("{n} randomly damaged streams decoded or refused");
    assert!(n > 4000);
}
