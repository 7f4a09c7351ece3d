//! pycvm's own frozen import system (src/import/frozen) runs without the
//! bytecode verifier at start-up (vm/code.rs `const_value_trusted`): this
//! checks once, here, that the verifier accepts every code object in it.

use pycvm::import::frozen::FROZEN;
use pycvm::pyc::dis::all_code_objects;
use pycvm::vm::verify::verify;

#[test]
fn frozen_modules_verify() {
    assert!(!FROZEN.is_empty());
    for f in FROZEN {
        let obj = pycvm::pyc::marshal::loads(f.code)
            .unwrap_or_else(|e| panic!("frozen {} does not load: {e}", f.name));
        let co = obj
            .as_code()
            .unwrap_or_else(|| panic!("frozen {} is not a code object", f.name));
        let all = all_code_objects(co);
        assert!(
            all.len() > 10,
            "frozen {}: {} code objects",
            f.name,
            all.len()
        );
        for c in &all {
            if let Err(e) = verify(c) {
                panic!("frozen {}: {e}", f.name);
            }
        }
    }
}
