//! Evidence from the package index: for every locked artifact, is there provenance, does it
//! verify, who published it — and what the previous release looked like.
//!
//! [`gather`] is the entry point. Under it:
//! - [`resolve`]: what to fetch for a package, decided without fetching (matching locked
//!   artifacts to index files, the history walk), and carrying that out;
//! - [`fetcher`]: each page and provenance outcome once per run, composing
//!   [`transport`] (vendor dir → cache, for provenance objects only → network; recording),
//!   [`answers`] (what a raw answer means) and [`verification`] (verifying once per file);
//! - [`client`] (HTTP with retries and limits), [`simple`] (PEP 691 / PEP 503 project
//!   pages), [`cache`], [`vendor`] (the `pubgate fetch` layout).
//!
//! The whole gathering runs under one deadline ([`IndexOptions::deadline`]). The layout of
//! the cache and vendor directories and the threat model are in `docs/index-and-cache.md`.

pub mod answers;
pub mod cache;
pub mod client;
mod congestion;
pub mod fetcher;
pub mod log;
pub mod network;
pub mod releases;
pub mod resolve;
pub mod scope;
pub mod simple;
mod single_flight;
pub mod transport;
pub mod vendor;
pub mod verification;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use crate::evidence::{
    ArtifactEvidence, History, LockfileEvidence, PackageEvidence, ProvenanceStatus,
    UnavailableCause,
};
use crate::lockfile::{Location, LockedPackage, Lockfile, Source, PYPI_SIMPLE};
use crate::url::SecretUrl;
use crate::verify::TrustRoot;

pub use client::HttpOptions;
pub use fetcher::{FetchStats, Fetcher};
pub use resolve::IndexContext;

/// Everything that decides where evidence comes from and how it is fetched.
#[derive(Debug, Clone)]
pub struct IndexOptions {
    /// The index that stands in for PyPI (`--index-url`): used for packages whose lockfile
    /// names PyPI (or names no index); other indexes a lockfile names are used as named.
    pub index_url: SecretUrl,
    /// No network: project pages and "no provenance" answers come from the vendor
    /// directory only (the cache holds provenance objects, never pages).
    pub offline: bool,
    /// Read answers from a directory written by `pubgate fetch` first.
    pub provenance_dir: Option<PathBuf>,
    /// The cache directory (provenance objects only); `None` disables the cache.
    pub cache_dir: Option<PathBuf>,
    /// Record every answer into this directory (`pubgate fetch --into`).
    pub record_into: Option<PathBuf>,
    pub http: HttpOptions,
    pub trust_root: Arc<TrustRoot>,
    /// The whole gathering's deadline, from its start: network waits, parsing and
    /// verification. Work still running when it passes ends as `unavailable`. The network
    /// deadline (`http.overall_timeout`) is at most this.
    pub deadline: Duration,
    /// Largest project page accepted, in bytes.
    pub page_limit: usize,
    /// Largest provenance object accepted, in bytes.
    pub provenance_limit: usize,
    /// Indexes (besides `pypi.org` and `test.pypi.org`) whose integrity API is authoritative:
    /// asked directly when their pages predate PEP 740, a "no provenance" 404 proving absence.
    pub authoritative_integrity: Vec<SecretUrl>,
    /// Gather history (the previous release) for each package.
    pub history: bool,
    /// Files of the previous release examined at most.
    pub history_max_files: usize,
    /// Packages worked on at once, at least `http.concurrency` (their requests share it).
    pub package_concurrency: usize,
    /// Which locked files are examined (`--python`, `--platform`): every one by default.
    pub scope: scope::ArtifactScope,
    /// Package sources the environment's variables name (`PIP_INDEX_URL`, …): copied into
    /// every lockfile's evidence, so the policy judges them like sources it names (PG006).
    pub environment_sources: Vec<network::EnvironmentSource>,
    /// Where files from a mirror get their provenance ([`IndexOptions::mirrors`]);
    /// `None`: PyPI.
    pub provenance_index: Option<SecretUrl>,
    /// Indexes that mirror the provenance index: a package looked up on one of them is
    /// looked up on the provenance index instead, each file bound by its locked sha256.
    pub mirrors: Vec<SecretUrl>,
}

impl IndexOptions {
    /// Defaults: PyPI, the XDG cache, 16 requests in flight, 30 s per request.
    pub fn new(trust_root: TrustRoot) -> IndexOptions {
        IndexOptions {
            index_url: SecretUrl::new(PYPI_SIMPLE),
            offline: false,
            provenance_dir: None,
            cache_dir: cache::default_dir(),
            record_into: None,
            http: HttpOptions::default(),
            trust_root: Arc::new(trust_root),
            deadline: Duration::from_secs(300),
            page_limit: 64 * 1024 * 1024,
            provenance_limit: 4 * 1024 * 1024,
            authoritative_integrity: Vec::new(),
            history: true,
            history_max_files: 8,
            package_concurrency: 16,
            scope: scope::ArtifactScope::default(),
            environment_sources: Vec::new(),
            provenance_index: None,
            mirrors: Vec::new(),
        }
    }
}

/// Progress of a gather, for a progress bar. Calls come from the gathering task.
pub trait Progress: Send + Sync {
    /// How many packages will be looked at.
    fn planned(&self, _packages: usize) {}
    fn started(&self, _package: &LockedPackage) {}
    fn finished(&self, _package: &LockedPackage, _evidence: &PackageEvidence) {}
}

/// A [`Progress`] that ignores everything.
#[derive(Debug, Clone, Copy, Default)]
pub struct NoProgress;
impl Progress for NoProgress {}

/// The run could not start or broke down (not a per-package problem: those are evidence).
#[derive(Debug, thiserror::Error)]
pub enum GatherError {
    #[error("cannot start the async runtime: {0}")]
    Runtime(std::io::Error),
    #[error("internal error while gathering evidence: {0}")]
    Task(tokio::task::JoinError),
    #[error("internal error: a package got no evidence")]
    NoEvidence,
}

/// Evidence plus what the run did.
#[derive(Debug)]
pub struct GatherReport {
    pub evidence: Vec<LockfileEvidence>,
    pub stats: FetchStats,
    /// Failures writing `record_into` (empty when not recording).
    pub record_errors: Vec<String>,
}

/// Gathers evidence for every package of every lockfile, in lockfile order.
pub async fn gather(
    lockfiles: &[Lockfile],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<Vec<LockfileEvidence>, GatherError> {
    Ok(gather_report(lockfiles, options, progress).await?.evidence)
}

/// [`gather`] on a runtime of its own, for synchronous callers.
pub fn gather_blocking(
    lockfiles: &[Lockfile],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<Vec<LockfileEvidence>, GatherError> {
    Ok(gather_report_blocking(lockfiles, options, progress)?.evidence)
}

/// [`gather_report`] on a runtime of its own. Work cut off by the deadline (a page still
/// being parsed, a verification) is left to finish in the background: the runtime is not
/// waited for.
pub fn gather_report_blocking(
    lockfiles: &[Lockfile],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<GatherReport, GatherError> {
    let runtime = runtime()?;
    let report = runtime.block_on(gather_report(lockfiles, options, progress));
    runtime.shutdown_background();
    report
}

/// A multi-threaded runtime for the blocking wrappers.
pub fn runtime() -> Result<tokio::runtime::Runtime, GatherError> {
    // Blocking threads do short file reads and the CPU work `Verifier::on_cpu` admits (one
    // per core): a few suffice, and each thread that allocates may hold a malloc arena of
    // its own, so more threads would mean more memory, not more speed.
    let cpus = std::thread::available_parallelism().map_or(2, |n| n.get());
    tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(2 * cpus + 2)
        .enable_all()
        .build()
        .map_err(GatherError::Runtime)
}

/// [`gather`], also returning where answers came from and any recording errors.
pub async fn gather_report(
    lockfiles: &[Lockfile],
    options: &IndexOptions,
    progress: &dyn Progress,
) -> Result<GatherReport, GatherError> {
    let deadline = tokio::time::Instant::now() + options.deadline;
    let fetcher = Fetcher::new(options);
    let jobs: Vec<(usize, &LockedPackage)> = lockfiles
        .iter()
        .enumerate()
        .flat_map(|(i, lock)| lock.packages.iter().map(move |p| (i, p)))
        .collect();
    progress.planned(jobs.len());
    let contexts: Vec<Option<IndexContext>> = jobs
        .iter()
        .map(|(_, package)| index_for(package, options))
        .collect();
    for context in contexts.iter().flatten() {
        fetcher.register_index(&context.url);
    }
    for ((_, package), context) in jobs.iter().zip(&contexts) {
        if let (Some(context), Some(_)) = (context, &package.version) {
            fetcher.expect_page(&context.url, &package.name);
        }
    }

    // Each package is a task of its own, so CPU work (parsing, cache reads) spreads over
    // the runtime's threads; progress events come back here, to the calling task.
    let fetcher = Arc::new(fetcher);
    let permits = Arc::new(tokio::sync::Semaphore::new(
        // At least as many packages as requests may be in flight, so a higher
        // `--concurrency` is never held back by this one; no more than that, as each
        // package in flight holds its project page (the bulk of a run's memory).
        options
            .package_concurrency
            .max(options.http.concurrency)
            .max(1),
    ));
    let (events, mut received) = tokio::sync::mpsc::unbounded_channel();
    let mut tasks = AbortOnDrop(Vec::with_capacity(jobs.len()));
    let mut out_of_scope = 0;
    for (position, ((_, package), context)) in jobs.iter().zip(contexts).enumerate() {
        let (fetcher, permits, events) = (fetcher.clone(), permits.clone(), events.clone());
        let mut package = (*package).clone();
        if context.is_some() {
            out_of_scope += in_scope(&mut package, &options.scope);
        }
        let limit = options.deadline;
        tasks.0.push(tokio::spawn(async move {
            let work = async {
                let _permit = permits.acquire_owned().await;
                let _ = events.send(Event::Started(position));
                package_evidence(&fetcher, context.as_ref(), &package).await
            };
            let evidence = match context {
                // Nothing to fetch, parse or verify: no deadline applies.
                None => work.await,
                Some(_) if tokio::time::Instant::now() >= deadline => {
                    past_deadline(&package, context.as_ref(), limit)
                }
                Some(_) => match tokio::time::timeout_at(deadline, work).await {
                    Ok(evidence) => evidence,
                    Err(_) => past_deadline(&package, context.as_ref(), limit),
                },
            };
            let _ = events.send(Event::Finished(position, Box::new(evidence)));
        }));
    }
    drop(events);
    let mut results: Vec<Option<PackageEvidence>> = vec![None; jobs.len()];
    let mut started = vec![false; jobs.len()];
    while let Some(event) = received.recv().await {
        match event {
            Event::Started(position) => {
                started[position] = true;
                progress.started(jobs[position].1);
            }
            Event::Finished(position, evidence) => {
                if !std::mem::replace(&mut started[position], true) {
                    // Cut off by the deadline while waiting for its turn.
                    progress.started(jobs[position].1);
                }
                progress.finished(jobs[position].1, &evidence);
                results[position] = Some(*evidence);
            }
        }
    }
    for task in std::mem::take(&mut tasks.0) {
        task.await.map_err(GatherError::Task)?;
    }
    let results = results
        .into_iter()
        .map(|r| r.ok_or(GatherError::NoEvidence))
        .collect::<Result<Vec<_>, _>>()?;

    let mut evidence: Vec<LockfileEvidence> = lockfiles
        .iter()
        .map(|lock| LockfileEvidence {
            path: lock.path.clone(),
            format: lock.format,
            packages: Vec::with_capacity(lock.packages.len()),
            unpinned: lock.unpinned.clone(),
            indexes: lock.indexes.clone(),
            environment: options.environment_sources.clone(),
        })
        .collect();
    for ((lock_index, _), package) in jobs.iter().zip(results) {
        evidence[*lock_index].packages.push(package);
    }
    let mut stats = fetcher.stats();
    stats.out_of_scope = out_of_scope;
    Ok(GatherReport {
        evidence,
        stats,
        record_errors: fetcher.record_errors(),
    })
}

/// Keeps the locked files of an index package that `scope` admits; returns how many were
/// left out. When none would remain (no file installs on the targets), every file is kept:
/// examining more never passes what examining less would fail.
fn in_scope(package: &mut LockedPackage, scope: &scope::ArtifactScope) -> usize {
    if scope.everything() || !package.artifacts.iter().any(|a| scope.admits(&a.filename)) {
        return 0;
    }
    let before = package.artifacts.len();
    package.artifacts.retain(|a| scope.admits(&a.filename));
    before - package.artifacts.len()
}

enum Event {
    Started(usize),
    Finished(usize, Box<PackageEvidence>),
}

/// Aborts the package tasks when a gather is dropped before it finishes, so no request
/// outlives the caller's interest in it.
struct AbortOnDrop(Vec<tokio::task::JoinHandle<()>>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        for task in &self.0 {
            task.abort();
        }
    }
}

/// Evidence for a package the run's deadline cut off: every file unavailable, naming the
/// deadline (what was finished is not kept: the package is judged on nothing partial).
fn past_deadline(
    package: &LockedPackage,
    index: Option<&IndexContext>,
    limit: Duration,
) -> PackageEvidence {
    let (artifacts, history) =
        resolve::release_unavailable(package, UnavailableCause::deadline(limit, &package.name));
    PackageEvidence {
        package: package.clone(),
        index_url: index.map(|i| i.url.clone()),
        artifacts,
        history,
        project_status: None,
    }
}

/// Evidence for one package: index sources are resolved, others are not applicable.
pub async fn package_evidence(
    fetcher: &Fetcher,
    index: Option<&IndexContext>,
    package: &LockedPackage,
) -> PackageEvidence {
    match index {
        Some(index) => resolve::index_package(fetcher, index, package).await,
        None => PackageEvidence {
            package: package.clone(),
            index_url: None,
            artifacts: package
                .artifacts
                .iter()
                .map(|a| ArtifactEvidence {
                    filename: crate::evidence::named(&a.filename),
                    sha256: a.sha256.clone(),
                    locked_hash: a.sha256.is_some(),
                    unbound_hashes: Vec::new(),
                    foreign_url: None,
                    provenance: ProvenanceStatus::NotApplicable,
                    yanked: None,
                })
                .collect(),
            history: History::NotApplicable,
            project_status: None,
        },
    }
}

/// The index a package is looked up on, or `None` for non-index sources.
pub fn index_for(package: &LockedPackage, options: &IndexOptions) -> Option<IndexContext> {
    let Source::Index { url } = &package.source else {
        return None;
    };
    let url = if is_pypi_default(url.expose()) {
        options.index_url.clone()
    } else {
        url.clone()
    };
    let provenance_index = options
        .provenance_index
        .clone()
        .unwrap_or_else(|| SecretUrl::new(PYPI_SIMPLE));
    let mirrored = !same_index(url.expose(), provenance_index.expose())
        && options
            .mirrors
            .iter()
            .any(|m| same_index(m.expose(), url.expose()));
    let (url, mirror) = if mirrored {
        (provenance_index, Some(url))
    } else {
        (url, None)
    };
    Some(IndexContext {
        authoritative_integrity: is_authoritative(&url, options),
        url,
        history: options.history,
        history_max_files: options.history_max_files,
        mirror,
    })
}

/// Whether a lockfile's index URL means "PyPI" (and so follows `--index-url`).
pub fn is_pypi_default(url: &str) -> bool {
    let url = url.trim().trim_end_matches('/').to_ascii_lowercase();
    matches!(
        url.as_str(),
        "" | "https://pypi.org/simple" | "https://pypi.python.org/simple" | "https://pypi.org/pypi"
    )
}

fn same_index(a: &str, b: &str) -> bool {
    crate::url::strip_credentials(a).eq_ignore_ascii_case(&crate::url::strip_credentials(b))
}

fn is_authoritative(url: &SecretUrl, options: &IndexOptions) -> bool {
    let pypi = client::split_credentials(url.expose())
        .ok()
        .is_some_and(|(u, _)| {
            u.scheme() == "https" && matches!(u.host_str(), Some("pypi.org" | "test.pypi.org"))
        });
    pypi || options
        .authoritative_integrity
        .iter()
        .any(|a| same_index(a.expose(), url.expose()))
}

/// Evidence for one release (`pubgate inspect`): every file of it, and its history.
pub async fn inspect(
    name: &str,
    version: &str,
    options: &IndexOptions,
) -> Result<PackageEvidence, GatherError> {
    let package = LockedPackage {
        name: crate::dist::PackageName::new(name),
        version: Some(version.to_string()),
        source: Source::Index {
            url: options.index_url.clone(),
        },
        artifacts: Vec::new(),
        marker: None,
        location: Location {
            path: PathBuf::from("<command line>"),
            line: 1,
        },
        attestation_identities: Vec::new(),
    };
    let lockfile = Lockfile {
        path: PathBuf::from("<command line>"),
        format: crate::lockfile::LockFormat::Requirements,
        packages: vec![package],
        unpinned: Vec::new(),
        indexes: Vec::new(),
    };
    let mut evidence = gather(std::slice::from_ref(&lockfile), options, &NoProgress).await?;
    evidence
        .pop()
        .and_then(|mut lock| lock.packages.pop())
        .ok_or(GatherError::NoEvidence)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pypi_is_recognized_in_its_spellings() {
        assert!(is_pypi_default("https://pypi.org/simple"));
        assert!(is_pypi_default("https://pypi.org/simple/"));
        assert!(is_pypi_default("https://PyPI.org/simple"));
        assert!(!is_pypi_default("https://download.pytorch.org/whl/cpu"));
    }

    #[test]
    fn only_pypi_and_listed_indexes_are_authoritative() {
        let options = IndexOptions::new(TrustRoot::production().unwrap());
        assert!(is_authoritative(
            &SecretUrl::new("https://pypi.org/simple"),
            &options
        ));
        assert!(is_authoritative(
            &SecretUrl::new("https://u:p@test.pypi.org/simple/"),
            &options
        ));
        assert!(!is_authoritative(
            &SecretUrl::new("http://pypi.org/simple"),
            &options
        ));
        assert!(!is_authoritative(
            &SecretUrl::new("https://mirror.example/simple"),
            &options
        ));
        let mut options = options;
        options.authoritative_integrity = vec![SecretUrl::new("http://127.0.0.1:1/simple/")];
        assert!(is_authoritative(
            &SecretUrl::new("http://127.0.0.1:1/simple"),
            &options
        ));
    }
}
