//! A per-trust-root cache of leaf certificates whose Fulcio chain and SCT already verified.
//!
//! The chain check is one P-384 ECDSA verification per attestation, about half the cost of
//! verifying one. Its outcome depends only on the leaf, the set of Fulcio CAs whose validity
//! window contains the signing time, and that time lying inside the leaf's validity; the SCT
//! check depends on the leaf alone. A release's files are signed in one CI job with one
//! certificate, so their attestations share it: verified once, the rest only re-check the
//! time conditions. A cache hit never widens what is accepted.

use std::collections::HashMap;
use std::sync::Mutex;

use x509_cert::der::Decode;

/// Entries kept before the cache starts afresh (bounds memory on huge lockfiles).
const MAX_ENTRIES: usize = 4096;

/// A leaf whose chain and SCT verified, with the anchors eligible when it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct VerifiedLeaf {
    /// Bit `i` set: Fulcio CA `i` of the root was valid at the verified signing time.
    anchors: u64,
    /// The leaf's validity, Unix nanoseconds, inclusive.
    not_before: i128,
    not_after: i128,
}

/// The cache plus what it needs to know of the root.
#[derive(Debug, Default)]
pub(crate) struct ChainCache {
    /// Each Fulcio CA's validity window in Unix nanoseconds (None: unbounded).
    ca_windows: Vec<(Option<i128>, Option<i128>)>,
    leaves: Mutex<HashMap<[u8; 32], VerifiedLeaf>>,
}

impl ChainCache {
    pub(crate) fn new(ca_windows: Vec<(Option<i128>, Option<i128>)>) -> Self {
        ChainCache {
            ca_windows,
            leaves: Mutex::new(HashMap::new()),
        }
    }

    /// The eligible-anchor bitmask at `time` (Unix ns); None when there are too many CAs.
    fn anchors_at(&self, time: i128) -> Option<u64> {
        if self.ca_windows.len() > 64 {
            return None;
        }
        Some(
            self.ca_windows
                .iter()
                .enumerate()
                .filter(|(_, (start, end))| {
                    start.is_none_or(|s| time >= s) && end.is_none_or(|e| time <= e)
                })
                .fold(0u64, |mask, (i, _)| mask | (1 << i)),
        )
    }

    /// A verified leaf for this certificate digest, if any.
    pub(crate) fn get(&self, leaf_digest: &[u8; 32]) -> Option<VerifiedLeaf> {
        self.leaves.lock().ok()?.get(leaf_digest).copied()
    }

    /// Whether a cached leaf stands for a full chain check at every one of `times`.
    pub(crate) fn covers(&self, leaf: &VerifiedLeaf, times: &[i128]) -> bool {
        !times.is_empty()
            && times.iter().all(|&t| {
                t >= leaf.not_before
                    && t <= leaf.not_after
                    && self.anchors_at(t) == Some(leaf.anchors)
            })
    }

    /// Records a leaf whose chain and SCT sigstore-verify just verified at `times`.
    pub(crate) fn insert(&self, leaf_digest: [u8; 32], certificate: &[u8], times: &[i128]) {
        let Some(&first) = times.first() else { return };
        let Some(anchors) = self.anchors_at(first) else {
            return;
        };
        if times.iter().any(|&t| self.anchors_at(t) != Some(anchors)) {
            return;
        }
        let Ok(cert) = x509_cert::Certificate::from_der(certificate) else {
            return;
        };
        let validity = &cert.tbs_certificate.validity;
        let nanos = |t: x509_cert::time::Time| t.to_unix_duration().as_nanos() as i128;
        let leaf = VerifiedLeaf {
            anchors,
            not_before: nanos(validity.not_before),
            not_after: nanos(validity.not_after),
        };
        if let Ok(mut leaves) = self.leaves.lock() {
            if leaves.len() >= MAX_ENTRIES {
                leaves.clear();
            }
            leaves.insert(leaf_digest, leaf);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn covers_only_inside_validity_and_with_the_same_anchors() {
        // CA 0: [0, 100]; CA 1: [50, ∞).
        let cache = ChainCache::new(vec![(Some(0), Some(100)), (Some(50), None)]);
        let leaf = VerifiedLeaf {
            anchors: 0b11,
            not_before: 60,
            not_after: 90,
        };
        assert!(cache.covers(&leaf, &[60, 75, 90]));
        assert!(!cache.covers(&leaf, &[59]), "before the leaf");
        assert!(!cache.covers(&leaf, &[91]), "after the leaf");
        assert!(!cache.covers(&leaf, &[]), "no time");
        let later = VerifiedLeaf {
            anchors: 0b11,
            not_before: 60,
            not_after: 200,
        };
        assert!(!cache.covers(&later, &[150]), "CA 0 no longer eligible");
    }
}
