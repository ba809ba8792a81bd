//! Verification as a service for the run: each (provenance bytes, file) is verified once,
//! on a blocking thread, at most one verification per CPU at a time. Results are kept in
//! memory for the run only: a stored "verified" would be a claim anyone who can write the
//! cache could make.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::cache;
use super::single_flight::SingleFlight;
use crate::verify::{self, FailureReason, TrustRoot, VerifiedProvenance, VerifyError};

pub struct Verifier {
    trust_root: Arc<TrustRoot>,
    memo: SingleFlight<Result<VerifiedProvenance, VerifyError>>,
    /// Verification is CPU-bound: no more at once than there are CPUs.
    permits: Semaphore,
    done: AtomicUsize,
}

impl Verifier {
    pub fn new(trust_root: Arc<TrustRoot>) -> Verifier {
        Verifier {
            trust_root,
            memo: SingleFlight::default(),
            permits: Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            done: AtomicUsize::new(0),
        }
    }

    /// Verifications computed so far.
    pub fn verifications(&self) -> usize {
        self.done.load(Ordering::Relaxed)
    }

    /// Verifies `provenance` for the file (`filename`, `sha256`), once per run.
    pub async fn verify(
        &self,
        provenance: Bytes,
        filename: &str,
        sha256: &str,
    ) -> Result<VerifiedProvenance, VerifyError> {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&provenance));
        let key = cache::key(&[&digest, filename, sha256]);
        self.memo
            .run(key, || async move {
                let root = self.trust_root.clone();
                let (name, sha) = (filename.to_string(), sha256.to_string());
                let _permit = self.permits.acquire().await;
                let result = tokio::task::spawn_blocking(move || {
                    verify::verify_provenance(&provenance, &name, &sha, &root)
                })
                .await
                .unwrap_or_else(|e| {
                    Err(VerifyError {
                        reason: FailureReason::Malformed,
                        detail: format!("the verifier crashed: {e}"),
                    })
                });
                self.done.fetch_add(1, Ordering::Relaxed);
                result
            })
            .await
    }
}
