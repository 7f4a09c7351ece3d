//! The interpreter's configuration from CPython's command-line options and
//! environment variables (the part of CPython 3.11's `PyConfig` pycvm
//! follows): what `sys.flags`, `sys.warnoptions`, `sys._xoptions` and
//! `builtins.__debug__` say, how `sys.path` starts and how the compiler
//! optimises. Set once, before the interpreter starts ([`set`]); read
//! anywhere ([`get`]).

use std::ffi::OsString;
use std::sync::OnceLock;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Config {
    /// `-O` (1) / `-OO` (2), `PYTHONOPTIMIZE`.
    pub optimize: u8,
    /// `-b` (1) / `-bb` (2).
    pub bytes_warning: u8,
    /// `-d` (the parser debug flag of debug builds: recorded only).
    pub debug: u8,
    /// `-B`, `PYTHONDONTWRITEBYTECODE` (pycvm never writes bytecode).
    pub dont_write_bytecode: bool,
    /// `-s`, `PYTHONNOUSERSITE`.
    pub no_user_site: bool,
    /// `-S`: no `site`: no site-packages on `sys.path`, no `exit`/`help`.
    pub no_site: bool,
    /// `-E` (and `-I`): the `PYTHON*` environment variables are ignored.
    pub ignore_environment: bool,
    /// `-I`: `-E`, `-P` and `-s` together.
    pub isolated: bool,
    /// `-P`, `PYTHONSAFEPATH`: no script directory or current directory
    /// first on `sys.path`.
    pub safe_path: bool,
    /// `-q`.
    pub quiet: bool,
    /// `-u`, `PYTHONUNBUFFERED`.
    pub unbuffered: bool,
    /// `-X dev`, `PYTHONDEVMODE`.
    pub dev_mode: bool,
    /// `-X utf8[=0|1]`, `PYTHONUTF8`.
    pub utf8_mode: u8,
    /// `-X warn_default_encoding`, `PYTHONWARNDEFAULTENCODING`.
    pub warn_default_encoding: bool,
    /// `-X int_max_str_digits=N`, `PYTHONINTMAXSTRDIGITS` (-1: not given).
    pub int_max_str_digits: i64,
    /// `sys.warnoptions`, in CPython's order (dev mode's `default`,
    /// `PYTHONWARNINGS`, the `-W` options, then the BytesWarning filter).
    pub warnoptions: Vec<String>,
    /// The `-X` options as given (`name` or `name=value`).
    pub xoptions: Vec<String>,
}

impl Default for Config {
    fn default() -> Config {
        Config {
            optimize: 0,
            bytes_warning: 0,
            debug: 0,
            dont_write_bytecode: false,
            no_user_site: false,
            no_site: false,
            ignore_environment: false,
            isolated: false,
            safe_path: false,
            quiet: false,
            unbuffered: false,
            dev_mode: false,
            utf8_mode: 0,
            warn_default_encoding: false,
            int_max_str_digits: -1,
            warnoptions: Vec::new(),
            xoptions: Vec::new(),
        }
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// The configuration the interpreter runs with (CPython's defaults, read
/// from the environment, until [`set`] is called).
pub fn get() -> &'static Config {
    CONFIG.get_or_init(|| {
        let mut c = Config::default();
        c.read_env(&[]);
        c
    })
}

/// Fix the configuration (the first call wins; later calls are ignored,
/// as the interpreter has started with the first).
pub fn set(config: Config) {
    let _ = CONFIG.set(config);
}

/// An environment variable as CPython reads its `PYTHON*` variables:
/// not under `-E`/`-I`, and an empty value is none.
pub fn env(name: &str) -> Option<String> {
    if get().ignore_environment {
        return None;
    }
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// What [`Config::parse`] found.
#[derive(Debug)]
pub struct Parsed {
    pub config: Config,
    /// How many arguments were interpreter options.
    pub consumed: usize,
    /// The `-c...`/`-m...` that ended the last group (`-Sc` gives `-c`).
    pub program_option: Option<String>,
}

/// A command-line error, worded as CPython's.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptionError(pub String);

impl std::fmt::Display for OptionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl Config {
    /// Parse the interpreter options at the start of `args` (CPython's
    /// `-bBdEIOPqsSuWX`, letters combined as `-bb` or `-OO`, `-W`/`-X`
    /// with their value attached or next), then read the environment.
    /// Stops at the first argument that is not one of them (a file,
    /// `-c`, `-m`, `--`, or an option of pycvm's own). Returns the
    /// configuration and how many arguments were options; a group that
    /// ends in `-c` or `-m` (`-Sc CODE`, `-Im json`) counts as an option
    /// and its `-c...`/`-m...` tail is returned to stand in its place.
    pub fn parse(args: &[OsString]) -> Result<Parsed, OptionError> {
        let mut c = Config::default();
        let mut cmdline_w = Vec::new();
        let mut tail = None;
        let mut i = 0;
        'args: while let Some(arg) = args.get(i).and_then(|a| a.to_str()) {
            let Some(letters) = arg.strip_prefix('-') else {
                break;
            };
            if letters.is_empty() || letters.starts_with('-') || !all_known(letters) {
                break;
            }
            for (at, ch) in letters.char_indices() {
                match ch {
                    'b' => c.bytes_warning = c.bytes_warning.saturating_add(1),
                    'B' => c.dont_write_bytecode = true,
                    'd' => c.debug = c.debug.saturating_add(1),
                    'E' => c.ignore_environment = true,
                    'I' => {
                        c.isolated = true;
                        c.ignore_environment = true;
                        c.safe_path = true;
                        c.no_user_site = true;
                    }
                    'O' => c.optimize = c.optimize.saturating_add(1),
                    'P' => c.safe_path = true,
                    'q' => c.quiet = true,
                    's' => c.no_user_site = true,
                    'S' => c.no_site = true,
                    'u' => c.unbuffered = true,
                    'R' => {}
                    'c' | 'm' if at > 0 => {
                        tail = Some(format!("-{}", &letters[at..]));
                        i += 1;
                        break 'args;
                    }
                    'W' | 'X' => {
                        let rest = &letters[at + ch.len_utf8()..];
                        let value = if rest.is_empty() {
                            i += 1;
                            match args.get(i).and_then(|a| a.to_str()) {
                                Some(v) => v.to_string(),
                                None => {
                                    return Err(OptionError(format!(
                                        "Argument expected for the -{ch} option"
                                    )))
                                }
                            }
                        } else {
                            rest.to_string()
                        };
                        if ch == 'W' {
                            cmdline_w.push(value);
                        } else {
                            c.xoptions.push(value);
                        }
                        i += 1;
                        continue 'args;
                    }
                    _ => break 'args,
                }
            }
            i += 1;
        }
        c.apply_xoptions()?;
        c.read_env(&cmdline_w);
        Ok(Parsed {
            config: c,
            consumed: i,
            program_option: tail,
        })
    }

    /// What the `-X` options set.
    fn apply_xoptions(&mut self) -> Result<(), OptionError> {
        for x in self.xoptions.clone() {
            let (name, value) = match x.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (x.as_str(), None),
            };
            match name {
                "dev" => self.dev_mode = true,
                "utf8" => {
                    self.utf8_mode = match value {
                        None | Some("1") => 1,
                        Some("0") => 0,
                        Some(_) => return Err(OptionError("invalid -X utf8 option value".into())),
                    }
                }
                "warn_default_encoding" => self.warn_default_encoding = true,
                "int_max_str_digits" => {
                    self.int_max_str_digits = int_max_str_digits(value).ok_or_else(|| {
                        OptionError(
                            "-X int_max_str_digits: invalid limit; must be >= 640 or 0 for \
                             unlimited."
                                .into(),
                        )
                    })?;
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// The environment variables (unless `-E`), then `sys.warnoptions` in
    /// CPython's order (`config_init_warnoptions`).
    fn read_env(&mut self, cmdline_w: &[String]) {
        let env = |name: &str| {
            if self.ignore_environment {
                None
            } else {
                std::env::var(name).ok().filter(|v| !v.is_empty())
            }
        };
        // As `_Py_get_env_flag`: an integer raises the level to it, any
        // other value to 1.
        let level = |v: Option<String>| v.map(|v| v.trim().parse::<u8>().unwrap_or(1).max(1));
        if let Some(n) = level(env("PYTHONOPTIMIZE")) {
            self.optimize = self.optimize.max(n);
        }
        let flag = |v: Option<String>| v.is_some();
        self.dont_write_bytecode |= flag(env("PYTHONDONTWRITEBYTECODE"));
        self.no_user_site |= flag(env("PYTHONNOUSERSITE"));
        self.unbuffered |= flag(env("PYTHONUNBUFFERED"));
        self.safe_path |= flag(env("PYTHONSAFEPATH"));
        self.dev_mode |= flag(env("PYTHONDEVMODE"));
        self.warn_default_encoding |= flag(env("PYTHONWARNDEFAULTENCODING"));
        if let Some(u) = env("PYTHONUTF8") {
            if !self
                .xoptions
                .iter()
                .any(|x| x == "utf8" || x.starts_with("utf8="))
            {
                self.utf8_mode = u8::from(u == "1");
            }
        }
        if self.int_max_str_digits < 0 {
            if let Some(n) = env("PYTHONINTMAXSTRDIGITS").and_then(|v| int_max_str_digits(Some(&v)))
            {
                self.int_max_str_digits = n;
            }
        }
        let mut w = Vec::new();
        if self.dev_mode {
            w.push("default".to_string());
        }
        if let Some(e) = env("PYTHONWARNINGS") {
            w.extend(e.split(',').filter(|s| !s.is_empty()).map(str::to_string));
        }
        w.extend(cmdline_w.iter().cloned());
        match self.bytes_warning {
            0 => {}
            1 => w.push("default::BytesWarning".into()),
            _ => w.push("error::BytesWarning".into()),
        }
        self.warnoptions = w;
    }
}

/// Whether every letter is an interpreter option [`Config::parse`] takes
/// (up to a `-W` or `-X`, whose value follows).
fn all_known(letters: &str) -> bool {
    for ch in letters.chars() {
        match ch {
            'b' | 'B' | 'd' | 'E' | 'I' | 'O' | 'P' | 'q' | 's' | 'S' | 'u' | 'R' => {}
            'W' | 'X' | 'c' | 'm' => return true,
            _ => return false,
        }
    }
    true
}

/// A valid `int_max_str_digits` limit: 0 or at least 640.
fn int_max_str_digits(value: Option<&str>) -> Option<i64> {
    let n: i64 = value?.trim().parse().ok()?;
    (n == 0 || n >= 640).then_some(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> (Config, usize) {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        match Config::parse(&args) {
            Ok(r) => (r.config, r.consumed),
            Err(e) => panic!("{e}"),
        }
    }

    #[test]
    fn group_ending_in_program_option() {
        let args: Vec<OsString> = ["-Sc", "print(1)"].iter().map(OsString::from).collect();
        let r = Config::parse(&args).map_err(|e| e.0);
        let r = r
            .as_ref()
            .map(|r| (r.config.no_site, r.consumed, r.program_option.clone()));
        assert_eq!(r, Ok((true, 1, Some("-c".to_string()))));
        let args: Vec<OsString> = ["-Imjson.tool"].iter().map(OsString::from).collect();
        let r = Config::parse(&args).map(|r| r.program_option);
        assert_eq!(r, Ok(Some("-mjson.tool".to_string())));
    }

    #[test]
    fn combined_letters_and_values() {
        let (c, n) = parse(&[
            "-bbOO",
            "-Werror",
            "-W",
            "ignore::UserWarning",
            "-Xdev",
            "x.pyc",
        ]);
        assert_eq!(n, 5);
        assert_eq!((c.bytes_warning, c.optimize, c.dev_mode), (2, 2, true));
        let w: Vec<&str> = c.warnoptions.iter().map(String::as_str).collect();
        assert_eq!(w[0], "default");
        assert!(w.ends_with(&["error", "ignore::UserWarning", "error::BytesWarning"]));
        assert_eq!(c.xoptions, vec!["dev".to_string()]);
    }

    #[test]
    fn stops_at_program_and_own_options() {
        assert_eq!(parse(&["-I", "-c", "x"]).1, 1);
        assert_eq!(parse(&["--stdlib", "d"]).1, 0);
        assert_eq!(parse(&["-m", "json"]).1, 0);
        let (c, n) = parse(&["-Is", "f.pyc"]);
        assert_eq!(n, 1);
        assert!(c.isolated && c.safe_path && c.ignore_environment && c.no_user_site);
    }

    #[test]
    fn bad_values() {
        let args: Vec<OsString> = ["-X", "int_max_str_digits=5"]
            .iter()
            .map(OsString::from)
            .collect();
        assert!(Config::parse(&args).is_err());
        let args: Vec<OsString> = ["-W"].iter().map(OsString::from).collect();
        assert!(Config::parse(&args).is_err());
    }
}
