//! The import system: CPython's own importlib bootstrap (frozen into
//! pycvm) over native `_imp`, the import statement's fast path and name
//! resolution, and finding the standard library.

pub mod bootstrap;
pub mod fast;
pub mod frozen;
pub mod machinery;
pub mod stdlib;

pub use bootstrap::{ImportState, MainPath};
