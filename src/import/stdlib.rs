//! Finding an installed CPython 3.11 standard library, and listing its
//! compiled modules.

use std::path::{Path, PathBuf};

/// The outcome of a stdlib search: where it was found, and every place
/// looked at (in order), so a failure can say where pycvm looked.
#[derive(Debug, Default)]
pub struct StdlibSearch {
    pub found: Option<PathBuf>,
    pub tried: Vec<PathBuf>,
}

/// A directory looks like CPython 3.11's `Lib/` when it holds `os.py` and
/// a `__pycache__` with 3.11 files or at least the sources.
fn is_stdlib(dir: &Path) -> bool {
    dir.join("os.py").is_file() || dir.join("__pycache__/os.cpython-311.pyc").is_file()
}

/// Search, in order: an explicit directory (`--stdlib`), `PYCVM_STDLIB`,
/// the prefix of each `python3.11` found on `PATH` (symlinks resolved; a
/// pyenv shim stands for pyenv's 3.11 versions), pyenv's 3.11 versions (`PYENV_ROOT` or `~/.pyenv`), `/usr/lib/python3.11`,
/// `/usr/local/lib/python3.11`.
pub fn find_stdlib(explicit: Option<&Path>) -> StdlibSearch {
    // Each candidate is tried as soon as it is known: the search stops at
    // the first hit, without the system calls of the later ones (the PATH
    // entries after a pyenv shim, a second listing of pyenv's versions),
    // as it runs at every start.
    let mut search = StdlibSearch::default();
    let mut try_dir = |dir: PathBuf| -> bool {
        if search.found.is_some() {
            return true;
        }
        if search.tried.contains(&dir) {
            return false;
        }
        search.tried.push(dir.clone());
        if is_stdlib(&dir) {
            search.found = Some(dir);
            return true;
        }
        false
    };
    if let Some(dir) = explicit {
        if try_dir(dir.to_path_buf()) {
            return search;
        }
    }
    if let Some(dir) = std::env::var_os("PYCVM_STDLIB") {
        if try_dir(PathBuf::from(dir)) {
            return search;
        }
    }
    let pyenv_versions = |root: &Path| -> Vec<PathBuf> {
        let Ok(rd) = std::fs::read_dir(root.join("versions")) else {
            return Vec::new();
        };
        let mut versions: Vec<PathBuf> = rd
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().starts_with("3.11"))
            .map(|e| e.path().join("lib/python3.11"))
            .collect();
        versions.sort();
        versions.reverse();
        versions
    };
    if let Some(path) = std::env::var_os("PATH") {
        for bin in std::env::split_paths(&path) {
            let exe = bin.join("python3.11");
            if !exe.is_file() {
                continue;
            }
            // A pyenv shim (ROOT/shims/python3.11) stands for ROOT/versions/3.11.*.
            if bin.ends_with("shims") {
                if let Some(root) = bin.parent() {
                    for dir in pyenv_versions(root) {
                        if try_dir(dir) {
                            return search;
                        }
                    }
                }
                continue;
            }
            let exe = exe.canonicalize().unwrap_or(exe);
            if let Some(prefix) = exe.parent().and_then(Path::parent) {
                if try_dir(prefix.join("lib/python3.11")) {
                    return search;
                }
            }
        }
    }
    let pyenv_root = std::env::var_os("PYENV_ROOT")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".pyenv")));
    if let Some(root) = pyenv_root {
        for dir in pyenv_versions(&root) {
            if try_dir(dir) {
                return search;
            }
        }
    }
    for dir in ["/usr/lib/python3.11", "/usr/local/lib/python3.11"] {
        if try_dir(dir.into()) {
            return search;
        }
    }
    search
}

/// The stdlib's compiled modules as CPython 3.11 caches them
/// (`__pycache__/NAME.cpython-311.pyc`, no `.opt-` variants), tests and
/// site-packages aside (`test/`, `site-packages/`, `idle_test/`,
/// `lib2to3/tests/`), in sorted order.
pub fn stdlib_pycs(root: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    walk(root, &mut out);
    out
}

fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    let mut entries: Vec<PathBuf> = rd.flatten().map(|e| e.path()).collect();
    entries.sort();
    for p in entries {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if p.is_dir() {
            let skip = matches!(name.as_str(), "test" | "site-packages" | "idle_test")
                || (name == "tests" && dir.ends_with("lib2to3"));
            if !skip {
                walk(&p, out);
            }
        } else if dir.ends_with("__pycache__")
            && name.ends_with(".cpython-311.pyc")
            && !name.contains(".opt-")
        {
            out.push(p);
        }
    }
}
