//! Certificate identity: the SAN, the Fulcio extensions and the profile facts of a leaf
//! certificate, read once, and the profile every Sigstore leaf must have.
//!
//! Fulcio OIDs `1.3.6.1.4.1.57264.1.1`–`.6` hold raw UTF-8 bytes (deprecated); `.8`–`.22`
//! hold a DER `UTF8String` (<https://github.com/sigstore/fulcio/blob/main/docs/oid-info.md>).
//! Their values are kept raw and decoded only when a publisher policy reads them, as the
//! reference (sigstore-python, pypi-attestations) does: an odd value in a claim no policy
//! reads does not refuse a certificate the reference accepts.

use std::collections::{BTreeMap, HashSet};

use x509_cert::der::asn1::{ObjectIdentifier, Utf8StringRef};
use x509_cert::der::{Decode, Encode};
use x509_cert::ext::pkix::name::GeneralName;
use x509_cert::ext::pkix::{
    AuthorityKeyIdentifier, BasicConstraints, ExtendedKeyUsage, KeyUsage, KeyUsages, SubjectAltName,
};
use x509_cert::Certificate;

/// The Fulcio OID arc; extension `n` is `1.3.6.1.4.1.57264.1.n`.
const FULCIO_ARC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1");
/// Fulcio's OtherName SAN type (`.7`).
const FULCIO_OTHER_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.4.1.57264.1.7");
/// `id-kp-codeSigning`.
const CODE_SIGNING: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.3.6.1.5.5.7.3.3");
const SUBJECT_ALT_NAME: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.17");
const KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.15");
const EXTENDED_KEY_USAGE: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.37");
const SUBJECT_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.14");
const AUTHORITY_KEY_ID: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.35");
const BASIC_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.19");
const NAME_CONSTRAINTS: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.5.29.30");

pub(crate) const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
pub(crate) const GITLAB_ISSUER: &str = "https://gitlab.com";
pub(crate) const GOOGLE_ISSUER: &str = "https://accounts.google.com";
pub(crate) const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";

/// Why a certificate's identity could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum IdentityError {
    /// Not a DER X.509 certificate at all.
    #[error("the certificate does not parse: {0}")]
    Unparsable(String),
    /// A certificate, but not one shaped as a Sigstore leaf may be.
    #[error("{0}")]
    Profile(String),
}

fn profile(message: impl Into<String>) -> IdentityError {
    IdentityError::Profile(message.into())
}

/// One subject alternative name entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Email(String),
    Uri(String),
    /// Fulcio's `OtherName` SAN (OID `.1.7`, a DER `UTF8String`), used for usernames.
    Username(String),
    /// A type Fulcio never issues (DNS name, IP address, another OtherName, …).
    Unsupported(&'static str),
}

impl San {
    /// The entry's value, if it is a type a Sigstore identity can be.
    pub(crate) fn value(&self) -> Option<&str> {
        match self {
            San::Email(v) | San::Uri(v) | San::Username(v) => Some(v),
            San::Unsupported(_) => None,
        }
    }
}

/// The profile facts of a leaf, as its extensions state them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct ProfileFacts {
    /// Key usage: present, with digitalSignature, with keyCertSign.
    pub key_usage: Option<(bool, bool)>,
    /// Extended key usage: (critical, has codeSigning).
    pub extended_key_usage: Option<(bool, bool)>,
    /// Authority key identifier present: its criticality.
    pub authority_key_id_critical: Option<bool>,
    /// Basic constraints present: its `cA`.
    pub basic_constraints_ca: Option<bool>,
    pub name_constraints: bool,
    /// Critical extensions other than those a leaf may mark critical (SAN, key usage,
    /// basic constraints, subject key identifier), by dotted OID.
    pub unexpected_critical: Vec<String>,
    /// The SAN extension is present.
    pub has_san: bool,
}

/// Everything identity-related a leaf certificate says, unchecked.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct CertificateIdentity {
    /// Every SAN entry, in order.
    pub sans: Vec<San>,
    /// Fulcio extension values by their last arc, raw (decoded when read).
    fulcio: BTreeMap<u32, Vec<u8>>,
    pub profile: ProfileFacts,
}

impl CertificateIdentity {
    /// Decodes a DER certificate's extensions. Refuses a certificate that repeats an
    /// extension (RFC 5280 §4.2: at most one instance of each; pyca/cryptography, under
    /// sigstore-python, refuses it too) or whose X.509 extensions do not decode.
    pub(crate) fn from_der(der: &[u8]) -> Result<Self, IdentityError> {
        let cert =
            Certificate::from_der(der).map_err(|e| IdentityError::Unparsable(e.to_string()))?;
        let mut id = CertificateIdentity::default();
        let Some(extensions) = cert.tbs_certificate.extensions.as_ref() else {
            return Ok(id);
        };
        let mut seen = HashSet::with_capacity(extensions.len());
        for ext in extensions {
            let oid = ext.extn_id;
            if !seen.insert(oid) {
                return Err(profile(format!(
                    "the signing certificate repeats extension `{oid}`; RFC 5280 allows each \
                     extension once, and the reference verifier refuses such a certificate"
                )));
            }
            let value = ext.extn_value.as_bytes();
            let malformed = |what: &str, e: x509_cert::der::Error| {
                profile(format!(
                    "the signing certificate's {what} is malformed: {e}"
                ))
            };
            match oid {
                SUBJECT_ALT_NAME => {
                    let san = SubjectAltName::from_der(value)
                        .map_err(|e| malformed("subject alternative name", e))?;
                    id.profile.has_san = true;
                    for name in &san.0 {
                        id.sans.push(decode_general_name(name)?);
                    }
                }
                KEY_USAGE => {
                    let ku = KeyUsage::from_der(value).map_err(|e| malformed("key usage", e))?;
                    id.profile.key_usage = Some((
                        ku.0.contains(KeyUsages::DigitalSignature),
                        ku.0.contains(KeyUsages::KeyCertSign),
                    ));
                }
                EXTENDED_KEY_USAGE => {
                    let eku = ExtendedKeyUsage::from_der(value)
                        .map_err(|e| malformed("extended key usage", e))?;
                    id.profile.extended_key_usage =
                        Some((ext.critical, eku.0.contains(&CODE_SIGNING)));
                }
                AUTHORITY_KEY_ID => {
                    AuthorityKeyIdentifier::from_der(value)
                        .map_err(|e| malformed("authority key identifier", e))?;
                    id.profile.authority_key_id_critical = Some(ext.critical);
                }
                BASIC_CONSTRAINTS => {
                    let bc = BasicConstraints::from_der(value)
                        .map_err(|e| malformed("basic constraints", e))?;
                    id.profile.basic_constraints_ca = Some(bc.ca);
                }
                NAME_CONSTRAINTS => id.profile.name_constraints = true,
                _ if oid.parent() == Some(FULCIO_ARC) => {
                    if let Some(n) = oid.arcs().last() {
                        id.fulcio.insert(n, value.to_vec());
                    }
                }
                _ => {}
            }
            // What pyca/cryptography's leaf policy lets be critical; anything else critical
            // is an extension the verifier would have to understand and does not.
            let may_be_critical = matches!(
                oid,
                SUBJECT_ALT_NAME | KEY_USAGE | BASIC_CONSTRAINTS | SUBJECT_KEY_ID
            );
            if ext.critical && !may_be_critical {
                id.profile.unexpected_critical.push(oid.to_string());
            }
        }
        Ok(id)
    }

    /// Checks the Sigstore leaf profile, as sigstore-python (with pyca/cryptography's
    /// client policy) checks it: key usage with digitalSignature and without keyCertSign;
    /// a non-critical EKU with codeSigning; a non-critical authority key identifier; not a
    /// CA; no name constraints; no other critical extension; and, beyond the reference,
    /// exactly one SAN entry that is a URI, an email or a Fulcio username (Fulcio issues
    /// one, so the identity checked and the identity reported are the same).
    pub(crate) fn check_profile(&self) -> Result<(), IdentityError> {
        let p = &self.profile;
        match p.key_usage {
            None => {
                return Err(profile(
                    "the signing certificate has no key usage extension",
                ))
            }
            Some((false, _)) => {
                return Err(profile(
                    "the signing certificate's key usage lacks digitalSignature",
                ))
            }
            Some((_, true)) => return Err(profile(
                "the signing certificate's key usage asserts keyCertSign, which a leaf must not",
            )),
            Some((true, false)) => {}
        }
        match p.extended_key_usage {
            None | Some((_, false)) => {
                return Err(profile(
                    "the signing certificate's extended key usage lacks codeSigning",
                ))
            }
            Some((true, true)) => {
                return Err(profile(
                    "the signing certificate's extended key usage is marked critical",
                ))
            }
            Some((false, true)) => {}
        }
        match p.authority_key_id_critical {
            None => {
                return Err(profile(
                    "the signing certificate has no authority key identifier",
                ))
            }
            Some(true) => {
                return Err(profile(
                    "the signing certificate's authority key identifier is marked critical",
                ))
            }
            Some(false) => {}
        }
        if p.basic_constraints_ca == Some(true) {
            return Err(profile(
                "the signing certificate is a CA certificate (basicConstraints cA)",
            ));
        }
        if p.name_constraints {
            return Err(profile(
                "the signing certificate carries name constraints, which a leaf must not",
            ));
        }
        if let Some(oid) = p.unexpected_critical.first() {
            return Err(profile(format!(
                "the signing certificate marks extension `{oid}` critical, which a Sigstore \
                 leaf does not"
            )));
        }
        if !p.has_san {
            return Err(profile(
                "the signing certificate has no subject alternative name",
            ));
        }
        match self.sans.as_slice() {
            [one] if one.value().is_some() => Ok(()),
            [San::Unsupported(kind)] => Err(profile(format!(
                "the signing certificate's subject alternative name is a {kind}, not a URI, \
                 email or username"
            ))),
            sans => Err(profile(format!(
                "the signing certificate has {} subject alternative names; a Sigstore \
                 certificate names exactly one identity",
                sans.len()
            ))),
        }
    }

    /// The one SAN value (after [`check_profile`](Self::check_profile)).
    pub(crate) fn san(&self) -> Option<&str> {
        match self.sans.as_slice() {
            [one] => one.value(),
            _ => None,
        }
    }

    /// The one SAN, if it is an email.
    pub(crate) fn san_email(&self) -> Option<&str> {
        match self.sans.as_slice() {
            [San::Email(email)] => Some(email),
            _ => None,
        }
    }

    /// A legacy Fulcio claim (`.1`–`.6`): the extension value's bytes as UTF-8.
    fn raw_claim(&self, n: u32) -> Result<Option<String>, IdentityError> {
        self.fulcio
            .get(&n)
            .map(|v| {
                String::from_utf8(v.clone()).map_err(|_| {
                    profile(format!(
                        "the signing certificate's Fulcio extension `{FULCIO_ARC}.{n}` is not UTF-8"
                    ))
                })
            })
            .transpose()
    }

    /// A Fulcio claim from `.8` on: a DER UTF8String.
    fn utf8_claim(&self, n: u32) -> Result<Option<String>, IdentityError> {
        self.fulcio
            .get(&n)
            .map(|v| {
                Utf8StringRef::from_der(v)
                    .map(|s| s.as_str().to_string())
                    .map_err(|e| {
                        profile(format!(
                            "the signing certificate's Fulcio extension `{FULCIO_ARC}.{n}` is \
                             not a DER UTF8String: {e}"
                        ))
                    })
            })
            .transpose()
    }

    /// `.1` Issuer (v1, deprecated; only the Google policy reads it).
    pub(crate) fn issuer_v1(&self) -> Result<Option<String>, IdentityError> {
        self.raw_claim(1)
    }

    /// `.8` Issuer (v2).
    pub(crate) fn issuer_v2(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(8)
    }

    /// `.9` Build Signer URI.
    pub(crate) fn build_signer_uri(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(9)
    }

    /// `.12` Source Repository URI.
    pub(crate) fn source_repository_uri(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(12)
    }

    /// `.13` Source Repository Digest (the commit).
    pub(crate) fn source_repository_digest(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(13)
    }

    /// `.14` Source Repository Ref.
    pub(crate) fn source_repository_ref(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(14)
    }

    /// `.18` Build Config URI.
    pub(crate) fn build_config_uri(&self) -> Result<Option<String>, IdentityError> {
        self.utf8_claim(18)
    }
}

fn decode_general_name(name: &GeneralName) -> Result<San, IdentityError> {
    Ok(match name {
        GeneralName::Rfc822Name(email) => San::Email(email.to_string()),
        GeneralName::UniformResourceIdentifier(uri) => San::Uri(uri.to_string()),
        GeneralName::OtherName(other) if other.type_id == FULCIO_OTHER_NAME => {
            let value = other
                .value
                .to_der()
                .ok()
                .and_then(|der| Utf8StringRef::from_der(&der).ok().map(|s| s.to_string()))
                .ok_or_else(|| profile("the signing certificate's username SAN is malformed"))?;
            San::Username(value)
        }
        GeneralName::OtherName(_) => San::Unsupported("non-Fulcio OtherName"),
        GeneralName::DnsName(_) => San::Unsupported("DNS name"),
        GeneralName::IpAddress(_) => San::Unsupported("IP address"),
        GeneralName::DirectoryName(_) => San::Unsupported("directory name"),
        GeneralName::EdiPartyName(_) => San::Unsupported("EDI party name"),
        GeneralName::RegisteredId(_) => San::Unsupported("registered ID"),
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    /// The DER inside the first PEM block of a fixture (which may carry a note before it).
    pub(crate) fn pem_fixture(path: &str) -> Vec<u8> {
        use base64::Engine;
        let text =
            std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR"))).unwrap();
        let start = text.find("-----BEGIN CERTIFICATE-----").unwrap();
        let end = text.find("-----END CERTIFICATE-----").unwrap();
        let body: String = text[start + 27..end]
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD
            .decode(body)
            .unwrap()
    }

    #[test]
    fn decodes_google_service_account_certificate() {
        let der = pem_fixture("fixtures/pep740/pypi-attestations/200170367.pem");
        let id = CertificateIdentity::from_der(&der).unwrap();
        assert_eq!(id.issuer_v1().unwrap().as_deref(), Some(GOOGLE_ISSUER));
        assert_eq!(
            id.san_email(),
            Some("919436158236-compute@developer.gserviceaccount.com")
        );
        id.check_profile().unwrap();
    }

    #[test]
    fn decodes_github_certificate_without_source_ref() {
        let der =
            pem_fixture("fixtures/pep740/pypi-attestations/no-source-repository-ref-extension.pem");
        let id = CertificateIdentity::from_der(&der).unwrap();
        assert_eq!(id.issuer_v2().unwrap().as_deref(), Some(GITHUB_ISSUER));
        assert_eq!(id.source_repository_ref().unwrap(), None);
        assert_eq!(
            id.source_repository_digest().unwrap().as_deref(),
            Some("a26eb006d04dd0c41a6e38dc15ddaf7b46143505")
        );
        // The legacy .6 ref is not there either; .5 names the repository.
        assert_eq!(id.raw_claim(6).unwrap(), None);
        assert_eq!(
            id.raw_claim(5).unwrap().as_deref(),
            Some("SWIFTSIM/swiftgalaxy")
        );
        id.check_profile().unwrap();
    }

    #[test]
    fn garbage_is_an_error() {
        assert!(matches!(
            CertificateIdentity::from_der(b"not a certificate"),
            Err(IdentityError::Unparsable(_))
        ));
    }
}
