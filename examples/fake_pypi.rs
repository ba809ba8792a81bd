//! A fake PyPI for demos and benchmarks, by hand. See `docs/fake-pypi.md`.
//!
//! ```text
//! cargo run --example fake_pypi -- build DIR --from uv.lock [--unattested GLOB] [--tampered GLOB]
//!                                   [--publisher-change GLOB] [--previous-unattested GLOB]
//!                                   [--no-previous] [--api-version 1.4]
//! cargo run --example fake_pypi -- fixtures DIR
//! cargo run --example fake_pypi -- serve DIR [--port N] [--latency-ms N] [--html-only]
//!                                   [--fault 'PATTERN=SPEC']...
//! ```

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a command-line tool for demos: it talks on stdout and stderr"
)]

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use pubgate::testing::fake_pypi::{
    default_minter, fixture_index, index_from_lockfiles, BuildOptions, FakePypi, Fault, FaultRule,
};

#[derive(Parser)]
#[command(
    name = "fake_pypi",
    about = "A fake PyPI on loopback for pubgate tests and demos"
)]
struct Args {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve DIR (laid out like PyPI) on 127.0.0.1
    #[command(
        after_help = "Fault specs: status:CODE[:RETRY_AFTER_SECONDS] | hang | truncate | garbage |\n\
                            content-type:TYPE | trickle:BYTES:MILLIS | latency:MILLIS | drop\n\
                            Example: --fault '/integrity/**=status:503' --fault '/simple/requests/=status:429:2'"
    )]
    Serve {
        dir: PathBuf,
        #[arg(long, default_value_t = 0)]
        port: u16,
        /// Latency added to every request, in milliseconds
        #[arg(long, default_value_t = 0)]
        latency_ms: u64,
        /// Serve HTML pages even when JSON is asked for
        #[arg(long)]
        html_only: bool,
        /// PATTERN=SPEC: inject a fault for request paths matching the glob PATTERN
        #[arg(long, value_name = "PATTERN=SPEC")]
        fault: Vec<String>,
    },
    /// Write project pages and provenance for every index package of the lockfiles
    Build {
        dir: PathBuf,
        /// Lockfiles to take packages from
        #[arg(long = "from", required = true, value_name = "LOCKFILE")]
        from: Vec<PathBuf>,
        /// Packages (globs) whose locked release has no provenance
        #[arg(long)]
        unattested: Vec<String>,
        /// Packages (globs) whose provenance has a broken signature
        #[arg(long)]
        tampered: Vec<String>,
        /// Packages (globs) whose earlier release has another publisher
        #[arg(long)]
        publisher_change: Vec<String>,
        /// Packages (globs) whose earlier release has no provenance
        #[arg(long)]
        previous_unattested: Vec<String>,
        /// Do not add an earlier release per package
        #[arg(long)]
        no_previous: bool,
        /// The simple API version pages declare
        #[arg(long, default_value = "1.4")]
        api_version: String,
    },
    /// Write an index of the real provenance fixtures (fixtures/pep740)
    Fixtures { dir: PathBuf },
}

fn parse_fault(text: &str) -> Result<FaultRule, String> {
    let (pattern, spec) = text
        .rsplit_once('=')
        .ok_or_else(|| format!("`{text}` is not PATTERN=SPEC"))?;
    let mut parts = spec.split(':');
    let number = |s: Option<&str>| -> Result<u64, String> {
        s.and_then(|s| s.parse().ok())
            .ok_or_else(|| format!("`{spec}`: expected a number"))
    };
    let fault = match parts.next().unwrap_or("") {
        "status" => Fault::Status {
            status: number(parts.next())? as u16,
            retry_after: parts.next().map(|s| number(Some(s))).transpose()?,
        },
        "hang" => Fault::Hang,
        "truncate" => Fault::Truncate,
        "garbage" => Fault::Garbage,
        "drop" => Fault::Drop,
        "content-type" => Fault::ContentType(parts.collect::<Vec<_>>().join(":")),
        "trickle" => Fault::Trickle {
            chunk: number(parts.next())? as usize,
            interval: Duration::from_millis(number(parts.next())?),
        },
        "latency" => Fault::Latency(Duration::from_millis(number(parts.next())?)),
        other => return Err(format!("unknown fault `{other}`")),
    };
    FaultRule::new(pattern, fault)
}

fn run(args: Args) -> Result<(), String> {
    match args.command {
        Command::Serve {
            dir,
            port,
            latency_ms,
            html_only,
            fault,
        } => {
            let server = FakePypi::start_on(&dir, port)
                .map_err(|e| format!("cannot listen on 127.0.0.1:{port}: {e}"))?;
            server.set_latency(Duration::from_millis(latency_ms));
            server.set_html_only(html_only);
            for spec in &fault {
                server.add_fault(parse_fault(spec)?);
            }
            println!("{}", server.index_url());
            eprintln!(
                "serving `{}` at {} (Ctrl-C to stop)",
                dir.display(),
                server.index_url()
            );
            server.wait();
            Ok(())
        }
        Command::Build {
            dir,
            from,
            unattested,
            tampered,
            publisher_change,
            previous_unattested,
            no_previous,
            api_version,
        } => {
            let lockfiles = from
                .iter()
                .map(|p| pubgate::lockfile::read(p, None).map_err(|e| e.to_string()))
                .collect::<Result<Vec<_>, _>>()?;
            let options = BuildOptions {
                unattested,
                tampered,
                publisher_change,
                previous_unattested,
                previous_release: !no_previous,
                api_version,
            };
            let minter = default_minter();
            let index = index_from_lockfiles(&lockfiles, &options, minter.as_ref())?;
            index
                .write(&dir)
                .map_err(|e| format!("cannot write `{}`: {e}", dir.display()))?;
            if let Some(root) = minter.trusted_root() {
                std::fs::write(dir.join("trusted_root.json"), root)
                    .map_err(|e| format!("cannot write the trust root: {e}"))?;
            }
            eprintln!(
                "wrote {} project(s) into `{}`",
                index.projects().count(),
                dir.display()
            );
            Ok(())
        }
        Command::Fixtures { dir } => {
            let index = fixture_index();
            index
                .write(&dir)
                .map_err(|e| format!("cannot write `{}`: {e}", dir.display()))?;
            eprintln!(
                "wrote {} project(s) into `{}`",
                index.projects().count(),
                dir.display()
            );
            Ok(())
        }
    }
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::from(2)
        }
    }
}
