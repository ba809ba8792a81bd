//! The run's answers: project pages and provenance outcomes, each asked once per run
//! (single-flight, failures included). It composes the [`Transport`] (where raw answers
//! come from and where used ones go), [`answers`] (what an answer means) and the
//! [`Verifier`] (what provenance proves).

use std::collections::HashMap;
use std::sync::atomic::Ordering;
use std::sync::Mutex;

use serde::Serialize;

use super::answers::{self, PageAnswer, ProvenanceAnswer};
use super::single_flight::SingleFlight;
use super::transport::{Request, Transport};
use super::verification::Verifier;
use super::IndexOptions;
use crate::evidence::{FetchError, FetchFailure};
use crate::url::{CleanUrl, SecretUrl};
use crate::verify::{VerifiedProvenance, VerifyError};

/// What came of asking for one file's provenance. The provenance bytes themselves are not
/// kept: once verified, only the (small) result is, for the rest of the run.
#[derive(Debug, Clone)]
pub enum ProvenanceOutcome {
    /// Fetched and verified.
    Verified(std::sync::Arc<VerifiedProvenance>),
    /// Fetched; verification refused it.
    Failed(VerifyError),
    /// The index answered 404 at `url`, with this message.
    NotFound { url: CleanUrl, message: String },
    /// Fetched, but no sha256 is known to bind it to the file.
    Unbound,
    /// Could not be fetched.
    Error(FetchError),
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
    /// Locked files left out because they install on none of the targets (`--python`,
    /// `--platform`).
    pub out_of_scope: usize,
}

/// The per-run answer layer.
pub struct Fetcher {
    transport: Transport,
    verifier: Verifier,
    pages: SingleFlight<Result<PageAnswer, FetchError>>,
    /// How many packages of the run still need each page (by request key), when the run
    /// said so in advance ([`Fetcher::expect_page`]): a page nobody needs any more is
    /// dropped, so a run holds the pages of the packages in flight, not of all of them.
    page_users: Mutex<HashMap<String, usize>>,
    provenance: SingleFlight<ProvenanceOutcome>,
}

impl Fetcher {
    pub fn new(options: &IndexOptions) -> Fetcher {
        Fetcher {
            transport: Transport::new(options),
            verifier: Verifier::new(options.trust_root.clone()),
            pages: SingleFlight::default(),
            page_users: Mutex::new(HashMap::new()),
            provenance: SingleFlight::default(),
        }
    }

    /// Lets an index's credentials apply to requests on its origin.
    pub fn register_index(&self, index: &SecretUrl) {
        self.transport.register_index(index);
    }

    /// Where answers came from so far.
    pub fn stats(&self) -> FetchStats {
        let counts = self.transport.counts();
        FetchStats {
            network: counts.network.load(Ordering::Relaxed),
            cache_hits: counts.cache_hits.load(Ordering::Relaxed),
            vendor_hits: counts.vendor_hits.load(Ordering::Relaxed),
            verifications: self.verifier.verifications(),
            recorded: counts.recorded.load(Ordering::Relaxed),
            out_of_scope: 0,
        }
    }

    /// Errors writing the vendor directory (`pubgate fetch --into`).
    pub fn record_errors(&self) -> Vec<String> {
        self.transport.record_errors()
    }

    /// Says that one more package of the run will ask the page of `project` on `index` and
    /// call [`Fetcher::page_done`] when it no longer needs it.
    pub fn expect_page(&self, index: &SecretUrl, project: &str) {
        if let Ok(request) = Request::page(index, project) {
            let mut users = self.page_users.lock().unwrap_or_else(|e| e.into_inner());
            *users.entry(request.key()).or_default() += 1;
        }
    }

    /// A package that announced itself with [`Fetcher::expect_page`] is done with the page:
    /// once no announced package needs it, it is dropped (never asked again: nobody left
    /// will ask). Pages nobody announced are kept for the run.
    pub fn page_done(&self, index: &SecretUrl, project: &str) {
        let Ok(request) = Request::page(index, project) else {
            return;
        };
        let key = request.key();
        let mut users = self.page_users.lock().unwrap_or_else(|e| e.into_inner());
        if let Some(count) = users.get_mut(&key) {
            *count = count.saturating_sub(1);
            if *count == 0 {
                users.remove(&key);
                self.pages.forget(&key);
            }
        }
    }

    /// The project page of `project` (normalized) on `index`: from the vendor directory or
    /// the network, never from the cache.
    pub async fn page(&self, index: &SecretUrl, project: &str) -> Result<PageAnswer, FetchError> {
        let request = Request::page(index, project)?;
        self.pages
            .run(request.key(), || async {
                let raw = self.transport.get(&request).await?;
                let (read, raw) = self
                    .verifier
                    .on_cpu(move || (answers::read_page(&raw), raw))
                    .await
                    .map_err(|e| {
                        FetchError::new(&request.clean, FetchFailure::ParserCrashed(e.to_string()))
                    })?;
                let answer = read.map_err(|failure| FetchError::new(&request.clean, failure))?;
                self.transport.keep(&request, &raw).await;
                Ok(answer)
            })
            .await
    }

    /// Fetches the provenance at `url` and verifies it for (`filename`, `sha256`), once per
    /// (URL, sha256, filename) per run. The filename is part of the key because the outcome
    /// is a verification for this file (two files may share a hostile link and digest).
    pub async fn provenance(
        &self,
        url: &SecretUrl,
        filename: &str,
        sha256: Option<&str>,
    ) -> ProvenanceOutcome {
        let request = match Request::provenance(url, sha256) {
            Ok(request) => request,
            Err(invalid) => return ProvenanceOutcome::Error(invalid.into()),
        };
        let key = format!("{} {filename}", request.key());
        self.provenance
            .run(key, || async {
                match self.load_provenance(&request).await {
                    Err(error) => ProvenanceOutcome::Error(error),
                    Ok(ProvenanceAnswer::NotFound(message)) => ProvenanceOutcome::NotFound {
                        url: request.clean.clone(),
                        message,
                    },
                    Ok(ProvenanceAnswer::Found(bytes)) => match sha256 {
                        None => ProvenanceOutcome::Unbound,
                        Some(sha256) => match self.verifier.verify(bytes, filename, sha256).await {
                            Ok(verified) => ProvenanceOutcome::Verified(verified),
                            Err(e) => ProvenanceOutcome::Failed(e),
                        },
                    },
                }
            })
            .await
    }

    async fn load_provenance(&self, request: &Request) -> Result<ProvenanceAnswer, FetchError> {
        let raw = self.transport.get(request).await?;
        let answer = answers::read_provenance(&raw)
            .map_err(|failure| FetchError::new(&request.clean, failure))?;
        self.transport.keep(request, &raw).await;
        Ok(answer)
    }
}
