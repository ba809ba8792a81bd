//! Running an installer's own parser (a Python driver under `drivers/`) over generated
//! files, for any installer: finding the pinned interpreter, a seeded generator, and the
//! driver's JSON answers.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// The interpreter of a virtual environment holding the pinned installers.
pub const PYTHON_VARIABLE: &str = "PUBGATE_DIFFERENTIAL_PYTHON";
/// `require`: a missing or wrong interpreter fails the tests instead of skipping them (CI).
pub const REQUIRE_VARIABLE: &str = "PUBGATE_DIFFERENTIAL";

/// The pinned version of `installer` (`tests/differential/installers.txt`).
pub fn pinned_version(installer: &str) -> String {
    let pins = include_str!("installers.txt");
    pins.lines()
        .filter_map(|line| line.split_once("=="))
        .find(|(name, _)| name.trim() == installer)
        .map(|(_, version)| version.trim().to_string())
        .unwrap_or_else(|| panic!("installers.txt pins no `{installer}`"))
}

/// The interpreter to run `installer`'s driver with, or `None` (after saying why) when the
/// differential tests are not required and no interpreter with the pinned version is found.
pub fn python_with(installer: &str, module: &str) -> Option<PathBuf> {
    python_where(
        installer,
        &format!("import {module}; print({module}.__version__)"),
    )
}

/// [`python_with`] for an installer whose module has no `__version__`: the version of its
/// installed distribution.
pub fn python_with_distribution(installer: &str) -> Option<PathBuf> {
    python_where(
        installer,
        &format!("import importlib.metadata as m; print(m.version({installer:?}))"),
    )
}

fn python_where(installer: &str, version_script: &str) -> Option<PathBuf> {
    let required = std::env::var(REQUIRE_VARIABLE).is_ok_and(|v| v == "require");
    let pinned = pinned_version(installer);
    let candidates: Vec<PathBuf> = match std::env::var_os(PYTHON_VARIABLE) {
        Some(python) => vec![PathBuf::from(python)],
        None => vec![PathBuf::from("python3")],
    };
    let mut reasons = Vec::new();
    for python in candidates {
        let out = Command::new(&python).args(["-c", version_script]).output();
        match out {
            Ok(out) if out.status.success() => {
                let found = String::from_utf8_lossy(&out.stdout).trim().to_string();
                if found == pinned {
                    return Some(python);
                }
                reasons.push(format!(
                    "`{}` has {installer} {found}, not the pinned {pinned}",
                    python.display()
                ));
            }
            Ok(out) => reasons.push(format!(
                "`{}` cannot find {installer}: {}",
                python.display(),
                String::from_utf8_lossy(&out.stderr)
                    .trim()
                    .lines()
                    .last()
                    .unwrap_or("")
            )),
            Err(err) => reasons.push(format!("`{}` cannot run: {err}", python.display())),
        }
    }
    let message = format!(
        "differential test against {installer} {pinned}: {}",
        reasons.join("; ")
    );
    if required {
        panic!("{message} ({REQUIRE_VARIABLE}=require; .ci/run sets {PYTHON_VARIABLE} to a virtual environment with tests/differential/installers.txt)");
    }
    // written past the test harness's capture, so a developer sees it in `cargo test`
    let _ = writeln!(
        std::io::stderr(),
        "SKIPPED {message}. Set {PYTHON_VARIABLE} to a Python with `pip install -r tests/differential/installers.txt` to run it."
    );
    None
}

/// Runs `driver` (a file under `drivers/`) once over every case; returns its header line
/// and one JSON answer per case, in order.
pub fn run_driver(
    python: &Path,
    driver: &str,
    cases: &[(String, PathBuf)],
) -> (serde_json::Value, Vec<serde_json::Value>) {
    let driver = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/differential/drivers")
        .join(driver);
    let input: Vec<serde_json::Value> = cases
        .iter()
        .map(|(case, path)| serde_json::json!({"case": case, "path": path}))
        .collect();
    let mut child = Command::new(python)
        .arg(&driver)
        // pip decodes an undeclared non-UTF-8 file with the locale's encoding: make it UTF-8,
        // as on CI, so "not UTF-8 and undeclared" is an error on both sides
        .env("LC_ALL", "C.UTF-8")
        .env("PYTHONUTF8", "1")
        .env("PIP_CONFIG_FILE", "/dev/null")
        .env("PIP_NO_INPUT", "1")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL")
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_TRUSTED_HOST")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start the differential driver");
    let mut stdin = child.stdin.take().expect("driver stdin");
    let body = serde_json::to_vec(&input).expect("cases as JSON");
    std::thread::spawn(move || {
        let _ = stdin.write_all(&body);
    });
    let out = child
        .wait_with_output()
        .expect("run the differential driver");
    assert!(
        out.status.success(),
        "the driver failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let mut lines = std::str::from_utf8(&out.stdout)
        .expect("driver output is UTF-8")
        .lines()
        .map(|line| serde_json::from_str::<serde_json::Value>(line).expect("driver JSON line"));
    let header = lines.next().expect("driver header");
    let answers: Vec<serde_json::Value> = lines.collect();
    assert_eq!(answers.len(), cases.len(), "one answer per case");
    for (answer, (case, _)) in answers.iter().zip(cases) {
        assert_eq!(answer["case"].as_str(), Some(case.as_str()));
    }
    (header, answers)
}

/// A small deterministic generator (xorshift64*): the same seed gives the same files on
/// every machine, so a failing case can be regenerated from its id.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed.max(1))
    }

    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }

    /// True with `percent` % probability.
    pub fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }

    pub fn hex(&mut self, len: usize) -> String {
        (0..len)
            .map(|_| char::from(b"0123456789abcdef"[self.below(16)]))
            .collect()
    }
}
