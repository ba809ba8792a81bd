//! Helpers shared by the `e2e_*` tests: hand-written lockfiles, a fake PyPI built from them
//! (provenance signed by the test signer), and `pubgate` run as a child process with an
//! environment that cannot reach the internet.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use pubgate::testing::fake_pypi::{
    index_from_lockfiles, synthetic_sha256, BuildOptions, FakeIndex, FakePypi, Minter,
};
use serde_json::Value;

/// A proxy nobody listens on: any request that is not for loopback goes there and fails
/// at once, so a test that forgets `--index-url` (or a lockfile naming a real index) can
/// never reach the internet.
pub const DEAD_PROXY: &str = "http://127.0.0.1:9";

/// `pubgate` run in `cwd`, with an environment that keeps it on loopback: no
/// `PUBGATE_INDEX_URL`, every proxy variable pointed at [`DEAD_PROXY`] with loopback
/// exempt, the default cache under `target/tmp` (runs pass `--no-cache` or a cache dir),
/// no colour, no GitHub step summary.
pub fn pubgate(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("pubgate").unwrap();
    // A run that outlives every deadline pubgate sets itself is killed (and fails the test)
    // rather than hanging the suite.
    cmd.timeout(Duration::from_secs(180));
    cmd.current_dir(cwd)
        .envs(
            pubgate::index::network::INDEX_VARIABLES
                .iter()
                .map(|v| (v, "")),
        )
        .env_remove("PUBGATE_INDEX_URL")
        .env_remove("GITHUB_STEP_SUMMARY")
        .env_remove("GITHUB_ACTIONS")
        .env("NO_COLOR", "1")
        .env(
            "XDG_CACHE_HOME",
            Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-xdg-cache"),
        )
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost");
    for proxy in [
        "HTTPS_PROXY",
        "HTTP_PROXY",
        "ALL_PROXY",
        "https_proxy",
        "http_proxy",
        "all_proxy",
    ] {
        cmd.env(proxy, DEAD_PROXY);
    }
    cmd
}

/// What a finished `pubgate` run left behind.
#[derive(Debug)]
pub struct Run {
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl Run {
    pub fn of(mut cmd: Command) -> Run {
        let started = Instant::now();
        let Output {
            status,
            stdout,
            stderr,
        } = cmd.output().unwrap();
        Run {
            code: status.code(),
            stdout: String::from_utf8(stdout).unwrap(),
            stderr: String::from_utf8(stderr).unwrap(),
            elapsed: started.elapsed(),
        }
    }

    /// Panics with the whole run unless it exited with `code`.
    pub fn expect_code(&self, code: i32) -> &Run {
        assert_eq!(
            self.code,
            Some(code),
            "expected exit {code}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout,
            self.stderr
        );
        self
    }

    /// stdout as the JSON report.
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| {
            panic!(
                "stdout is not JSON ({e}):\n{}\n{}",
                self.stdout, self.stderr
            )
        })
    }

    /// `(rule, package, exempted)` for every finding of a JSON report, in report order.
    pub fn findings(&self) -> Vec<(String, String, bool)> {
        findings(&self.json())
    }
}

/// `(rule, package or "", exempted)` for every finding of a JSON report.
pub fn findings(report: &Value) -> Vec<(String, String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["package"].as_str().unwrap_or("").to_string(),
                !f["exempted_by"].is_null(),
            )
        })
        .collect()
}

/// The provenance status of every artifact of `package` in a JSON report.
pub fn statuses(report: &Value, package: &str) -> Vec<String> {
    report["packages"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|p| p["name"] == package)
        .flat_map(|p| p["artifacts"].as_array().unwrap().iter())
        .map(|a| a["provenance"].as_str().unwrap().to_string())
        .collect()
}

/// Where a locked package comes from, in a hand-written uv.lock.
#[derive(Debug, Clone)]
pub enum Src {
    /// `https://pypi.org/simple` (looked up on `--index-url`).
    Pypi,
    /// Another index, used as named.
    Registry(String),
    Git {
        url: String,
        commit: String,
    },
    Url(String),
    Editable(String),
}

/// One `[[package]]` of a hand-written uv.lock.
#[derive(Debug, Clone)]
pub struct Pkg {
    pub name: String,
    pub version: String,
    pub source: Src,
    /// (filename, sha256); the sdist first.
    pub files: Vec<(String, Option<String>)>,
}

impl Pkg {
    /// A PyPI package with an sdist and a universal wheel, hashed with the fake index's
    /// synthetic digests.
    pub fn pypi(name: &str, version: &str) -> Pkg {
        let dist = name.replace('-', "_");
        let files = [
            format!("{dist}-{version}.tar.gz"),
            format!("{dist}-{version}-py3-none-any.whl"),
        ]
        .into_iter()
        .map(|f| {
            let sha = synthetic_sha256(&f);
            (f, Some(sha))
        })
        .collect();
        Pkg {
            name: name.into(),
            version: version.into(),
            source: Src::Pypi,
            files,
        }
    }

    pub fn on(mut self, source: Src) -> Pkg {
        self.source = source;
        self
    }

    /// The sha256 locked for `filename`.
    pub fn sha(&self, index: usize) -> String {
        self.files[index].1.clone().unwrap()
    }
}

/// A uv.lock (`version = 1`) holding `packages`, in that order.
pub fn uv_lock(packages: &[Pkg]) -> String {
    let mut out = String::from("version = 1\nrevision = 3\nrequires-python = \">=3.9\"\n");
    for p in packages {
        out.push_str(&format!(
            "\n[[package]]\nname = \"{}\"\nversion = \"{}\"\n",
            p.name, p.version
        ));
        let base = match &p.source {
            Src::Pypi => {
                out.push_str("source = { registry = \"https://pypi.org/simple\" }\n");
                Some("https://files.pythonhosted.org/packages/ab/cd".to_string())
            }
            Src::Registry(url) => {
                out.push_str(&format!("source = {{ registry = \"{url}\" }}\n"));
                Some(format!("{}/files", url.trim_end_matches("/simple")))
            }
            Src::Git { url, commit } => {
                out.push_str(&format!(
                    "source = {{ git = \"{url}?rev=main#{commit}\" }}\n"
                ));
                None
            }
            Src::Url(url) => {
                out.push_str(&format!("source = {{ url = \"{url}\" }}\n"));
                None
            }
            Src::Editable(path) => {
                out.push_str(&format!("source = {{ editable = \"{path}\" }}\n"));
                None
            }
        };
        let entry = |(filename, sha): &(String, Option<String>)| {
            let hash = sha
                .as_ref()
                .map(|s| format!(", hash = \"sha256:{s}\""))
                .unwrap_or_default();
            let url = match (&base, &p.source) {
                (Some(base), _) => format!("{base}/{filename}"),
                (None, Src::Url(url)) => url.clone(),
                _ => unreachable!("files only for index and URL sources"),
            };
            format!("{{ url = \"{url}\"{hash}, size = 1024 }}")
        };
        let mut files = p.files.iter();
        if let Some(sdist) = p.files.first().filter(|(f, _)| f.ends_with(".tar.gz")) {
            out.push_str(&format!("sdist = {}\n", entry(sdist)));
            files.next();
        }
        let wheels: Vec<String> = files.map(|f| format!("    {},\n", entry(f))).collect();
        if !wheels.is_empty() {
            out.push_str(&format!("wheels = [\n{}]\n", wheels.concat()));
        }
    }
    out
}

/// A fake PyPI on loopback, the directory it serves and the test signer's trust root.
pub struct Site {
    pub server: FakePypi,
    /// `trusted_root.json` under which the minted provenance verifies.
    pub trusted_root: PathBuf,
    _dir: SiteDir,
}

/// Where a site's files live: removed with the site, or (for a site in a `static`, which
/// is never dropped) kept for the process and swept by a later run.
enum SiteDir {
    Temp(tempfile::TempDir),
    Process(PathBuf),
}

impl SiteDir {
    fn path(&self) -> &Path {
        match self {
            SiteDir::Temp(dir) => dir.path(),
            SiteDir::Process(path) => path,
        }
    }
}

impl Site {
    /// Serves `index`, with the test signer's trust root beside it.
    pub fn serve(index: &FakeIndex) -> Site {
        Site::serve_in(SiteDir::Temp(scratch_dir()), index)
    }

    /// [`Site::serve`] for a site shared by a whole test file through a `static`: its
    /// files go to `target/tmp/e2e-sites/<label>-<pid>`, and directories of processes that
    /// have ended are removed first.
    pub fn serve_shared(label: &str, index: &FakeIndex) -> Site {
        let base = Path::new(env!("CARGO_TARGET_TMPDIR")).join("e2e-sites");
        sweep_ended_processes(&base);
        let dir = base.join(format!("{label}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        Site::serve_in(SiteDir::Process(dir), index)
    }

    fn serve_in(dir: SiteDir, index: &FakeIndex) -> Site {
        let root = dir.path().join("index");
        index.write(&root).unwrap();
        let trusted_root = dir.path().join("trusted_root.json");
        std::fs::write(
            &trusted_root,
            pubgate::testing::signer::global().trusted_root_json(),
        )
        .unwrap();
        let server = FakePypi::start(&root).unwrap();
        Site {
            server,
            trusted_root,
            _dir: dir,
        }
    }

    /// A fake PyPI for every index package of the lockfile text (named `name`, which picks
    /// its format), shaped by `options`, provenance from `minter`.
    pub fn for_lockfile(
        name: &str,
        text: &str,
        options: &BuildOptions,
        minter: &dyn Minter,
    ) -> Site {
        Site::serve(&index_for_lockfile(name, text, options, minter))
    }

    /// [`Site::for_lockfile`] for a `static` ([`Site::serve_shared`]).
    pub fn shared_for_lockfile(
        label: &str,
        name: &str,
        text: &str,
        options: &BuildOptions,
        minter: &dyn Minter,
    ) -> Site {
        Site::serve_shared(label, &index_for_lockfile(name, text, options, minter))
    }

    pub fn index_url(&self) -> String {
        self.server.index_url()
    }

    /// The index this site is, as a lockfile names another index.
    pub fn port(&self) -> u16 {
        self.server.addr().port()
    }

    /// `pubgate check ARGS…` in `cwd` against this site: no cache, the test trust root,
    /// short timeouts.
    pub fn check(&self, cwd: &Path, args: &[&str]) -> Run {
        let mut cmd = pubgate(cwd);
        cmd.arg("check")
            .args(args)
            .args(["--index-url", &self.index_url()])
            .arg("--trusted-root")
            .arg(&self.trusted_root);
        if !args
            .iter()
            .any(|a| *a == "--cache-dir" || *a == "--no-cache")
        {
            cmd.arg("--no-cache");
        }
        if !args.contains(&"--timeout") {
            cmd.args(["--timeout", "10"]);
        }
        Run::of(cmd)
    }
}

/// The fake index for a lockfile's text (named `name`, which picks its format).
fn index_for_lockfile(
    name: &str,
    text: &str,
    options: &BuildOptions,
    minter: &dyn Minter,
) -> FakeIndex {
    let scratch = tempfile::tempdir().unwrap();
    let path = scratch.path().join(name);
    std::fs::write(&path, text).unwrap();
    let lock = pubgate::lockfile::read(&path, None).unwrap();
    index_from_lockfiles(&[lock], options, minter).unwrap()
}

/// Removes `base/<label>-<pid>` directories whose process is gone (Linux: `/proc/<pid>`).
fn sweep_ended_processes(base: &Path) {
    if !Path::new("/proc/self").is_dir() {
        return;
    }
    let Ok(entries) = std::fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().to_string();
        let Some(pid) = name
            .rsplit_once('-')
            .and_then(|(_, pid)| pid.parse::<u32>().ok())
        else {
            continue;
        };
        if !Path::new(&format!("/proc/{pid}")).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
        }
    }
}

/// A temporary directory for a fake index: in memory (`/dev/shm`) where there is one, as
/// indexes built from large lockfiles write thousands of files.
pub fn scratch_dir() -> tempfile::TempDir {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        if let Ok(dir) = tempfile::Builder::new()
            .prefix("pubgate-e2e-")
            .tempdir_in(shm)
        {
            return dir;
        }
    }
    tempfile::tempdir().unwrap()
}

/// A scratch project directory holding `files` (relative name, contents).
pub fn project(files: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, text) in files {
        let path = dir.path().join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap();
        }
        std::fs::write(path, text).unwrap();
    }
    dir
}

/// A JSON file of the repository.
pub fn repo_json(path: &str) -> Value {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap()
}
