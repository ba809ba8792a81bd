//! Where raw answers come from, in order: the vendor directory (`--provenance-dir`), then —
//! for provenance objects only — the cache, then the network (never when `--offline`).
//! Where answers that were used go: provenance objects fresh from the network into the
//! cache, and every answer into the vendor directory being recorded (`pubgate fetch`).
//!
//! Bytes in, bytes out: what an answer means is [`super::answers`]' job. Nothing but
//! provenance objects is cached: a project page, a "no such project" or a "no provenance"
//! answer read back from a directory others can write could make a file look better than
//! it is. Disk reads and writes run on blocking threads, off the async workers.

use std::path::PathBuf;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::Semaphore;
use tokio::task::JoinError;

use super::cache::{self, Cache, Entry};
use super::client::HttpClient;
use super::vendor::{Stored, VendorDir};
use super::{simple, IndexOptions};
use crate::evidence::{Expected, FetchError, FetchFailure};
use crate::url::{CleanUrl, InvalidUrl, SecretUrl};

/// What pubgate accepts for provenance: the integrity media type, then plain JSON.
pub const PROVENANCE_ACCEPT: &str =
    "application/vnd.pypi.integrity.v1+json, application/json;q=0.9";

/// What is asked for: decides which stores may answer, the `Accept` header and the size limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Resource {
    Page,
    /// A provenance object, cached under `cache_key`: the URL without credentials and the
    /// file's sha256 (a re-upload has another digest, so an entry never goes stale).
    Provenance {
        cache_key: String,
    },
}

/// One URL to ask.
#[derive(Debug, Clone)]
pub struct Request {
    /// As asked, credentials included: they are sent, never shown.
    pub url: SecretUrl,
    pub clean: CleanUrl,
    pub resource: Resource,
}

impl Request {
    /// The project page of `project` (normalized) on `index`: `{index}/{project}/`.
    pub fn page(index: &SecretUrl, project: &str) -> Result<Request, InvalidUrl> {
        let url = SecretUrl::new(format!(
            "{}/{project}/",
            index.expose().trim_end_matches('/')
        ));
        Ok(Request {
            clean: CleanUrl::parse(url.expose())?,
            url,
            resource: Resource::Page,
        })
    }

    /// The provenance object at `url`, for the file with `sha256` (when one is known).
    pub fn provenance(url: &SecretUrl, sha256: Option<&str>) -> Result<Request, InvalidUrl> {
        let clean = CleanUrl::parse(url.expose())?;
        Ok(Request {
            resource: Resource::Provenance {
                cache_key: cache::key(&["provenance", clean.as_str(), sha256.unwrap_or("")]),
            },
            clean,
            url: url.clone(),
        })
    }

    /// A key naming what this request asks for, for single-flight.
    pub fn key(&self) -> String {
        match &self.resource {
            Resource::Page => self.clean.to_string(),
            Resource::Provenance { cache_key } => cache_key.clone(),
        }
    }

    fn error(&self, failure: FetchFailure) -> FetchError {
        FetchError::new(&self.clean, failure)
    }
}

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Vendor,
    Cache,
    Network,
}

/// An answer as a store or the index gave it, any status.
#[derive(Debug, Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub content_type: String,
    pub body: Bytes,
    pub origin: Origin,
    /// The URL the body came from (after redirects), credentials removed.
    pub final_url: CleanUrl,
}

/// How many answers came from where, and how many were recorded.
#[derive(Debug, Default)]
pub struct TransportCounts {
    pub network: AtomicUsize,
    pub cache_hits: AtomicUsize,
    pub vendor_hits: AtomicUsize,
    pub recorded: AtomicUsize,
}

/// Disk reads and writes running at once. Each runs on a blocking thread; unbounded, a
/// burst of them would start a thread (and its allocator arena) for each.
const DISK_JOBS: usize = 8;

/// The stores and the network of one run.
pub struct Transport {
    http: Option<HttpClient>,
    cache: Option<Arc<Cache>>,
    vendor: Option<Arc<VendorDir>>,
    record: Option<Arc<VendorDir>>,
    page_limit: usize,
    provenance_limit: usize,
    disk: Semaphore,
    counts: TransportCounts,
    record_errors: Mutex<Vec<String>>,
}

impl Transport {
    /// The HTTP client (unless offline; its network deadline is at most the run's), the
    /// cache (unless disabled; a cache that cannot be opened is skipped), the vendor
    /// directories.
    pub fn new(options: &IndexOptions) -> Transport {
        let http = (!options.offline).then(|| {
            let mut http = options.http.clone();
            http.overall_timeout = http.overall_timeout.min(options.deadline);
            HttpClient::new(http)
        });
        let cache = options
            .cache_dir
            .as_deref()
            .and_then(|dir| Cache::open(dir, options.provenance_limit).ok())
            .map(Arc::new);
        Transport {
            http,
            cache,
            vendor: options
                .provenance_dir
                .clone()
                .map(VendorDir::new)
                .map(Arc::new),
            record: options
                .record_into
                .clone()
                .map(VendorDir::new)
                .map(Arc::new),
            page_limit: options.page_limit,
            provenance_limit: options.provenance_limit,
            disk: Semaphore::new(DISK_JOBS),
            counts: TransportCounts::default(),
            record_errors: Mutex::new(Vec::new()),
        }
    }

    /// Lets an index's credentials apply to requests on its origin.
    pub fn register_index(&self, index: &SecretUrl) {
        if let Some(http) = &self.http {
            http.register_index(index);
        }
    }

    pub fn counts(&self) -> &TransportCounts {
        &self.counts
    }

    /// Errors writing the vendor directory being recorded.
    pub fn record_errors(&self) -> Vec<String> {
        self.record_errors
            .lock()
            .map(|e| e.clone())
            .unwrap_or_default()
    }

    /// One answer: from the vendor directory, then (provenance only, status 200 only) the
    /// cache, then the network when online.
    pub async fn get(&self, request: &Request) -> Result<RawAnswer, FetchError> {
        if let Some(vendor) = &self.vendor {
            if let Some(stored) = self.read_vendored(vendor, request).await? {
                self.counts.vendor_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(RawAnswer {
                    status: stored.status,
                    content_type: stored.content_type,
                    body: stored.body,
                    origin: Origin::Vendor,
                    final_url: request.clean.clone(),
                });
            }
        }
        if let (Resource::Provenance { cache_key }, Some(cache)) = (&request.resource, &self.cache)
        {
            if let Some(entry) = self.read_cached(cache, cache_key).await {
                self.counts.cache_hits.fetch_add(1, Ordering::Relaxed);
                return Ok(RawAnswer {
                    status: 200,
                    content_type: entry.content_type,
                    body: entry.body,
                    origin: Origin::Cache,
                    final_url: request.clean.clone(),
                });
            }
        }
        let Some(http) = &self.http else {
            return Err(request.error(match (&self.vendor, &request.resource) {
                (Some(dir), _) => FetchFailure::NotVendored {
                    dir: dir.root().to_path_buf(),
                },
                (None, Resource::Page) => FetchFailure::OfflinePage,
                (None, Resource::Provenance { .. }) => FetchFailure::OfflineNotCached,
            }));
        };
        let (accept, limit, of) = match request.resource {
            Resource::Page => (simple::PAGE_ACCEPT, self.page_limit, Expected::Page),
            Resource::Provenance { .. } => (
                PROVENANCE_ACCEPT,
                self.provenance_limit,
                Expected::Provenance,
            ),
        };
        let response = http.get(request.url.expose(), accept, limit, of).await?;
        self.counts.network.fetch_add(1, Ordering::Relaxed);
        Ok(RawAnswer {
            status: response.status,
            content_type: response.content_type,
            body: response.body,
            origin: Origin::Network,
            final_url: response.final_url,
        })
    }

    /// Keeps an answer that was used: a provenance object fresh from the network goes to
    /// the cache, and every answer to the vendor directory being recorded.
    pub async fn keep(&self, request: &Request, answer: &RawAnswer) {
        let cache = match (&request.resource, answer.origin, answer.status, &self.cache) {
            (Resource::Provenance { cache_key }, Origin::Network, 200, Some(cache)) => {
                Some((cache.clone(), cache_key.clone()))
            }
            _ => None,
        };
        let record = self.record.clone();
        if cache.is_none() && record.is_none() {
            return;
        }
        let (clean, resource) = (request.clean.clone(), request.resource.clone());
        let stored = Stored {
            status: answer.status,
            content_type: answer.content_type.clone(),
            body: answer.body.clone(),
        };
        let written = self
            .on_disk(move || {
                if let Some((cache, key)) = cache {
                    cache.write(
                        &key,
                        clean.as_str(),
                        &Entry {
                            content_type: stored.content_type.clone(),
                            body: stored.body.clone(),
                        },
                    );
                }
                let record = record?;
                let result = match resource {
                    Resource::Page => record.write_page(&clean, &stored),
                    Resource::Provenance { .. } => record.write_provenance(&clean, &stored),
                };
                Some(result.map_err(|e| record_error(&clean, record.root().to_path_buf(), e)))
            })
            .await
            .unwrap_or_else(|e| {
                let root = self.record.as_ref().map(|r| r.root().to_path_buf());
                root.map(|root| Err(record_error(&request.clean, root, e)))
            });
        match written {
            Some(Ok(())) => {
                self.counts.recorded.fetch_add(1, Ordering::Relaxed);
            }
            Some(Err(message)) => {
                if let Ok(mut errors) = self.record_errors.lock() {
                    errors.push(message);
                }
            }
            None => {}
        }
    }
}

fn record_error(clean: &CleanUrl, root: PathBuf, error: impl std::fmt::Display) -> String {
    format!("cannot write `{clean}` into `{}`: {error}", root.display())
}

impl Transport {
    /// Runs disk work on a blocking thread, at most [`DISK_JOBS`] at once.
    async fn on_disk<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, JoinError> {
        let _permit = self.disk.acquire().await;
        tokio::task::spawn_blocking(work).await
    }

    /// A vendored answer for `request`, read off the async workers (the directory may be
    /// slow or large; the async workers keep the run's clock).
    async fn read_vendored(
        &self,
        vendor: &Arc<VendorDir>,
        request: &Request,
    ) -> Result<Option<Stored>, FetchError> {
        let (vendor, clean, resource) = (
            vendor.clone(),
            request.clean.clone(),
            request.resource.clone(),
        );
        self.on_disk(move || match resource {
            Resource::Page => vendor.read_page(&clean).transpose(),
            Resource::Provenance { .. } => Ok(vendor.read_provenance(&clean)),
        })
        .await
        .unwrap_or_else(|e| {
            Err(FetchFailure::Request {
                message: format!("reading the provenance directory failed: {e}"),
            })
        })
        .map_err(|failure| request.error(failure))
    }

    /// A cached provenance object, read off the async workers; any failure is a miss.
    async fn read_cached(&self, cache: &Arc<Cache>, key: &str) -> Option<Entry> {
        let (cache, key) = (cache.clone(), key.to_string());
        self.on_disk(move || cache.read(&key)).await.ok().flatten()
    }
}
