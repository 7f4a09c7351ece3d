//! Command-line parsing and dispatch. Each subcommand lives in its own file
//! and only formats what the library computes.

use std::ffi::OsString;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use pycvm::vm::config::{Config, OptionError};

mod alloc_info;
pub mod allocator;
mod conform;
mod dis;
mod inspect;

#[derive(Parser)]
#[command(
    name = "pycvm",
    version,
    about = "Run, inspect and disassemble CPython 3.11 .pyc files"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand)]
pub enum Command {
    /// Print .pyc headers: magic number, Python version, invalidation mode, source stamp.
    Inspect(inspect::InspectArgs),
    /// Disassemble a .pyc exactly as CPython 3.11's `dis.dis` prints it.
    Dis(dis::DisArgs),
    /// Run a .pyc file.
    Run(RunArgs),
    /// Compare .py programs run under CPython and under pycvm.
    Conform(conform::ConformArgs),
}

#[derive(Args)]
pub struct RunArgs {
    /// Run a module found on sys.path as __main__ (like `python -m`).
    #[arg(short = 'm', value_name = "MODULE", conflicts_with = "command")]
    pub module: Option<String>,
    /// Run Python source given as a string (like `python -c`).
    #[arg(short = 'c', value_name = "COMMAND", allow_hyphen_values = true)]
    pub command: Option<String>,
    /// The CPython 3.11 standard library directory (default: PYCVM_STDLIB,
    /// then a python3.11 on PATH, pyenv, /usr/lib/python3.11, /usr/local/lib/python3.11).
    #[arg(long, value_name = "DIR")]
    pub stdlib: Option<PathBuf>,
    /// Run the program under cProfile and print its table sorted by
    /// cumulative time (as `python3.11 -m cProfile -s cumulative`).
    #[arg(long)]
    pub profile: bool,
    /// Print a memory report on stderr when the program ends (peak RSS,
    /// allocator figures, collector generations, live objects by type).
    #[arg(long)]
    pub memstats: bool,
    /// The .pyc file to run (with -m, the first program argument).
    #[arg(required_unless_present_any = ["module", "command"], allow_hyphen_values = true)]
    pub file: Option<PathBuf>,
    /// Arguments passed to the program as sys.argv[1:].
    #[arg(trailing_var_arg = true, allow_hyphen_values = true)]
    pub args: Vec<OsString>,
}

/// `pycvm FILE.pyc ARGS...` is shorthand for `pycvm run FILE.pyc ARGS...`;
/// CPython's interpreter options (`-b -B -d -E -I -O -P -q -s -S -u -W -X`,
/// [`pycvm::vm::config`]) may come first, as `python3.11` takes them, or
/// right after `run`. They make the interpreter's configuration, fixed
/// here; so a program that re-runs `sys.executable` as CPython's test
/// support does (`[sys.executable, "-X", "faulthandler", "-I", "-c",
/// code]`) runs as under CPython.
pub fn normalize_args(mut args: Vec<OsString>) -> Result<Vec<OsString>, OptionError> {
    let at = if args.get(1).is_some_and(|a| a == "run") {
        2
    } else {
        1
    };
    let parsed = Config::parse(args.get(at..).unwrap_or(&[]))?;
    pycvm::vm::config::set(parsed.config);
    args.drain(at..at + parsed.consumed);
    if let Some(program) = parsed.program_option {
        args.insert(at, OsString::from(program));
    }
    // `-cCODE` and `-mMODULE` as `-c CODE` and `-m MODULE`.
    if let Some(first) = args.get(at).and_then(|a| a.to_str()) {
        let attached = first.len() > 2 && (first.starts_with("-c") || first.starts_with("-m"));
        if attached {
            let (opt, value) = first.split_at(2);
            let (opt, value) = (OsString::from(opt), OsString::from(value));
            args.splice(at..=at, [opt, value]);
        }
    }
    if let Some(first) = args.get(1) {
        let s = first.to_string_lossy();
        let known = ["inspect", "dis", "run", "conform", "help"];
        // `pycvm -c CODE` and `pycvm -m MODULE` as `python` takes them
        // (`subprocess.run([sys.executable, "-c", ...])`).
        let interp = s == "-c" || s == "-m";
        if (!s.starts_with('-') && !known.contains(&s.as_ref())) || interp {
            args.insert(1, OsString::from("run"));
        }
    }
    // As `python -m MODULE ARGS`: everything after the module or command
    // is the program's (`-m json.tool --help`).
    if args.get(1).is_some_and(|a| a == "run")
        && args.get(2).is_some_and(|a| a == "-c" || a == "-m")
        && args.len() > 4
    {
        args.insert(4, OsString::from("--"));
    }
    Ok(args)
}

/// Parse the (normalized) command line. The commonest one, `pycvm run
/// FILE` with nothing else, is recognised directly: building clap's
/// parser is ~100,000 instructions and its page faults at every start.
pub fn parse(args: Vec<OsString>) -> Cli {
    if let [_, run, file] = args.as_slice() {
        let plain = |s: &OsString| !s.is_empty() && !s.as_encoded_bytes().starts_with(b"-");
        if run == "run" && plain(file) {
            return Cli {
                command: Command::Run(RunArgs {
                    module: None,
                    command: None,
                    stdlib: None,
                    profile: false,
                    memstats: false,
                    file: Some(PathBuf::from(file)),
                    args: Vec::new(),
                }),
            };
        }
    }
    Cli::parse_from(args)
}

pub fn dispatch(cli: Cli) -> anyhow::Result<ExitCode> {
    match cli.command {
        Command::Inspect(a) => inspect::main(a),
        Command::Dis(a) => dis::main(a),
        Command::Run(a) => {
            use pycvm::vm::run::Target;
            let mut argv = Vec::new();
            let target = match (&a.module, &a.file) {
                _ if a.command.is_some() => {
                    argv.push("-c".to_string());
                    argv.extend(a.file.iter().map(|f| f.to_string_lossy().into_owned()));
                    Target::Command(a.command.clone().unwrap_or_default())
                }
                (Some(m), first) => {
                    argv.push("-m".to_string());
                    argv.extend(first.iter().map(|f| f.to_string_lossy().into_owned()));
                    Target::Module(m.clone())
                }
                (None, Some(f)) => {
                    let path = f.to_string_lossy().into_owned();
                    argv.push(path.clone());
                    Target::File(path)
                }
                (None, None) => anyhow::bail!("nothing to run: give a .pyc file or -m MODULE"),
            };
            argv.extend(a.args.iter().map(|s| s.to_string_lossy().into_owned()));
            if a.profile {
                pycvm::vm::profile_main::enable_profile_main();
            }
            alloc_info::register();
            if a.memstats {
                pycvm::vm::memstats::enable_memstats_main();
            }
            match pycvm::vm::run::run(target, argv, a.stdlib) {
                // As C's exit(status): the low 8 bits (sys.exit(-1) is 255).
                Ok(status) => Ok(ExitCode::from((status & 0xFF) as u8)),
                Err(msg) => {
                    eprintln!("pycvm: {msg}");
                    Ok(ExitCode::from(1))
                }
            }
        }
        Command::Conform(a) => conform::main(a),
    }
}
