//! Where answers come from, in order: the vendor directory (`--provenance-dir`), then —
//! for provenance objects only — the cache, then the network (never when `--offline`).
//! Every URL is asked once per run (single-flight); fresh network answers are recorded, for
//! `pubgate fetch`, into the vendor directory being written, and provenance objects are
//! cached. Nothing else is cached: a project page, a "no such project" or a "no provenance"
//! answer read back from a directory others can write could make a file look better than
//! it is, and a verification result could be forged outright. Provenance is verified on
//! every run, memoized only in memory.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use reqwest::Url;
use serde::Serialize;
use tokio::sync::OnceCell;

use super::cache::{self, Cache, Entry};
use super::client::{split_credentials, HttpClient};
use super::simple::{self, ProjectPage};
use super::vendor::{Stored, VendorDir};
use super::IndexOptions;
use crate::url::SecretUrl;
use crate::verify::{self, TrustRoot, VerifiedProvenance, VerifyError};

/// What pubgate accepts for provenance: the integrity media type, then plain JSON.
pub const PROVENANCE_ACCEPT: &str =
    "application/vnd.pypi.integrity.v1+json, application/json;q=0.9";

/// A project page: the parsed page, or the index's "no such project".
#[derive(Debug, Clone)]
pub enum PageAnswer {
    Found(Arc<ProjectPage>),
    NotFound,
}

/// What came of asking for one file's provenance. The provenance bytes themselves are not
/// kept: once verified, only the (small) result is, for the rest of the run.
#[derive(Debug, Clone)]
pub enum ProvenanceOutcome {
    /// Fetched and verified.
    Verified(Box<VerifiedProvenance>),
    /// Fetched; verification refused it.
    Failed(VerifyError),
    /// The index answered 404, with this message.
    NotFound(String),
    /// Fetched, but no sha256 is known to bind it to the file.
    Unbound,
    /// Could not be fetched (cause given).
    Error(String),
}

/// A fetched provenance object, or the index's 404.
enum ProvenanceAnswer {
    Found(Vec<u8>),
    NotFound(String),
}

/// Counters for one run: where answers came from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct FetchStats {
    /// Answers fetched over the network (after retries).
    pub network: usize,
    /// Provenance objects served by the cache (verified again all the same).
    pub cache_hits: usize,
    /// Answers served by the vendor directory.
    pub vendor_hits: usize,
    /// Verifications computed (every provenance object used, once per run).
    pub verifications: usize,
    /// Answers written into the vendor directory being recorded.
    pub recorded: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Origin {
    Vendor,
    Cache,
    Network,
}

struct Raw {
    status: u16,
    content_type: String,
    body: Vec<u8>,
    origin: Origin,
    final_url: Url,
}

/// What is being loaded: decides which stores may answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Page,
    Provenance,
}

/// Runs each keyed computation once; later callers share its result.
struct SingleFlight<T> {
    cells: Mutex<HashMap<String, Arc<OnceCell<T>>>>,
}

impl<T: Clone> SingleFlight<T> {
    fn new() -> Self {
        SingleFlight {
            cells: Mutex::new(HashMap::new()),
        }
    }

    async fn run<F, Fut>(&self, key: String, compute: F) -> T
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = T>,
    {
        let cell = {
            let mut cells = self.cells.lock().unwrap_or_else(|e| e.into_inner());
            cells.entry(key).or_default().clone()
        };
        cell.get_or_init(compute).await.clone()
    }
}

/// The per-run fetch layer.
pub struct Fetcher {
    http: Option<HttpClient>,
    cache: Option<Cache>,
    vendor: Option<VendorDir>,
    record: Option<VendorDir>,
    trust_root: Arc<TrustRoot>,
    page_limit: usize,
    provenance_limit: usize,
    pages: SingleFlight<Result<PageAnswer, String>>,
    provenance: SingleFlight<ProvenanceOutcome>,
    verifications: SingleFlight<Result<VerifiedProvenance, VerifyError>>,
    record_errors: Mutex<Vec<String>>,
    /// Bounds verifications running at once to the CPUs (each is CPU-bound).
    verify_permits: tokio::sync::Semaphore,
    network: AtomicUsize,
    cache_hits: AtomicUsize,
    vendor_hits: AtomicUsize,
    verifications_done: AtomicUsize,
    recorded: AtomicUsize,
}

impl Fetcher {
    /// Sets up the run: the HTTP client (unless offline; its network deadline is at most
    /// the run's), the cache (unless disabled; a cache that cannot be opened is skipped),
    /// the vendor directories.
    pub fn new(options: &IndexOptions) -> Result<Fetcher, String> {
        let http = if options.offline {
            None
        } else {
            let mut http = options.http.clone();
            http.overall_timeout = http.overall_timeout.min(options.deadline);
            Some(HttpClient::new(http)?)
        };
        let cache = options
            .cache_dir
            .as_deref()
            .and_then(|dir| Cache::open(dir, options.provenance_limit).ok());
        Ok(Fetcher {
            http,
            cache,
            vendor: options.provenance_dir.clone().map(VendorDir::new),
            record: options.record_into.clone().map(VendorDir::new),
            trust_root: options.trust_root.clone(),
            page_limit: options.page_limit,
            provenance_limit: options.provenance_limit,
            pages: SingleFlight::new(),
            provenance: SingleFlight::new(),
            verifications: SingleFlight::new(),
            record_errors: Mutex::new(Vec::new()),
            verify_permits: tokio::sync::Semaphore::new(
                std::thread::available_parallelism().map_or(2, |n| n.get()),
            ),
            network: AtomicUsize::new(0),
            cache_hits: AtomicUsize::new(0),
            vendor_hits: AtomicUsize::new(0),
            verifications_done: AtomicUsize::new(0),
            recorded: AtomicUsize::new(0),
        })
    }

    /// Lets an index's credentials apply to requests on its origin.
    pub fn register_index(&self, index: &SecretUrl) {
        if let Some(http) = &self.http {
            http.register_index(index);
        }
    }

    /// Where answers came from so far.
    pub fn stats(&self) -> FetchStats {
        FetchStats {
            network: self.network.load(Ordering::Relaxed),
            cache_hits: self.cache_hits.load(Ordering::Relaxed),
            vendor_hits: self.vendor_hits.load(Ordering::Relaxed),
            verifications: self.verifications_done.load(Ordering::Relaxed),
            recorded: self.recorded.load(Ordering::Relaxed),
        }
    }

    /// Errors writing the vendor directory (`pubgate fetch --into`).
    pub fn record_errors(&self) -> Vec<String> {
        self.record_errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// The project page of `project` (normalized) on `index`: from the vendor directory or
    /// the network, never from the cache.
    pub async fn page(&self, index: &SecretUrl, project: &str) -> Result<PageAnswer, String> {
        let request = page_url(index.expose(), project);
        let (clean, _) = split_credentials(&request)?;
        self.pages
            .run(clean.to_string(), || {
                self.load_page(request.clone(), clean.clone())
            })
            .await
    }

    async fn load_page(&self, request: String, clean: Url) -> Result<PageAnswer, String> {
        let raw = self
            .load(
                Kind::Page,
                &request,
                &clean,
                "",
                simple::PAGE_ACCEPT,
                self.page_limit,
            )
            .await?;
        let (answer, raw) = match raw.status {
            200 => {
                // Parsing is CPU work on untrusted bytes: off the async workers, so the
                // run's deadline still fires while a hostile page is being parsed.
                let (parsed, raw) = tokio::task::spawn_blocking(move || {
                    let parsed = simple::parse_page(&raw.body, &raw.content_type, &raw.final_url);
                    (parsed, raw)
                })
                .await
                .map_err(|e| format!("`{clean}`: the page parser crashed: {e}"))?;
                let page = parsed.map_err(|e| format!("`{clean}`: {e}"))?;
                (PageAnswer::Found(Arc::new(page)), raw)
            }
            404 | 410 => (PageAnswer::NotFound, raw),
            status => return Err(refused(&clean, status, &raw.body)),
        };
        self.commit(Kind::Page, &clean, "", &raw);
        Ok(answer)
    }

    /// Fetches the provenance at `url` and verifies it for (`filename`, `sha256`), once per
    /// (URL, sha256, filename) per run. The sha256 is also part of the cache key: provenance for a given
    /// file never changes, and a re-upload has another digest.
    pub async fn provenance(
        &self,
        url: &str,
        filename: &str,
        sha256: Option<&str>,
    ) -> ProvenanceOutcome {
        let clean = match split_credentials(url) {
            Ok((clean, _)) => clean,
            Err(cause) => return ProvenanceOutcome::Error(cause),
        };
        // The filename is part of the key: the outcome is a verification for this file, and
        // two files may share a (hostile) link and digest.
        let key = format!("{clean} {} {filename}", sha256.unwrap_or(""));
        self.provenance
            .run(key, || async {
                let answer = self
                    .load_provenance(
                        url.to_string(),
                        clean.clone(),
                        sha256.unwrap_or("").to_string(),
                    )
                    .await;
                match answer {
                    Err(cause) => ProvenanceOutcome::Error(cause),
                    Ok(ProvenanceAnswer::NotFound(message)) => ProvenanceOutcome::NotFound(message),
                    Ok(ProvenanceAnswer::Found(bytes)) => match sha256 {
                        None => ProvenanceOutcome::Unbound,
                        Some(sha256) => {
                            match self.verify(Arc::new(bytes), filename, sha256).await {
                                Ok(verified) => ProvenanceOutcome::Verified(Box::new(verified)),
                                Err(e) => ProvenanceOutcome::Failed(e),
                            }
                        }
                    },
                }
            })
            .await
    }

    async fn load_provenance(
        &self,
        request: String,
        clean: Url,
        sha256: String,
    ) -> Result<ProvenanceAnswer, String> {
        let key = cache::key(&["provenance", clean.as_str(), &sha256]);
        let raw = self
            .load(
                Kind::Provenance,
                &request,
                &clean,
                &key,
                PROVENANCE_ACCEPT,
                self.provenance_limit,
            )
            .await?;
        let answer = match raw.status {
            200 => {
                if !is_json_media_type(&raw.content_type) {
                    return Err(format!(
                        "`{clean}`: unexpected content type `{}` for provenance",
                        raw.content_type
                    ));
                }
                if let Err(e) = serde_json::from_slice::<serde::de::IgnoredAny>(&raw.body) {
                    return Err(format!("`{clean}`: the provenance is not valid JSON: {e}"));
                }
                ProvenanceAnswer::Found(raw.body.clone())
            }
            404 => ProvenanceAnswer::NotFound(json_message(&raw.body)),
            403 => {
                return Err(format!(
                    "`{clean}`: HTTP 403: {}",
                    non_empty(json_message(&raw.body), "the index refused")
                ))
            }
            status => return Err(refused(&clean, status, &raw.body)),
        };
        self.commit(Kind::Provenance, &clean, &key, &raw);
        Ok(answer)
    }

    /// Verifies provenance for (`filename`, `sha256`), once per run. Results are never
    /// cached on disk: a stored "verified" is a claim anyone who can write the cache could
    /// make.
    pub async fn verify(
        &self,
        provenance: Arc<Vec<u8>>,
        filename: &str,
        sha256: &str,
    ) -> Result<VerifiedProvenance, VerifyError> {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(
            provenance.as_slice(),
        ));
        let key = cache::key(&[&digest, filename, sha256]);
        self.verifications
            .run(key, || async move {
                let root = self.trust_root.clone();
                let (name, sha) = (filename.to_string(), sha256.to_string());
                let bytes = provenance.clone();
                let _permit = self.verify_permits.acquire().await;
                let result = tokio::task::spawn_blocking(move || {
                    verify::verify_provenance(&bytes, &name, &sha, &root)
                })
                .await
                .unwrap_or_else(|e| {
                    Err(VerifyError {
                        reason: verify::FailureReason::Malformed,
                        detail: format!("the verifier crashed: {e}"),
                    })
                });
                self.verifications_done.fetch_add(1, Ordering::Relaxed);
                result
            })
            .await
    }

    /// One answer: from the vendor directory, then (provenance only, status 200 only) the
    /// cache, then the network when online.
    async fn load(
        &self,
        kind: Kind,
        request: &str,
        clean: &Url,
        key: &str,
        accept: &str,
        limit: usize,
    ) -> Result<Raw, String> {
        if let Some(vendor) = &self.vendor {
            let stored = match kind {
                Kind::Page => vendor
                    .read_page(clean)
                    .transpose()
                    .map_err(|message| format!("`{clean}`: {message}"))?,
                Kind::Provenance => vendor.read_provenance(clean),
            };
            if let Some(stored) = stored {
                self.vendor_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Raw {
                    status: stored.status,
                    content_type: stored.content_type,
                    body: stored.body,
                    origin: Origin::Vendor,
                    final_url: clean.clone(),
                });
            }
        }
        if kind == Kind::Provenance {
            if let Some(entry) = self.cache.as_ref().and_then(|c| c.read(key)) {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Raw {
                    status: 200,
                    content_type: entry.content_type,
                    body: entry.body,
                    origin: Origin::Cache,
                    final_url: clean.clone(),
                });
            }
        }
        let Some(http) = &self.http else {
            return Err(match (&self.vendor, kind) {
                (Some(dir), _) => format!(
                    "`{clean}`: not in the provenance directory `{}` (run `pubgate fetch` again)",
                    dir.root().display()
                ),
                (None, Kind::Page) => format!(
                    "`{clean}`: offline, and project pages are read only from a `--provenance-dir` (the cache holds provenance objects, not pages); run `pubgate fetch --into DIR` online, then check with `--offline --provenance-dir DIR`"
                ),
                (None, Kind::Provenance) => format!("`{clean}`: offline and not in the cache"),
            });
        };
        let response = http
            .get(request, accept, limit)
            .await
            .map_err(|e| e.to_string())?;
        self.network.fetch_add(1, Ordering::Relaxed);
        let (final_url, _) = split_credentials(response.final_url.as_str())
            .map_err(|e| format!("`{clean}`: {e}"))?;
        Ok(Raw {
            status: response.status,
            content_type: response.content_type,
            body: response.body,
            origin: Origin::Network,
            final_url,
        })
    }

    /// Keeps an answer that was used: provenance objects fresh from the network go to the
    /// cache, and every answer goes to the vendor directory being recorded.
    fn commit(&self, kind: Kind, clean: &Url, key: &str, raw: &Raw) {
        if let (Origin::Network, Kind::Provenance, 200, Some(cache)) =
            (raw.origin, kind, raw.status, &self.cache)
        {
            cache.write(
                key,
                clean.as_str(),
                &Entry {
                    content_type: raw.content_type.clone(),
                    body: raw.body.clone(),
                },
            );
        }
        if let Some(record) = &self.record {
            let stored = Stored {
                status: raw.status,
                content_type: raw.content_type.clone(),
                body: raw.body.clone(),
            };
            let result = match kind {
                Kind::Page => record.write_page(clean, &stored),
                Kind::Provenance => record.write_provenance(clean, &stored),
            };
            match result {
                Ok(()) => {
                    self.recorded.fetch_add(1, Ordering::Relaxed);
                }
                Err(e) => {
                    if let Ok(mut errors) = self.record_errors.lock() {
                        errors.push(format!(
                            "cannot write `{clean}` into `{}`: {e}",
                            record.root().display()
                        ));
                    }
                }
            }
        }
    }
}

/// `{index}/{project}/`.
pub fn page_url(index: &str, project: &str) -> String {
    format!("{}/{project}/", index.trim_end_matches('/'))
}

fn is_json_media_type(content_type: &str) -> bool {
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    media == "application/json" || media.ends_with("+json")
}

/// The `message` of a JSON error body, or `""`.
fn json_message(body: &[u8]) -> String {
    serde_json::from_slice::<serde_json::Value>(body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        // Hostile text must not steer the terminal: no control characters, bounded length.
        .map(|m| m.chars().filter(|c| !c.is_control()).take(200).collect())
        .unwrap_or_default()
}

fn non_empty(text: String, fallback: &str) -> String {
    if text.is_empty() {
        fallback.to_string()
    } else {
        text
    }
}

fn refused(url: &Url, status: u16, body: &[u8]) -> String {
    let message = json_message(body);
    if message.is_empty() {
        format!("`{url}`: HTTP {status}")
    } else {
        format!("`{url}`: HTTP {status}: {message}")
    }
}
