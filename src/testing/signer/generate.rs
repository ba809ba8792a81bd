//! One-off generator of [`material`](super::material): fresh fixed keys and the CA
//! certificates that bind them. Run only to rotate the test root (every minted fixture
//! and any committed `trusted_root.json` then changes):
//!
//! ```text
//! PUBGATE_REGENERATE_SIGNER_MATERIAL=1 cargo test --lib testing::signer::generate -- --ignored
//! ```

use base64::Engine as _;
use x509_cert::name::Name;

use super::keys::{Curve, SigningKey};
use super::x509::{ca_certificate, CaProfile};

/// Subject names of the test authority's certificates (the rogue CA reuses the intermediate's).
pub(crate) const FULCIO_ROOT_NAME: &str = "CN=pubgate-test-fulcio-root,O=pubgate.test";
pub(crate) const FULCIO_INTERMEDIATE_NAME: &str =
    "CN=pubgate-test-fulcio-intermediate,O=pubgate.test";
const TSA_ROOT_NAME: &str = "CN=pubgate-test-tsa-root,O=pubgate.test";
const TSA_LEAF_NAME: &str = "CN=pubgate-test-tsa,O=pubgate.test";

/// Validity of every CA certificate: 2020-01-01T00:00:00Z to 2049-12-31T23:59:59Z.
pub(crate) const CA_NOT_BEFORE: u64 = 1_577_836_800;
pub(crate) const CA_NOT_AFTER: u64 = 2_524_607_999;

fn name(s: &str) -> Name {
    s.parse().expect("fixed subject names parse")
}

/// The Rust source of `material.rs` for freshly generated keys and certificates.
fn material_source() -> String {
    let b64 = |der: &[u8]| base64::engine::general_purpose::STANDARD.encode(der);
    let (root, root_pkcs8) = SigningKey::generate(Curve::P384);
    let (intermediate, intermediate_pkcs8) = SigningKey::generate(Curve::P384);
    let (_, ct_pkcs8) = SigningKey::generate(Curve::P256);
    let (_, rekor_pkcs8) = SigningKey::generate(Curve::P256);
    let (tsa_root, tsa_root_pkcs8) = SigningKey::generate(Curve::P384);
    let (tsa_leaf, tsa_leaf_pkcs8) = SigningKey::generate(Curve::P384);

    let root_name = name(FULCIO_ROOT_NAME);
    let root_cert = ca_certificate(
        CaProfile::Root,
        &[0x01, 0x70],
        &root_name,
        root.spki(),
        &root_name,
        &root,
        CA_NOT_BEFORE,
        CA_NOT_AFTER,
    );
    let intermediate_cert = ca_certificate(
        CaProfile::Intermediate,
        &[0x01, 0x71],
        &name(FULCIO_INTERMEDIATE_NAME),
        intermediate.spki(),
        &root_name,
        &root,
        CA_NOT_BEFORE,
        CA_NOT_AFTER,
    );
    let tsa_root_name = name(TSA_ROOT_NAME);
    let tsa_root_cert = ca_certificate(
        CaProfile::Root,
        &[0x01, 0x72],
        &tsa_root_name,
        tsa_root.spki(),
        &tsa_root_name,
        &tsa_root,
        CA_NOT_BEFORE,
        CA_NOT_AFTER,
    );
    let tsa_leaf_cert = ca_certificate(
        CaProfile::TimestampLeaf,
        &[0x01, 0x73],
        &name(TSA_LEAF_NAME),
        tsa_leaf.spki(),
        &tsa_root_name,
        &tsa_root,
        CA_NOT_BEFORE,
        CA_NOT_AFTER,
    );

    let consts = [
        (
            "FULCIO_ROOT_KEY",
            "Fulcio root CA, P-384, PKCS#8",
            b64(&root_pkcs8),
        ),
        (
            "FULCIO_INTERMEDIATE_KEY",
            "Fulcio intermediate CA (signs leaves), P-384, PKCS#8",
            b64(&intermediate_pkcs8),
        ),
        (
            "CT_LOG_KEY",
            "CT log (signs SCTs), P-256, PKCS#8",
            b64(&ct_pkcs8),
        ),
        (
            "REKOR_KEY",
            "Rekor v1 log (SETs and checkpoints), P-256, PKCS#8",
            b64(&rekor_pkcs8),
        ),
        (
            "TSA_ROOT_KEY",
            "TSA root CA, P-384, PKCS#8",
            b64(&tsa_root_pkcs8),
        ),
        (
            "TSA_LEAF_KEY",
            "TSA signing key (unused until RFC 3161 minting), P-384, PKCS#8",
            b64(&tsa_leaf_pkcs8),
        ),
        (
            "FULCIO_ROOT_CERT",
            "Fulcio root certificate, DER",
            b64(&root_cert),
        ),
        (
            "FULCIO_INTERMEDIATE_CERT",
            "Fulcio intermediate certificate, DER",
            b64(&intermediate_cert),
        ),
        (
            "TSA_ROOT_CERT",
            "TSA root certificate, DER",
            b64(&tsa_root_cert),
        ),
        (
            "TSA_LEAF_CERT",
            "TSA signing certificate, DER",
            b64(&tsa_leaf_cert),
        ),
    ];
    let mut out = String::from(
        "//! TEST-ONLY key material of pubgate's test Sigstore authority. These private keys are\n\
         //! public: anything they sign proves nothing outside pubgate's own tests. Generated once\n\
         //! by `generate.rs` (see there to rotate); base64 of DER.\n",
    );
    for (ident, doc, value) in consts {
        out.push_str(&format!(
            "\n/// TEST-ONLY: {doc}.\npub const {ident}: &str =\n    \"{value}\";\n"
        ));
    }
    out
}

#[test]
#[ignore = "rewrites src/testing/signer/material.rs; run by hand to rotate the test root"]
fn regenerate_material() {
    if std::env::var_os("PUBGATE_REGENERATE_SIGNER_MATERIAL").is_none() {
        eprintln!("set PUBGATE_REGENERATE_SIGNER_MATERIAL=1 to rewrite material.rs");
        return;
    }
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src/testing/signer/material.rs"
    );
    std::fs::write(path, material_source()).unwrap();
}
