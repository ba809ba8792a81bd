//! The Sigstore trust root (`trusted_root.json`): loaded, checked and prepared once per run.
//!
//! Loading parses the document, refuses unknown media types, and builds every verification
//! key up front (Fulcio anchors, CT and Rekor keys), so verifying an attestation never
//! re-parses trust material.

use std::sync::Arc;

use serde::Serialize;
use sigstore_verify::crypto::VerificationKey;
use sigstore_verify::trust_root::TrustedRoot;
use sigstore_verify::types::TimeRange;
use sigstore_verify::Verifier;

use super::backend::chain_cache::ChainCache;

/// The only trusted-root media type this version understands.
pub const TRUSTED_ROOT_MEDIA_TYPE: &str =
    "application/vnd.dev.sigstore.trustedroot+json;version=0.1";

/// Trust roots are small (the production root is ~7 KiB): refuse anything absurd.
const MAX_TRUSTED_ROOT_BYTES: usize = 1024 * 1024;

/// A Sigstore trusted root (`trusted_root.json`), loaded once per run.
#[derive(Clone)]
pub struct TrustRoot {
    /// Lowercase hex sha256 of the JSON bytes: part of every verified-result cache key.
    digest: String,
    /// Where it came from: `embedded production root` or a path.
    origin: String,
    prepared: Arc<Prepared>,
    /// Whether verified leaf certificates are remembered (see `backend::chain_cache`).
    cache_certificates: bool,
}

impl std::fmt::Debug for TrustRoot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrustRoot")
            .field("digest", &self.digest)
            .field("origin", &self.origin)
            .field("summary", &self.prepared.summary)
            .finish()
    }
}

/// Trust material prepared for verification.
pub(crate) struct Prepared {
    pub(crate) verifier: Verifier,
    /// Every Rekor log (v1 and v2), keyed by its log ID.
    pub(crate) logs: Vec<RekorLog>,
    /// DER of every certificate in the timestamp authorities' chains.
    pub(crate) tsa_certificates: Vec<Vec<u8>>,
    /// Leaf certificates whose chain and SCT verified under this root.
    pub(crate) chain_cache: ChainCache,
    pub(crate) summary: TrustRootSummary,
}

/// One transparency log of the root with its parsed key.
pub(crate) struct RekorLog {
    pub(crate) log_id: Vec<u8>,
    pub(crate) base_url: String,
    pub(crate) key: VerificationKey,
    pub(crate) valid_for: Option<TimeRange>,
}

/// What a trust root contains, for reports and tests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustRootSummary {
    pub certificate_authorities: Vec<TrustedEntity>,
    pub transparency_logs: Vec<TrustedEntity>,
    pub ct_logs: Vec<TrustedEntity>,
    pub timestamp_authorities: Vec<TrustedEntity>,
}

/// One trusted CA, log or TSA: where it lives and when it may be used.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrustedEntity {
    /// Base URL (logs) or URI (authorities).
    pub url: String,
    /// Key algorithm (logs) or subject common name (authorities).
    pub detail: String,
    /// RFC 3339 start of the validity window.
    pub valid_from: Option<String>,
    /// RFC 3339 end of the validity window, if it has one.
    pub valid_until: Option<String>,
}

/// A trust root that could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct TrustRootError {
    pub origin: String,
    pub message: String,
}

fn window(range: Option<&TimeRange>) -> (Option<String>, Option<String>) {
    match range {
        Some(r) => (Some(r.start.to_string()), r.end.map(|e| e.to_string())),
        None => (None, None),
    }
}

impl TrustRoot {
    /// The embedded Sigstore public-good production root.
    pub fn production() -> Result<TrustRoot, TrustRootError> {
        Self::from_json(
            include_bytes!("roots/trusted_root.production.json"),
            "embedded production root",
        )
    }

    /// The embedded Sigstore public-good staging root (for `verify-bundle --staging`).
    pub fn staging() -> Result<TrustRoot, TrustRootError> {
        Self::from_json(
            include_bytes!("roots/trusted_root.staging.json"),
            "embedded staging root",
        )
    }

    /// Loads a `trusted_root.json` file.
    pub fn from_file(path: &std::path::Path) -> Result<TrustRoot, TrustRootError> {
        let bytes = std::fs::read(path).map_err(|e| TrustRootError {
            origin: path.display().to_string(),
            message: format!("cannot read the trusted root: {e}"),
        })?;
        Self::from_json(&bytes, &path.display().to_string())
    }

    /// Parses a `trusted_root.json` document and prepares its keys.
    pub fn from_json(bytes: &[u8], origin: &str) -> Result<TrustRoot, TrustRootError> {
        use sha2::Digest;
        let err = |message: String| TrustRootError {
            origin: origin.to_string(),
            message,
        };
        if bytes.len() > MAX_TRUSTED_ROOT_BYTES {
            return Err(err(format!(
                "the trusted root is {} bytes, more than the {MAX_TRUSTED_ROOT_BYTES} allowed",
                bytes.len()
            )));
        }
        let value: serde_json::Value = serde_json::from_slice(bytes)
            .map_err(|e| err(format!("the trusted root is not JSON: {e}")))?;
        match value.get("mediaType").and_then(|m| m.as_str()) {
            Some(TRUSTED_ROOT_MEDIA_TYPE) => {}
            Some(other) => {
                return Err(err(format!(
                    "unsupported trusted root media type `{other}`, expected \
                     `{TRUSTED_ROOT_MEDIA_TYPE}`"
                )))
            }
            None => {
                return Err(err(format!(
                    "no `mediaType`: not a Sigstore trusted root (expected \
                     `{TRUSTED_ROOT_MEDIA_TYPE}`)"
                )))
            }
        }
        let mut root: TrustedRoot = serde_json::from_value(value)
            .map_err(|e| err(format!("malformed trusted root: {e}")))?;
        // An authority without certificates can authenticate nothing (nor lend its validity
        // window to another): it is left out rather than making the whole root unusable.
        // A root may list nothing at all: managed-key bundles need no Sigstore authority.
        root.certificate_authorities
            .retain(|ca| !ca.cert_chain.certificates.is_empty());
        root.timestamp_authorities
            .retain(|tsa| !tsa.cert_chain.certificates.is_empty());
        let verifier =
            Verifier::new(&root).map_err(|e| err(format!("unusable trusted root: {e}")))?;
        let mut logs = Vec::new();
        for tlog in &root.tlogs {
            // Keys of algorithms this version does not know are skipped, as sigstore does:
            // entries from such a log then fail as signed by an unknown log.
            if let Ok(key) = VerificationKey::from_spki(&tlog.public_key.raw_bytes) {
                logs.push(RekorLog {
                    log_id: tlog.log_id.key_id.as_bytes().to_vec(),
                    base_url: tlog.base_url.clone(),
                    key,
                    valid_for: tlog.public_key.valid_for,
                });
            }
        }
        let chain_cache = ChainCache::new(
            root.certificate_authorities
                .iter()
                .map(|ca| match ca.valid_for {
                    Some(w) => (
                        Some(w.start.as_nanosecond()),
                        w.end.map(|e| e.as_nanosecond()),
                    ),
                    None => (None, None),
                })
                .collect(),
        );
        let tsa_certificates = root
            .timestamp_authorities
            .iter()
            .flat_map(|tsa| tsa.cert_chain.certificates.iter())
            .map(|c| c.raw_bytes.as_bytes().to_vec())
            .collect();
        let summary = TrustRootSummary {
            certificate_authorities: root
                .certificate_authorities
                .iter()
                .map(|ca| {
                    let (valid_from, valid_until) = window(ca.valid_for.as_ref());
                    TrustedEntity {
                        url: ca.uri.clone(),
                        detail: ca.subject.common_name.clone().unwrap_or_default(),
                        valid_from,
                        valid_until,
                    }
                })
                .collect(),
            transparency_logs: root
                .tlogs
                .iter()
                .map(|log| {
                    let (valid_from, valid_until) = window(log.public_key.valid_for.as_ref());
                    TrustedEntity {
                        url: log.base_url.clone(),
                        detail: log.public_key.key_details.to_string(),
                        valid_from,
                        valid_until,
                    }
                })
                .collect(),
            ct_logs: root
                .ctlogs
                .iter()
                .map(|log| {
                    let (valid_from, valid_until) = window(log.public_key.valid_for.as_ref());
                    TrustedEntity {
                        url: log.base_url.clone(),
                        detail: log.public_key.key_details.to_string(),
                        valid_from,
                        valid_until,
                    }
                })
                .collect(),
            timestamp_authorities: root
                .timestamp_authorities
                .iter()
                .map(|tsa| {
                    let (valid_from, valid_until) = window(tsa.valid_for.as_ref());
                    TrustedEntity {
                        url: tsa.uri.clone().unwrap_or_default(),
                        detail: tsa.subject.common_name.clone().unwrap_or_default(),
                        valid_from,
                        valid_until,
                    }
                })
                .collect(),
        };
        Ok(TrustRoot {
            digest: hex::encode(sha2::Sha256::digest(bytes)),
            origin: origin.to_string(),
            prepared: Arc::new(Prepared {
                verifier,
                logs,
                tsa_certificates,
                chain_cache,
                summary,
            }),
            cache_certificates: true,
        })
    }

    /// Lowercase hex sha256 of the root's JSON.
    pub fn digest(&self) -> &str {
        &self.digest
    }

    /// Where the root came from, for reports.
    pub fn origin(&self) -> &str {
        &self.origin
    }

    /// The CAs, logs and timestamp authorities the root trusts, with validity windows.
    pub fn summary(&self) -> &TrustRootSummary {
        &self.prepared.summary
    }

    pub(crate) fn prepared(&self) -> &Prepared {
        &self.prepared
    }

    /// The same root without the leaf-certificate cache: every attestation's chain and SCT
    /// are verified from scratch. For benchmarks and tests of the uncached path.
    pub fn without_certificate_cache(mut self) -> TrustRoot {
        self.cache_certificates = false;
        self
    }

    pub(crate) fn certificate_cache(&self) -> Option<&ChainCache> {
        self.cache_certificates
            .then_some(&self.prepared.chain_cache)
    }
}

impl Prepared {
    /// The Rekor log with this log ID.
    pub(crate) fn log(&self, log_id: &[u8]) -> Option<&RekorLog> {
        self.logs.iter().find(|log| log.log_id == log_id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_production_root_lists_rekor_v1_and_v2_and_a_tsa() {
        let root = TrustRoot::production().unwrap();
        let s = root.summary();
        let logs: Vec<&str> = s.transparency_logs.iter().map(|l| l.url.as_str()).collect();
        assert_eq!(
            logs,
            [
                "https://rekor.sigstore.dev",
                "https://log2025-1.rekor.sigstore.dev"
            ]
        );
        assert_eq!(s.transparency_logs[1].detail, "PKIX_ED25519");
        assert_eq!(s.certificate_authorities.len(), 2);
        assert_eq!(
            s.certificate_authorities[0].valid_until.as_deref(),
            Some("2022-12-31T23:59:59.999Z")
        );
        assert_eq!(s.ct_logs.len(), 2);
        assert_eq!(s.timestamp_authorities.len(), 1);
        assert_eq!(root.digest().len(), 64);
        assert_eq!(root.prepared().logs.len(), 2);
    }

    /// A root may list nothing (a managed-key trust domain); an authority without
    /// certificates is left out instead of making the root unusable.
    #[test]
    fn empty_roots_load_and_certificate_less_authorities_are_skipped() {
        let root = TrustRoot::from_json(
            format!(r#"{{"mediaType":"{TRUSTED_ROOT_MEDIA_TYPE}"}}"#).as_bytes(),
            "empty.json",
        )
        .unwrap();
        assert!(root.summary().transparency_logs.is_empty());
        let mut value: serde_json::Value =
            serde_json::from_str(include_str!("roots/trusted_root.production.json")).unwrap();
        value["timestampAuthorities"]
            .as_array_mut()
            .unwrap()
            .push(serde_json::json!({
                "subject": {"commonName": "no certificates"},
                "certChain": {"certificates": []},
                "validFor": {"start": "2020-01-01T00:00:00Z"}
            }));
        let root = TrustRoot::from_json(value.to_string().as_bytes(), "x.json").unwrap();
        assert_eq!(root.summary().timestamp_authorities.len(), 1);
    }

    #[test]
    fn is_shareable_across_threads() {
        fn assert_send_sync<T: Send + Sync + Clone>() {}
        assert_send_sync::<TrustRoot>();
    }

    #[test]
    fn refuses_unknown_media_type_and_garbage() {
        let text = include_str!("roots/trusted_root.production.json").replace(
            "trustedroot+json;version=0.1",
            "trustedroot+json;version=0.2",
        );
        let e = TrustRoot::from_json(text.as_bytes(), "x.json").unwrap_err();
        assert!(
            e.message.contains("unsupported trusted root media type"),
            "{e}"
        );
        let e = TrustRoot::from_json(b"{]", "x.json").unwrap_err();
        assert!(e.message.contains("not JSON"), "{e}");
        let e = TrustRoot::from_json(br#"{"tlogs":[]}"#, "x.json").unwrap_err();
        assert!(e.message.contains("no `mediaType`"), "{e}");
        let e = TrustRoot::from_json(
            format!(r#"{{"mediaType":"{TRUSTED_ROOT_MEDIA_TYPE}","tlogs":[{{"baseUrl":1}}]}}"#)
                .as_bytes(),
            "x.json",
        )
        .unwrap_err();
        assert!(e.message.contains("malformed trusted root"), "{e}");
    }
}
