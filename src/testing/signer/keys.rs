//! ECDSA key pairs for the test authority: fixed ones from [`material`](super::material),
//! fresh ones for leaves and the rogue CA.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    EcdsaKeyPair, EcdsaSigningAlgorithm, KeyPair as _, ECDSA_P256_SHA256_ASN1_SIGNING,
    ECDSA_P384_SHA384_ASN1_SIGNING,
};
use base64::Engine as _;
use sha2::{Digest, Sha256};

/// The two curves the authority uses, each with the hash production pairs it with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Curve {
    /// Leaves, CT log, Rekor log: ECDSA P-256 with SHA-256.
    P256,
    /// Fulcio and TSA CAs: ECDSA P-384 with SHA-384.
    P384,
}

impl Curve {
    fn algorithm(self) -> &'static EcdsaSigningAlgorithm {
        match self {
            Curve::P256 => &ECDSA_P256_SHA256_ASN1_SIGNING,
            Curve::P384 => &ECDSA_P384_SHA384_ASN1_SIGNING,
        }
    }
}

/// A signing key with its SubjectPublicKeyInfo DER, parsed once.
pub(crate) struct SigningKey {
    pair: EcdsaKeyPair,
    spki: Vec<u8>,
    curve: Curve,
    rng: SystemRandom,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("curve", &self.curve)
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// Loads a fixed key: base64 of PKCS#8 DER. The constants are ours, so failure is a bug.
    pub(crate) fn from_pkcs8_base64(curve: Curve, pkcs8_b64: &str) -> SigningKey {
        let der = base64::engine::general_purpose::STANDARD
            .decode(pkcs8_b64)
            .expect("fixed test key is valid base64");
        Self::from_pkcs8(curve, &der)
    }

    fn from_pkcs8(curve: Curve, der: &[u8]) -> SigningKey {
        let pair = EcdsaKeyPair::from_pkcs8(curve.algorithm(), der)
            .expect("fixed test key is a PKCS#8 key on its curve");
        let spki = pair
            .public_key()
            .as_der()
            .expect("an EC public key encodes as SPKI")
            .as_ref()
            .to_vec();
        SigningKey {
            pair,
            spki,
            curve,
            rng: SystemRandom::new(),
        }
    }

    /// A fresh random key, with its PKCS#8 DER (kept only by the material generator).
    pub(crate) fn generate(curve: Curve) -> (SigningKey, Vec<u8>) {
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(curve.algorithm(), &SystemRandom::new())
            .expect("the system RNG works");
        let der = pkcs8.as_ref().to_vec();
        (Self::from_pkcs8(curve, &der), der)
    }

    /// ASN.1 DER ECDSA signature over `message`, hashed with the curve's hash.
    pub(crate) fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&self.rng, message)
            .expect("ECDSA signing with a valid key does not fail")
            .as_ref()
            .to_vec()
    }

    /// DER SubjectPublicKeyInfo.
    pub(crate) fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// SHA-256 of the SPKI: the RFC 6962 / Rekor v1 log id and the SCT issuer key hash.
    pub(crate) fn key_id(&self) -> [u8; 32] {
        Sha256::digest(&self.spki).into()
    }

    pub(crate) fn curve(&self) -> Curve {
        self.curve
    }
}
