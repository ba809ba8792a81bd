//! Lockfile parsing speed: the largest fixture of each format, parsed many times from
//! memory. Run with `cargo bench --bench lockfiles` (optionally `-- ITERATIONS`); results
//! are recorded in BENCHMARKS.md, § Lockfile parsing. Not a test: nothing here fails on time.

#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "a benchmark reports its measurements on stdout"
)]

use std::path::Path;
use std::time::{Duration, Instant};

use pubgate::lockfile::{self, LockFormat, Lockfile};

struct Case {
    label: &'static str,
    path: &'static str,
    format: LockFormat,
    parse: fn(&str, &Path, LockFormat) -> Lockfile,
}

fn parse(text: &str, path: &Path, format: LockFormat) -> Lockfile {
    lockfile::parse_str(text, path, Some(format)).expect("fixture parses")
}

fn parse_uv_toml_only(text: &str, path: &Path, _: LockFormat) -> Lockfile {
    lockfile::parse_uv_without_fast_path(text, path).expect("fixture parses")
}

const CASES: &[Case] = &[
    Case {
        label: "uv.lock (fast path)",
        path: "fixtures/lockfiles/bench/bench-monolith.uv.lock",
        format: LockFormat::Uv,
        parse,
    },
    Case {
        label: "uv.lock (TOML only)",
        path: "fixtures/lockfiles/bench/bench-monolith.uv.lock",
        format: LockFormat::Uv,
        parse: parse_uv_toml_only,
    },
    Case {
        label: "requirements.txt",
        path: "fixtures/lockfiles/bench/bench-monolith.requirements.txt",
        format: LockFormat::Requirements,
        parse,
    },
    Case {
        label: "pylock.toml",
        path: "fixtures/lockfiles/bench/pylock.bench-monolith.toml",
        format: LockFormat::Pylock,
        parse,
    },
    Case {
        label: "poetry.lock",
        path: "fixtures/lockfiles/poetry/poetry-2.1-gitsource.poetry.lock",
        format: LockFormat::Poetry,
        parse,
    },
    Case {
        label: "Pipfile.lock",
        path: "fixtures/lockfiles/pipfile/pipenv-editable-file.Pipfile.lock",
        format: LockFormat::Pipfile,
        parse,
    },
    Case {
        label: "pdm.lock",
        path: "fixtures/lockfiles/pdm/pdm-4.0.pdm.lock",
        format: LockFormat::Pdm,
        parse,
    },
];

fn main() {
    // `cargo bench` passes `--bench`; a bare number sets the iterations, other words keep
    // only the cases whose label contains one of them
    let args: Vec<String> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with("--"))
        .collect();
    let iterations: usize = args
        .iter()
        .find_map(|arg| arg.parse().ok())
        .unwrap_or(100)
        .max(1);
    let filters: Vec<&String> = args
        .iter()
        .filter(|arg| arg.parse::<usize>().is_err())
        .collect();
    println!(
        "{:<22} {:>9} {:>9} {:>10} {:>10} {:>10}",
        "case", "bytes", "packages", "min", "median", "mean"
    );
    for case in CASES {
        if !filters.is_empty() && !filters.iter().any(|f| case.label.contains(f.as_str())) {
            continue;
        }
        let path = Path::new(case.path);
        let text = std::fs::read_to_string(path).expect("fixture is readable");
        let packages = (case.parse)(&text, path, case.format).packages.len();
        for _ in 0..3 {
            std::hint::black_box((case.parse)(&text, path, case.format));
        }
        let mut times: Vec<Duration> = (0..iterations)
            .map(|_| {
                let start = Instant::now();
                let lock = (case.parse)(std::hint::black_box(&text), path, case.format);
                let elapsed = start.elapsed();
                drop(std::hint::black_box(lock));
                elapsed
            })
            .collect();
        times.sort();
        let mean = times.iter().sum::<Duration>() / iterations as u32;
        println!(
            "{:<22} {:>9} {:>9} {:>10.2?} {:>10.2?} {:>10.2?}",
            case.label,
            text.len(),
            packages,
            times[0],
            times[iterations / 2],
            mean
        );
    }
}
