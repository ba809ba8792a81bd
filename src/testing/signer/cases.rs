//! Every variant minted for one file and publisher: the table a verifier's tests iterate.

use super::authority::TestAuthority;
use super::{MintRequest, TestPublisher, Variant};

/// One minted case: what the verifier gets and the reason it must answer.
#[derive(Debug, Clone)]
pub struct VariantCase {
    pub variant: Variant,
    /// The distribution filename to verify against (the requested one, not the subject).
    pub filename: String,
    /// The distribution sha256 to verify against (the requested one, not the subject's).
    pub sha256: String,
    pub publisher: TestPublisher,
    /// The lone attestation. For [`Variant::needs_provenance`] variants it verifies.
    pub attestation: Vec<u8>,
    /// A provenance object holding that attestation under its (claimed) publisher.
    pub provenance: Vec<u8>,
}

impl VariantCase {
    /// The reason slug `verify_provenance(&self.provenance, …)` must return, or `"valid"`.
    pub fn expected_reason(&self) -> &'static str {
        self.variant.expected_reason()
    }
}

impl TestAuthority {
    /// [`Variant::Valid`] then every [`Variant::ALL_BROKEN`], minted for `filename`, `sha256`
    /// and `publisher`. A verifier must accept the first and, on each other case's
    /// provenance, fail with `case.expected_reason()`; on its lone attestation too unless
    /// `case.variant.needs_provenance()`.
    pub fn variant_cases(
        &self,
        filename: &str,
        sha256: &str,
        publisher: &TestPublisher,
    ) -> Vec<VariantCase> {
        std::iter::once(Variant::Valid)
            .chain(Variant::ALL_BROKEN)
            .map(|variant| {
                let request =
                    MintRequest::new(filename, sha256, publisher.clone()).variant(variant);
                VariantCase {
                    variant,
                    filename: filename.to_string(),
                    sha256: sha256.to_string(),
                    publisher: publisher.clone(),
                    attestation: self.mint_attestation(&request),
                    provenance: self.mint_provenance(std::slice::from_ref(&request)),
                }
            })
            .collect()
    }
}
