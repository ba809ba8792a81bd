//! Verification as a service for the run: each (provenance bytes, file) is verified once,
//! on a blocking thread, at most one verification per CPU at a time. Results are kept in
//! memory for the run only: a stored "verified" would be a claim anyone who can write the
//! cache could make.
//!
//! Files signed with one leaf certificate (a release's sdist and wheels, signed in one CI
//! job) share its chain-and-SCT check (the trust root's certificate cache): the first of
//! them to arrive verifies in full, and the others wait for it — without holding a CPU
//! slot — and then reuse its check instead of repeating it at the same moment.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use tokio::sync::Semaphore;

use super::cache;
use super::single_flight::SingleFlight;
use crate::verify::{FailureReason, ParsedProvenance, TrustRoot, VerifiedProvenance, VerifyError};

pub struct Verifier {
    trust_root: Arc<TrustRoot>,
    /// Results are shared (`Arc`) with the evidence, not copied: a lockfile-scale run keeps
    /// thousands of them.
    memo: SingleFlight<Result<Arc<VerifiedProvenance>, VerifyError>>,
    /// Verification is CPU-bound: no more at once than there are CPUs.
    permits: Semaphore,
    leaves: Arc<LeafGates>,
    done: AtomicUsize,
}

impl Verifier {
    pub fn new(trust_root: Arc<TrustRoot>) -> Verifier {
        Verifier {
            trust_root,
            memo: SingleFlight::default(),
            permits: Semaphore::new(std::thread::available_parallelism().map_or(2, |n| n.get())),
            leaves: Arc::default(),
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
    ) -> Result<Arc<VerifiedProvenance>, VerifyError> {
        let digest = hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&provenance));
        let key = cache::key(&[&digest, filename, sha256]);
        self.memo
            .run(key, || async move {
                let result = self
                    .compute(provenance, filename, sha256)
                    .await
                    .map(Arc::new);
                self.done.fetch_add(1, Ordering::Relaxed);
                result
            })
            .await
    }

    async fn compute(
        &self,
        provenance: Bytes,
        filename: &str,
        sha256: &str,
    ) -> Result<VerifiedProvenance, VerifyError> {
        let (name, sha) = (filename.to_string(), sha256.to_string());
        let (root, leaves) = (self.trust_root.clone(), self.leaves.clone());
        // One trip to a blocking thread in the common case: parse, then verify at once
        // unless a sibling signed with the same leaf is being verified right now.
        let first = self
            .on_cpu(move || {
                let parsed = ParsedProvenance::parse(&provenance, &name, &sha)?;
                let turn = match parsed.first_certificate_digest() {
                    Some(leaf) => leaves.turn(leaf),
                    None => Turn::Free,
                };
                Ok(match turn {
                    Turn::Follow(gate) => Step::Wait(Box::new(parsed), gate),
                    Turn::Lead(lead) => {
                        let result = parsed.verify(&root);
                        drop(lead);
                        Step::Done(Box::new(result))
                    }
                    Turn::Free => Step::Done(Box::new(parsed.verify(&root))),
                })
            })
            .await
            .unwrap_or_else(|e| Err(crashed(e)))?;
        let (parsed, gate) = match first {
            Step::Done(result) => return *result,
            Step::Wait(parsed, gate) => (parsed, gate),
        };
        // The leader closes the gate when done (or dropped); this waits holding no CPU slot.
        let _ = gate.acquire().await;
        let root = self.trust_root.clone();
        self.on_cpu(move || parsed.verify(&root))
            .await
            .unwrap_or_else(|e| Err(crashed(e)))
    }

    /// Runs CPU work (verification, page parsing) on a blocking thread, at most one per
    /// CPU at once, so the run neither oversubscribes the cores nor starts a thread (and
    /// its memory) per page in flight.
    pub(crate) async fn on_cpu<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, tokio::task::JoinError> {
        let _permit = self.permits.acquire().await;
        tokio::task::spawn_blocking(work).await
    }
}

fn crashed(error: tokio::task::JoinError) -> VerifyError {
    VerifyError {
        reason: FailureReason::Malformed,
        detail: format!("the verifier crashed: {error}"),
    }
}

/// One gate per leaf certificate (by the sha256 of its bytes): the first verification to
/// come leads; ones that come while it runs wait until it has finished (or was dropped),
/// then go on; later ones go straight on. Only the order changes, never what is checked:
/// every verification is complete, and finds the leader's chain check in the trust root's
/// cache when it succeeded.
#[derive(Default)]
struct LeafGates {
    gates: Mutex<HashMap<[u8; 32], Arc<Semaphore>>>,
}

/// Held by the leader of a leaf while it verifies; dropping it lets the followers go.
struct Lead(Arc<Semaphore>);

impl Drop for Lead {
    fn drop(&mut self) {
        self.0.close();
    }
}

/// Whose turn it is for a leaf.
enum Turn {
    Lead(Lead),
    /// A leader is verifying: wait for this gate to close.
    Follow(Arc<Semaphore>),
    /// The leader has finished.
    Free,
}

/// What the first trip to a blocking thread did.
enum Step {
    Done(Box<Result<VerifiedProvenance, VerifyError>>),
    Wait(Box<ParsedProvenance>, Arc<Semaphore>),
}

impl LeafGates {
    fn turn(&self, leaf: [u8; 32]) -> Turn {
        let mut gates = self.gates.lock().unwrap_or_else(|e| e.into_inner());
        match gates.get(&leaf) {
            Some(gate) if gate.is_closed() => Turn::Free,
            Some(gate) => Turn::Follow(gate.clone()),
            None => {
                let gate = Arc::new(Semaphore::new(0));
                gates.insert(leaf, gate.clone());
                Turn::Lead(Lead(gate))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn followers_wait_for_the_leader_of_their_leaf_only() {
        let gates = LeafGates::default();
        let Turn::Lead(lead) = gates.turn([1; 32]) else {
            panic!("the first to come leads")
        };
        assert!(
            matches!(gates.turn([2; 32]), Turn::Lead(_)),
            "another leaf is not held up"
        );
        let Turn::Follow(gate) = gates.turn([1; 32]) else {
            panic!("one that comes while the leader verifies follows")
        };
        let wait = gate.acquire();
        tokio::pin!(wait);
        assert!(futures::poll!(wait.as_mut()).is_pending(), "and waits");
        drop(lead);
        assert!(wait.await.is_err(), "until the leader is done");
        assert!(
            matches!(gates.turn([1; 32]), Turn::Free),
            "later ones go straight on"
        );
    }
}
