//! The import system: finding the standard library, finders and loaders
//! (the machinery itself is issue 4; stdlib discovery is shared already
//! by the tests and benchmarks that walk the installed stdlib).

pub mod stdlib;
