//! The cycle collector's address index (src/objects/gc_index.rs).

use pycvm::objects::gc_index::AddrIndex;

#[test]
fn finds_what_was_inserted_and_grows() {
    let mut ix = AddrIndex::with_capacity(3);
    for i in 0..1000usize {
        assert!(ix.insert(0x1000 + 80 * i, i));
    }
    assert!(!ix.insert(0x1000, 7));
    for i in 0..1000usize {
        assert_eq!(ix.get(0x1000 + 80 * i), Some(i));
    }
    assert_eq!(ix.get(0x1008), None);
    assert_eq!(ix.get(0), None);
    ix.remove(0x1000 + 80 * 5);
    assert_eq!(ix.get(0x1000 + 80 * 5), None);
    assert_eq!(ix.get(0x1000 + 80 * 6), Some(6));
}

#[test]
fn a_recycled_table_comes_back_empty() {
    let mut ix = AddrIndex::with_capacity(100);
    for i in 0..100usize {
        assert!(ix.insert(0x10_0000 + 16 * i, i));
    }
    ix.recycle();
    let mut again = AddrIndex::with_capacity(100);
    for i in 0..100usize {
        assert_eq!(again.get(0x10_0000 + 16 * i), None);
    }
    assert!(again.insert(0x10_0000, 3));
    assert_eq!(again.get(0x10_0000), Some(3));
}
