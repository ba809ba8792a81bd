//! Where answers come from, in order: the vendor directory (`--provenance-dir`), the cache,
//! then the network (never when `--offline`). Every URL is asked once per run
//! (single-flight); fresh network answers are cached and, for `pubgate fetch`, recorded
//! into the vendor directory being written. Verification results are memoized and cached
//! by the provenance bytes' digest and the trust root's digest.

use std::collections::HashMap;
use std::future::Future;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use reqwest::Url;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use tokio::sync::OnceCell;

use super::cache::{self, Cache, Entry, EntryKind};
use super::client::{split_credentials, FetchError, FetchErrorKind, HttpClient};
use super::simple::{self, ProjectPage};
use super::vendor::{Stored, VendorDir};
use super::IndexOptions;
use crate::url::SecretUrl;
use crate::verify::{self, TrustRoot, VerifiedProvenance, VerifyError};

/// Part of every verification cache key besides pubgate's version: bump it whenever what
/// verifies changes, so development builds (one version, several verifiers) never reuse a
/// result an older verifier accepted. 2: attestations must agree on their publisher.
const VERIFIER_REVISION: &str = "2";

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
    /// Answers served by the cache.
    pub cache_hits: usize,
    /// Answers served by the vendor directory.
    pub vendor_hits: usize,
    /// Verifications served by the cache (no cryptography).
    pub verification_cache_hits: usize,
    /// Verifications computed.
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

/// The cached form of a successful verification.
#[derive(Serialize, Deserialize)]
struct CachedVerification {
    provenance_sha256: String,
    trust_root: String,
    filename: String,
    sha256: String,
    result: VerifiedProvenance,
}

/// The per-run fetch layer.
pub struct Fetcher {
    http: Option<HttpClient>,
    cache: Option<Cache>,
    vendor: Option<VendorDir>,
    record: Option<VendorDir>,
    trust_root: Arc<TrustRoot>,
    page_ttl: Duration,
    negative_ttl: Duration,
    page_limit: usize,
    provenance_limit: usize,
    offline: bool,
    pages: SingleFlight<Result<PageAnswer, String>>,
    provenance: SingleFlight<ProvenanceOutcome>,
    verifications: SingleFlight<Result<VerifiedProvenance, VerifyError>>,
    record_errors: Mutex<Vec<String>>,
    /// Bounds verifications running at once to the CPUs (each is CPU-bound).
    verify_permits: tokio::sync::Semaphore,
    network: AtomicUsize,
    cache_hits: AtomicUsize,
    vendor_hits: AtomicUsize,
    verification_cache_hits: AtomicUsize,
    verifications_done: AtomicUsize,
    recorded: AtomicUsize,
}

impl Fetcher {
    /// Sets up the run: the HTTP client (unless offline), the cache (unless disabled; a
    /// cache that cannot be opened is skipped), the vendor directories.
    pub fn new(options: &IndexOptions) -> Result<Fetcher, String> {
        let http = if options.offline {
            None
        } else {
            Some(HttpClient::new(options.http.clone())?)
        };
        let cache = options
            .cache_dir
            .as_deref()
            .and_then(|dir| Cache::open(dir).ok());
        Ok(Fetcher {
            http,
            cache,
            vendor: options.provenance_dir.clone().map(VendorDir::new),
            record: options.record_into.clone().map(VendorDir::new),
            trust_root: options.trust_root.clone(),
            page_ttl: options.page_ttl,
            negative_ttl: options.negative_ttl,
            page_limit: options.page_limit,
            provenance_limit: options.provenance_limit,
            offline: options.offline,
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
            verification_cache_hits: AtomicUsize::new(0),
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
            verification_cache_hits: self.verification_cache_hits.load(Ordering::Relaxed),
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

    /// The project page of `project` (normalized) on `index`.
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
        let key = cache::key(&["page", clean.as_str()]);
        let raw = self
            .load(
                EntryKind::Page,
                &request,
                &clean,
                &key,
                simple::PAGE_ACCEPT,
                self.page_limit,
            )
            .await
            .map_err(|e| e.to_string())?;
        let answer = match raw.status {
            200 => {
                let page = simple::parse_page(&raw.body, &raw.content_type, &raw.final_url)
                    .map_err(|e| format!("`{clean}`: {e}"))?;
                PageAnswer::Found(Arc::new(page))
            }
            404 | 410 => PageAnswer::NotFound,
            status => return Err(refused(&clean, status, &raw.body)),
        };
        self.commit(EntryKind::Page, &clean, &key, &raw);
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
                EntryKind::Provenance,
                &request,
                &clean,
                &key,
                PROVENANCE_ACCEPT,
                self.provenance_limit,
            )
            .await
            .map_err(|e| e.to_string())?;
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
        self.commit(EntryKind::Provenance, &clean, &key, &raw);
        Ok(answer)
    }

    /// Verifies provenance for (`filename`, `sha256`), once per run, and from the cache when
    /// this exact verification already succeeded with this trust root and this pubgate.
    pub async fn verify(
        &self,
        provenance: Arc<Vec<u8>>,
        filename: &str,
        sha256: &str,
    ) -> Result<VerifiedProvenance, VerifyError> {
        let digest = hex::encode(Sha256::digest(provenance.as_slice()));
        let key = self.verification_key(&digest, filename, sha256);
        self.verifications
            .run(key.clone(), || async move {
                if let Some(hit) = self.cached_verification(&key, &digest, filename, sha256) {
                    self.verification_cache_hits.fetch_add(1, Ordering::Relaxed);
                    return Ok(hit);
                }
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
                // Only successes are cached: a failure is rare and cheap to recompute, and
                // never caching one means a fixed verifier is never masked by an old entry.
                if let (Ok(verified), Some(cache)) = (&result, &self.cache) {
                    let cached = CachedVerification {
                        provenance_sha256: digest.clone(),
                        trust_root: self.trust_root.digest().to_string(),
                        filename: filename.to_string(),
                        sha256: sha256.to_string(),
                        result: verified.clone(),
                    };
                    if let Ok(body) = serde_json::to_vec(&cached) {
                        cache.write(
                            EntryKind::Verification,
                            &key,
                            filename,
                            &Entry {
                                status: 200,
                                content_type: "application/json".into(),
                                body,
                                stored_at: cache::now(),
                            },
                        );
                    }
                }
                result
            })
            .await
    }

    /// The cache key of a verification: what was verified, against which root, by which
    /// pubgate (a newer verifier never trusts an older one's results).
    fn verification_key(&self, provenance_digest: &str, filename: &str, sha256: &str) -> String {
        cache::key(&[
            "verification",
            env!("CARGO_PKG_VERSION"),
            VERIFIER_REVISION,
            provenance_digest,
            self.trust_root.digest(),
            filename,
            sha256,
        ])
    }

    fn cached_verification(
        &self,
        key: &str,
        digest: &str,
        filename: &str,
        sha256: &str,
    ) -> Option<VerifiedProvenance> {
        let entry = self.cache.as_ref()?.read(EntryKind::Verification, key)?;
        let cached: CachedVerification = serde_json::from_slice(&entry.body).ok()?;
        // The key already binds these; checking them again costs nothing.
        (cached.provenance_sha256 == digest
            && cached.trust_root == self.trust_root.digest()
            && cached.filename == filename
            && cached.sha256 == sha256)
            .then_some(cached.result)
    }

    async fn load(
        &self,
        kind: EntryKind,
        request: &str,
        clean: &Url,
        key: &str,
        accept: &str,
        limit: usize,
    ) -> Result<Raw, FetchError> {
        if let Some(vendor) = &self.vendor {
            let stored = match kind {
                EntryKind::Page => {
                    vendor
                        .read_page(clean)
                        .transpose()
                        .map_err(|message| FetchError {
                            url: clean.to_string(),
                            kind: FetchErrorKind::Invalid(message),
                        })?
                }
                _ => vendor.read_provenance(clean),
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
        if let Some(entry) = self.cache.as_ref().and_then(|c| c.read(kind, key)) {
            if self.offline || self.is_fresh(kind, &entry) {
                self.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(Raw {
                    status: entry.status,
                    content_type: entry.content_type,
                    body: entry.body,
                    origin: Origin::Cache,
                    final_url: clean.clone(),
                });
            }
        }
        let Some(http) = &self.http else {
            return Err(FetchError {
                url: clean.to_string(),
                kind: match &self.vendor {
                    Some(dir) => FetchErrorKind::NotVendored(dir.root().display().to_string()),
                    None => FetchErrorKind::Offline,
                },
            });
        };
        let response = http.get(request, accept, limit).await?;
        self.network.fetch_add(1, Ordering::Relaxed);
        let (final_url, _) =
            split_credentials(response.final_url.as_str()).map_err(|e| FetchError {
                url: clean.to_string(),
                kind: FetchErrorKind::Invalid(e),
            })?;
        Ok(Raw {
            status: response.status,
            content_type: response.content_type,
            body: response.body,
            origin: Origin::Network,
            final_url,
        })
    }

    fn is_fresh(&self, kind: EntryKind, entry: &Entry) -> bool {
        let ttl = match (kind, entry.status) {
            // Provenance for a (URL, sha256) never changes once published.
            (EntryKind::Provenance, 200) => return true,
            (EntryKind::Page, 200) => self.page_ttl,
            _ => self.negative_ttl,
        };
        cache::now().saturating_sub(entry.stored_at) < ttl.as_secs()
    }

    fn commit(&self, kind: EntryKind, clean: &Url, key: &str, raw: &Raw) {
        if raw.origin == Origin::Network {
            if let Some(cache) = &self.cache {
                if kind != EntryKind::Provenance
                    || raw.status == 200
                    || !self.negative_ttl.is_zero()
                {
                    cache.write(
                        kind,
                        key,
                        clean.as_str(),
                        &Entry {
                            status: raw.status,
                            content_type: raw.content_type.clone(),
                            body: raw.body.clone(),
                            stored_at: cache::now(),
                        },
                    );
                }
            }
        }
        if let Some(record) = &self.record {
            let stored = Stored {
                status: raw.status,
                content_type: raw.content_type.clone(),
                body: raw.body.clone(),
            };
            let result = match kind {
                EntryKind::Page => record.write_page(clean, &stored),
                _ => record.write_provenance(clean, &stored),
            };
            if result.is_ok() {
                self.recorded.fetch_add(1, Ordering::Relaxed);
            }
            if let Err(e) = result {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::{PublisherKind, VerifiedPublisher};

    fn verified() -> VerifiedProvenance {
        let publisher = VerifiedPublisher {
            kind: PublisherKind::GitHub,
            repository: Some("o/r".into()),
            workflow: Some("release.yml".into()),
            workflow_filepath: None,
            email: None,
            git_ref: Some("refs/tags/v1".into()),
            commit: None,
            issuer: None,
            san: None,
            project_id: None,
            pipeline_definition_id: None,
            environment: None,
        };
        VerifiedProvenance {
            publisher,
            claimed: None,
            attestations: Vec::new(),
        }
    }

    /// Options with one of two real trust roots (`staging`: the other one).
    fn options(cache: &std::path::Path, staging: bool) -> IndexOptions {
        let name = if staging { "staging" } else { "production" };
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join(format!("fixtures/sigstore/trusted_root.{name}.json"));
        let mut options = IndexOptions::new(TrustRoot::from_file(&path).unwrap());
        options.cache_dir = Some(cache.to_path_buf());
        options.offline = true;
        options
    }

    /// Plants a verification result the way a previous run would have stored it.
    fn plant(
        fetcher: &Fetcher,
        bytes: &[u8],
        filename: &str,
        sha256: &str,
        result: &VerifiedProvenance,
    ) -> std::path::PathBuf {
        let digest = hex::encode(Sha256::digest(bytes));
        let key = fetcher.verification_key(&digest, filename, sha256);
        let cached = CachedVerification {
            provenance_sha256: digest,
            trust_root: fetcher.trust_root.digest().to_string(),
            filename: filename.into(),
            sha256: sha256.into(),
            result: result.clone(),
        };
        let cache = fetcher.cache.as_ref().unwrap();
        cache.write(
            EntryKind::Verification,
            &key,
            filename,
            &Entry {
                status: 200,
                content_type: "application/json".into(),
                body: serde_json::to_vec(&cached).unwrap(),
                stored_at: cache::now(),
            },
        );
        cache.path(EntryKind::Verification, &key)
    }

    #[tokio::test]
    async fn cached_verifications_are_bound_to_bytes_root_and_file_and_checked() {
        let dir = tempfile::tempdir().unwrap();
        let bytes = b"{\"version\":1,\"attestation_bundles\":[]}".to_vec();
        let sha = "ab".repeat(32);
        let fetcher = Fetcher::new(&options(dir.path(), false)).unwrap();
        let path = plant(&fetcher, &bytes, "a-1.0.tar.gz", &sha, &verified());

        // A planted success is used without verifying (these bytes would never verify).
        let fresh = Fetcher::new(&options(dir.path(), false)).unwrap();
        assert_eq!(
            fresh
                .verify(Arc::new(bytes.clone()), "a-1.0.tar.gz", &sha)
                .await,
            Ok(verified())
        );
        assert_eq!(fresh.stats().verification_cache_hits, 1);
        assert_eq!(fresh.stats().verifications, 0);

        // Other bytes, another file, another digest or another trust root: verified afresh.
        let other_bytes = Fetcher::new(&options(dir.path(), false)).unwrap();
        assert!(other_bytes
            .verify(Arc::new(b"{}".to_vec()), "a-1.0.tar.gz", &sha)
            .await
            .is_err());
        assert!(other_bytes
            .verify(Arc::new(bytes.clone()), "a-2.0.tar.gz", &sha)
            .await
            .is_err());
        assert!(other_bytes
            .verify(Arc::new(bytes.clone()), "a-1.0.tar.gz", &"cd".repeat(32))
            .await
            .is_err());
        let other_root = Fetcher::new(&options(dir.path(), true)).unwrap();
        assert!(other_root
            .verify(Arc::new(bytes.clone()), "a-1.0.tar.gz", &sha)
            .await
            .is_err());

        // An edited entry fails its digest check, is deleted and verification runs again.
        let text = std::fs::read_to_string(&path)
            .unwrap()
            .replace("o/r", "x/y");
        std::fs::write(&path, text).unwrap();
        let after_edit = Fetcher::new(&options(dir.path(), false)).unwrap();
        assert!(after_edit
            .verify(Arc::new(bytes.clone()), "a-1.0.tar.gz", &sha)
            .await
            .is_err());
        assert_eq!(after_edit.stats().verifications, 1);
        assert!(!path.exists());
    }
}
