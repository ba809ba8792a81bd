//! X.509 certificates shaped like Fulcio's: CA certificates for the material generator and
//! leaf certificates with Fulcio claims and an embedded RFC 6962 precertificate SCT.
//!
//! Certificates are built as `x509-cert` structures and encoded once, the same crate
//! `sigstore-verify` decodes and re-encodes them with when it rebuilds the precertificate,
//! so the SCT covers exactly the bytes it reconstructs.

use std::time::Duration;

use sha2::{Digest, Sha256};
use x509_cert::der::asn1::{BitString, GeneralizedTime, Ia5String, OctetString, UtcTime};
use x509_cert::der::asn1::{ObjectIdentifier, Utf8StringRef};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::sct::{
    DigitallySigned, HashAlgorithm, LogId, SerializedSct, SignatureAlgorithm,
    SignatureAndHashAlgorithm, SignedCertificateTimestamp, SignedCertificateTimestampList,
    Version as SctVersion,
};
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
    SubjectKeyIdentifier,
};
use x509_cert::ext::Extension;
use x509_cert::name::Name;
use x509_cert::serial_number::SerialNumber;
use x509_cert::spki::{AlgorithmIdentifierOwned, SubjectPublicKeyInfoOwned};
use x509_cert::time::{Time, Validity};
use x509_cert::{Certificate, TbsCertificate};

use super::edit::{CertEdit, Ext, ExtValue, SanEntry};
use super::keys::{Curve, SigningKey};
use super::publisher::{ClaimValue, San, TestPublisher};

const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");
const ECDSA_WITH_SHA384: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.3");
pub(crate) const EKU_CODE_SIGNING: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
pub(crate) const EKU_SERVER_AUTH: ObjectIdentifier =
    ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.1");
#[cfg(test)]
const EKU_TIME_STAMPING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.8");
const CT_PRECERT_SCTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.11129.2.4.2");
const FULCIO_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1");

/// Unix seconds of 2050-01-01, where RFC 5280 switches from UTCTime to GeneralizedTime.
const UTC_TIME_END: u64 = 2_524_608_000;
/// Unix seconds of 9999-12-31T23:59:59Z, GeneralizedTime's last second.
const GENERALIZED_TIME_END: u64 = 253_402_300_799;

/// What kind of CA certificate to build.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CaProfile {
    /// Self-signed root: basicConstraints cA, keyCertSign + cRLSign.
    Root,
    /// Fulcio intermediate: cA with pathLen 0 and the codeSigning EKU, like production.
    Intermediate,
    /// TSA signing certificate: not a CA, critical timeStamping EKU.
    TimestampLeaf,
}

/// Builds and signs a CA (or TSA) certificate; returns its DER.
#[cfg(test)]
#[allow(clippy::too_many_arguments)]
pub(crate) fn ca_certificate(
    profile: CaProfile,
    serial: &[u8],
    subject: &Name,
    subject_spki: &[u8],
    issuer: &Name,
    issuer_key: &SigningKey,
    not_before: u64,
    not_after: u64,
) -> Vec<u8> {
    let mut extensions = Vec::new();
    match profile {
        CaProfile::Root | CaProfile::Intermediate => {
            extensions.push(extension(
                KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::KeyCertSign | KeyUsages::CRLSign),
            ));
            if profile == CaProfile::Intermediate {
                extensions.push(extension(
                    EXT_KEY_USAGE,
                    false,
                    &ExtendedKeyUsage(vec![EKU_CODE_SIGNING]),
                ));
            }
            extensions.push(extension(
                BASIC_CONSTRAINTS,
                true,
                &x509_cert::ext::pkix::BasicConstraints {
                    ca: true,
                    path_len_constraint: if profile == CaProfile::Intermediate {
                        Some(0)
                    } else {
                        Some(1)
                    },
                },
            ));
        }
        CaProfile::TimestampLeaf => {
            extensions.push(extension(
                KEY_USAGE,
                true,
                &KeyUsage(KeyUsages::DigitalSignature.into()),
            ));
            extensions.push(extension(
                EXT_KEY_USAGE,
                true,
                &ExtendedKeyUsage(vec![EKU_TIME_STAMPING]),
            ));
        }
    }
    extensions.push(extension(
        SUBJECT_KEY_ID,
        false,
        &SubjectKeyIdentifier(octets(&key_identifier(subject_spki))),
    ));
    if profile != CaProfile::Root {
        extensions.push(authority_key_id(issuer_key.spki()));
    }
    let tbs = tbs_certificate(
        serial,
        issuer,
        subject,
        subject_spki,
        issuer_key,
        not_before,
        not_after,
        extensions,
    );
    sign_certificate(tbs, issuer_key)
}

/// What a leaf certificate must say and which defect, if any, it carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct LeafProfile {
    pub publisher: TestPublisher,
    pub not_before: u64,
    pub not_after: u64,
    /// codeSigning normally; serverAuth for the certificate-profile variant.
    pub code_signing: bool,
    /// Sign the SCT over a wrong issuer key hash (the sct variant).
    pub corrupt_sct: bool,
    /// Changes to the extensions and SANs, in order (see [`CertEdit`]).
    pub edits: Vec<CertEdit>,
}

/// Builds a Fulcio-like leaf for `leaf_spki`, signed by `issuer_key` (named `issuer`),
/// with one embedded SCT from the CT log `ct_key`; returns its DER.
pub(crate) fn leaf_certificate(
    profile: &LeafProfile,
    serial: &[u8],
    leaf_spki: &[u8],
    issuer: &Name,
    issuer_key: &SigningKey,
    ct_key: &SigningKey,
) -> Vec<u8> {
    let eku = if profile.code_signing {
        EKU_CODE_SIGNING
    } else {
        EKU_SERVER_AUTH
    };
    let san = match profile.publisher.san() {
        San::Uri(uri) => SanEntry::Uri(uri),
        San::Email(email) => SanEntry::Email(email),
    };
    let mut extensions = vec![
        extension(
            KEY_USAGE,
            true,
            &KeyUsage(KeyUsages::DigitalSignature.into()),
        ),
        extension(EXT_KEY_USAGE, false, &ExtendedKeyUsage(vec![eku])),
        extension(
            SUBJECT_KEY_ID,
            false,
            &SubjectKeyIdentifier(octets(&key_identifier(leaf_spki))),
        ),
        authority_key_id(issuer_key.spki()),
        extension(SUBJECT_ALT_NAME, true, &subject_alt_name(&[san])),
    ];
    for (arc, value) in profile.publisher.claims() {
        let bytes = match value {
            ClaimValue::Raw(s) => s.into_bytes(),
            ClaimValue::Utf8(s) => Utf8StringRef::new(&s)
                .and_then(|v| v.to_der())
                .expect("a claim string encodes as a DER UTF8String"),
        };
        extensions.push(Extension {
            extn_id: FULCIO_ARC
                .push_arc(arc)
                .expect("Fulcio claim OIDs are short"),
            critical: false,
            extn_value: octets(&bytes),
        });
    }
    let (sct_edits, edits): (Vec<&CertEdit>, Vec<&CertEdit>) =
        profile.edits.iter().partition(|e| e.targets_sct());
    for edit in edits {
        apply_edit(&mut extensions, edit);
    }

    let empty = Name::default();
    let precert = tbs_certificate(
        serial,
        issuer,
        &empty,
        leaf_spki,
        issuer_key,
        profile.not_before,
        profile.not_after,
        extensions.clone(),
    );
    let precert_der = precert
        .to_der()
        .expect("a precertificate TBS encodes as DER");
    let issuer_key_hash = if profile.corrupt_sct {
        [0u8; 32]
    } else {
        issuer_key.key_id()
    };
    // The CT log saw the precertificate shortly after notBefore.
    let timestamp_ms = profile.not_before.saturating_mul(1000).saturating_add(250);
    let signed = sct_signed_data(timestamp_ms, &issuer_key_hash, &precert_der);
    let sct = SignedCertificateTimestamp {
        version: SctVersion::V1,
        log_id: LogId {
            key_id: ct_key.key_id(),
        },
        timestamp: timestamp_ms,
        extensions: Vec::new().into(),
        signature: DigitallySigned {
            algorithm: SignatureAndHashAlgorithm {
                hash: HashAlgorithm::Sha256,
                signature: SignatureAlgorithm::Ecdsa,
            },
            signature: ct_key.sign(&signed).into(),
        },
    };
    let list = SerializedSct::new(sct)
        .ok()
        .and_then(|one| SignedCertificateTimestampList::new(&[one]).ok())
        .expect("one SCT fits in an SCT list");
    extensions.push(extension(CT_PRECERT_SCTS, false, &list));
    for edit in sct_edits {
        apply_edit(&mut extensions, edit);
    }

    let tbs = tbs_certificate(
        serial,
        issuer,
        &empty,
        leaf_spki,
        issuer_key,
        profile.not_before,
        profile.not_after,
        extensions,
    );
    sign_certificate(tbs, issuer_key)
}

/// Applies one test edit to a leaf's extension list. An edit of an extension the leaf
/// does not have is a bug in the test that asked for it.
fn apply_edit(extensions: &mut Vec<Extension>, edit: &CertEdit) {
    let oid_of = |ext: &Ext| {
        ObjectIdentifier::new(&ext.oid()).expect("a test edit names a valid dotted OID")
    };
    match edit {
        CertEdit::Remove(ext) => {
            let oid = oid_of(ext);
            extensions.retain(|e| e.extn_id != oid);
        }
        CertEdit::Set(ext, value) => {
            let oid = oid_of(ext);
            for e in extensions.iter_mut().filter(|e| e.extn_id == oid) {
                e.extn_value = octets(&encode_value(ext, value, e.extn_value.as_bytes()));
            }
        }
        CertEdit::Repeat(ext, value) => {
            let oid = oid_of(ext);
            let at = extensions
                .iter()
                .position(|e| e.extn_id == oid)
                .unwrap_or_else(|| panic!("cannot repeat extension {ext}: the leaf has none"));
            let mut copy = extensions[at].clone();
            copy.extn_value = octets(&encode_value(ext, value, copy.extn_value.as_bytes()));
            extensions.insert(at + 1, copy);
        }
        CertEdit::Add {
            ext,
            critical,
            value,
        } => extensions.push(Extension {
            extn_id: oid_of(ext),
            critical: *critical,
            extn_value: octets(&encode_value(ext, value, &[])),
        }),
        CertEdit::Critical(ext, critical) => {
            let oid = oid_of(ext);
            for e in extensions.iter_mut().filter(|e| e.extn_id == oid) {
                e.critical = *critical;
            }
        }
        CertEdit::Sans(entries) => apply_edit(
            extensions,
            &CertEdit::Set(Ext::SubjectAltName, ExtValue::Sans(entries.clone())),
        ),
    }
}

/// The OCTET STRING contents of `ext` holding `value`; `current` is its value now.
fn encode_value(ext: &Ext, value: &ExtValue, current: &[u8]) -> Vec<u8> {
    match value {
        ExtValue::Same => current.to_vec(),
        ExtValue::Claim(s) => match ext {
            Ext::Fulcio(n) if *n >= 8 => Utf8StringRef::new(s)
                .and_then(|v| v.to_der())
                .expect("a claim string encodes as a DER UTF8String"),
            _ => s.as_bytes().to_vec(),
        },
        ExtValue::Sans(entries) => subject_alt_name(entries)
            .to_der()
            .expect("a SAN encodes as DER"),
        ExtValue::KeyUsage {
            digital_signature,
            key_cert_sign,
        } => {
            let mut usages = x509_cert::der::flagset::FlagSet::<KeyUsages>::default();
            if *digital_signature {
                usages |= KeyUsages::DigitalSignature;
            }
            if *key_cert_sign {
                usages |= KeyUsages::KeyCertSign;
            }
            KeyUsage(usages).to_der().expect("key usage encodes as DER")
        }
        ExtValue::BasicConstraints { ca } => x509_cert::ext::pkix::BasicConstraints {
            ca: *ca,
            path_len_constraint: None,
        }
        .to_der()
        .expect("basic constraints encode as DER"),
        ExtValue::NameConstraints(dns) => x509_cert::ext::pkix::NameConstraints {
            permitted_subtrees: Some(vec![
                x509_cert::ext::pkix::constraints::name::GeneralSubtree {
                    base: GeneralName::DnsName(ia5(dns)),
                    minimum: 0,
                    maximum: None,
                },
            ]),
            excluded_subtrees: None,
        }
        .to_der()
        .expect("name constraints encode as DER"),
        ExtValue::Der(bytes) => bytes.clone(),
    }
}

fn subject_alt_name(entries: &[SanEntry]) -> SubjectAltName {
    SubjectAltName(
        entries
            .iter()
            .map(|entry| match entry {
                SanEntry::Uri(uri) => GeneralName::UniformResourceIdentifier(ia5(uri)),
                SanEntry::Email(email) => GeneralName::Rfc822Name(ia5(email)),
                SanEntry::Dns(name) => GeneralName::DnsName(ia5(name)),
                SanEntry::Username(name) => {
                    let value = Utf8StringRef::new(name)
                        .and_then(|v| v.to_der())
                        .and_then(|der| x509_cert::der::Any::from_der(&der))
                        .expect("a username encodes as a DER UTF8String");
                    GeneralName::OtherName(x509_cert::ext::pkix::name::OtherName {
                        type_id: ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7"),
                        value,
                    })
                }
            })
            .collect(),
    )
}

/// The RFC 6962 §3.2 `digitally-signed` input for a precertificate entry.
fn sct_signed_data(timestamp_ms: u64, issuer_key_hash: &[u8; 32], tbs: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(tbs.len() + 50);
    out.push(0); // sct_version v1
    out.push(0); // signature_type certificate_timestamp
    out.extend_from_slice(&timestamp_ms.to_be_bytes());
    out.extend_from_slice(&1u16.to_be_bytes()); // entry_type precert_entry
    out.extend_from_slice(issuer_key_hash);
    let len = u32::try_from(tbs.len()).unwrap_or(u32::MAX).to_be_bytes();
    out.extend_from_slice(&len[1..]); // opaque<1..2^24-1>
    out.extend_from_slice(tbs);
    out.extend_from_slice(&0u16.to_be_bytes()); // no CT extensions
    out
}

/// The subject Name of a DER certificate.
pub(crate) fn subject_of(cert_der: &[u8]) -> Name {
    Certificate::from_der(cert_der)
        .expect("our own certificate decodes")
        .tbs_certificate
        .subject
}

/// PEM armour of a DER certificate (64-column base64, trailing newline), as Rekor stores it.
pub(crate) fn pem(cert_der: &[u8]) -> String {
    use base64::Engine as _;
    let b64 = base64::engine::general_purpose::STANDARD.encode(cert_der);
    let mut out = String::with_capacity(b64.len() + b64.len() / 64 + 60);
    out.push_str("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXT_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
#[cfg(test)]
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");

#[allow(clippy::too_many_arguments)]
fn tbs_certificate(
    serial: &[u8],
    issuer: &Name,
    subject: &Name,
    subject_spki: &[u8],
    issuer_key: &SigningKey,
    not_before: u64,
    not_after: u64,
    extensions: Vec<Extension>,
) -> TbsCertificate {
    TbsCertificate {
        version: x509_cert::Version::V3,
        serial_number: SerialNumber::new(serial).expect("serials are at most 20 bytes"),
        signature: signature_algorithm(issuer_key.curve()),
        issuer: issuer.clone(),
        validity: Validity {
            not_before: time(not_before),
            not_after: time(not_after),
        },
        subject: subject.clone(),
        subject_public_key_info: SubjectPublicKeyInfoOwned::from_der(subject_spki)
            .expect("aws-lc-rs SPKI DER decodes"),
        issuer_unique_id: None,
        subject_unique_id: None,
        extensions: Some(extensions),
    }
}

fn sign_certificate(tbs: TbsCertificate, issuer_key: &SigningKey) -> Vec<u8> {
    let tbs_der = tbs.to_der().expect("a TBS certificate encodes as DER");
    let signature = issuer_key.sign(&tbs_der);
    Certificate {
        tbs_certificate: tbs,
        signature_algorithm: signature_algorithm(issuer_key.curve()),
        signature: BitString::from_bytes(&signature).expect("a signature fits a BIT STRING"),
    }
    .to_der()
    .expect("a certificate encodes as DER")
}

fn signature_algorithm(curve: Curve) -> AlgorithmIdentifierOwned {
    AlgorithmIdentifierOwned {
        oid: match curve {
            Curve::P256 => ECDSA_WITH_SHA256,
            Curve::P384 => ECDSA_WITH_SHA384,
        },
        parameters: None,
    }
}

/// UTCTime through 2049, GeneralizedTime after (RFC 5280 §4.1.2.5); out-of-range clamps.
fn time(unix: u64) -> Time {
    let unix = unix.min(GENERALIZED_TIME_END);
    let duration = Duration::from_secs(unix);
    if unix < UTC_TIME_END {
        Time::UtcTime(UtcTime::from_unix_duration(duration).expect("UTCTime covers 1970–2049"))
    } else {
        Time::GeneralTime(
            GeneralizedTime::from_unix_duration(duration)
                .expect("GeneralizedTime covers 2050–9999"),
        )
    }
}

fn extension(oid: ObjectIdentifier, critical: bool, value: &impl Encode) -> Extension {
    Extension {
        extn_id: oid,
        critical,
        extn_value: octets(&value.to_der().expect("an extension value encodes as DER")),
    }
}

fn authority_key_id(issuer_spki: &[u8]) -> Extension {
    extension(
        AUTHORITY_KEY_ID,
        false,
        &AuthorityKeyIdentifier {
            key_identifier: Some(octets(&key_identifier(issuer_spki))),
            authority_cert_issuer: None,
            authority_cert_serial_number: None,
        },
    )
}

/// A 20-byte key identifier: truncated SHA-256 of the SPKI (RFC 7093 method 1 style).
fn key_identifier(spki: &[u8]) -> Vec<u8> {
    Sha256::digest(spki)[..20].to_vec()
}

fn octets(bytes: &[u8]) -> OctetString {
    OctetString::new(bytes.to_vec()).expect("an extension fits an OCTET STRING")
}

/// An IA5String of a URI or email; non-ASCII bytes (never in our identities) become `?`.
fn ia5(s: &str) -> Ia5String {
    let ascii: String = s
        .chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect();
    Ia5String::new(&ascii).expect("an ASCII string is a valid IA5String")
}
