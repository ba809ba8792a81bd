//! Deliberate changes to a leaf certificate's extensions and SANs: repeated, missing,
//! extra, re-valued or critical ones. TEST-ONLY: the verifier's identity tests and the
//! reference cross-check (`scripts/identity_crosscheck.py`) mint every shape with these.
//!
//! Edits apply in order to the Fulcio-shaped leaf of the request's publisher, before the
//! SCT is computed (so the SCT covers the edited certificate), except edits of the SCT
//! list extension itself, which apply after it is added.

use std::fmt;

/// `1.3.6.1.4.1.57264.1`: Fulcio's extension arc.
pub(crate) const FULCIO_ARC: &str = "1.3.6.1.4.1.57264.1";

/// Which extension an edit targets.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Ext {
    /// Fulcio claim `1.3.6.1.4.1.57264.1.n`: `.1`–`.6` hold raw bytes, `.8` onwards a DER
    /// UTF8String.
    Fulcio(u32),
    SubjectAltName,
    KeyUsage,
    ExtendedKeyUsage,
    AuthorityKeyIdentifier,
    SubjectKeyIdentifier,
    BasicConstraints,
    NameConstraints,
    /// The embedded precertificate SCT list (`1.3.6.1.4.1.11129.2.4.2`).
    SctList,
    /// Any other extension, by dotted OID.
    Other(String),
}

impl Ext {
    /// The dotted OID.
    pub fn oid(&self) -> String {
        match self {
            Ext::Fulcio(n) => format!("{FULCIO_ARC}.{n}"),
            Ext::SubjectAltName => "2.5.29.17".into(),
            Ext::KeyUsage => "2.5.29.15".into(),
            Ext::ExtendedKeyUsage => "2.5.29.37".into(),
            Ext::AuthorityKeyIdentifier => "2.5.29.35".into(),
            Ext::SubjectKeyIdentifier => "2.5.29.14".into(),
            Ext::BasicConstraints => "2.5.29.19".into(),
            Ext::NameConstraints => "2.5.29.30".into(),
            Ext::SctList => "1.3.6.1.4.1.11129.2.4.2".into(),
            Ext::Other(oid) => oid.clone(),
        }
    }
}

impl fmt::Display for Ext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Ext::Fulcio(n) => write!(f, ".{n}"),
            Ext::SubjectAltName => f.write_str("SAN"),
            Ext::KeyUsage => f.write_str("KU"),
            Ext::ExtendedKeyUsage => f.write_str("EKU"),
            Ext::AuthorityKeyIdentifier => f.write_str("AKI"),
            Ext::SubjectKeyIdentifier => f.write_str("SKI"),
            Ext::BasicConstraints => f.write_str("BC"),
            Ext::NameConstraints => f.write_str("NC"),
            Ext::SctList => f.write_str("SCT"),
            Ext::Other(oid) => f.write_str(oid),
        }
    }
}

/// One subject alternative name entry.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum SanEntry {
    Uri(String),
    Email(String),
    Dns(String),
    /// Fulcio's OtherName (`1.3.6.1.4.1.57264.1.7`, a UTF8String), used for usernames.
    Username(String),
}

/// The value an edited or added extension carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ExtValue {
    /// A copy of the extension's current value (for [`CertEdit::Repeat`]).
    Same,
    /// A Fulcio claim string, encoded as its OID requires (raw bytes for `.1`–`.6`, a DER
    /// UTF8String from `.8`). For other extensions: the string's bytes.
    Claim(String),
    /// A SAN extension holding these entries (an empty list is an empty SEQUENCE).
    Sans(Vec<SanEntry>),
    /// Key usage with these bits: digitalSignature, keyCertSign.
    KeyUsage {
        digital_signature: bool,
        key_cert_sign: bool,
    },
    /// Basic constraints with this `cA`.
    BasicConstraints { ca: bool },
    /// Name constraints permitting one DNS subtree.
    NameConstraints(String),
    /// Exactly these bytes as the extension's OCTET STRING contents.
    Der(Vec<u8>),
}

/// One change to a leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum CertEdit {
    /// Drop every extension with this OID.
    Remove(Ext),
    /// Replace the value of every extension with this OID.
    Set(Ext, ExtValue),
    /// Insert a second copy right after the first extension with this OID (same
    /// criticality), holding `value`.
    Repeat(Ext, ExtValue),
    /// Append an extension that is not otherwise there.
    Add {
        ext: Ext,
        critical: bool,
        value: ExtValue,
    },
    /// Set the criticality of every extension with this OID.
    Critical(Ext, bool),
    /// Replace the SAN's entries, keeping the extension where it is.
    Sans(Vec<SanEntry>),
}

impl CertEdit {
    /// Whether the edit targets the SCT list, which is added after the precertificate.
    pub(crate) fn targets_sct(&self) -> bool {
        let ext = match self {
            CertEdit::Remove(e)
            | CertEdit::Set(e, _)
            | CertEdit::Repeat(e, _)
            | CertEdit::Critical(e, _) => e,
            CertEdit::Add { ext, .. } => ext,
            CertEdit::Sans(_) => return false,
        };
        *ext == Ext::SctList
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::signer::authority::TestAuthority;
    use crate::testing::signer::x509::LeafProfile;
    use crate::testing::signer::{TestPublisher, DEFAULT_SIGNED_AT};
    use base64::Engine as _;
    use x509_cert::der::Decode;
    use x509_cert::ext::pkix::name::GeneralName;
    use x509_cert::ext::pkix::SubjectAltName;

    /// (OID, critical, value) of every extension of a leaf minted with `edits`, in order.
    fn extensions(edits: Vec<CertEdit>) -> Vec<(String, bool, Vec<u8>)> {
        let (not_before, not_after) = TestAuthority::leaf_window(DEFAULT_SIGNED_AT);
        let leaf = TestAuthority::new().leaf(
            &LeafProfile {
                publisher: TestPublisher::github("o/r", "release.yml"),
                not_before,
                not_after,
                code_signing: true,
                corrupt_sct: false,
                edits,
            },
            false,
        );
        let der = base64::engine::general_purpose::STANDARD
            .decode(&leaf.der_b64)
            .unwrap();
        x509_cert::Certificate::from_der(&der)
            .unwrap()
            .tbs_certificate
            .extensions
            .unwrap()
            .into_iter()
            .map(|e| {
                (
                    e.extn_id.to_string(),
                    e.critical,
                    e.extn_value.as_bytes().to_vec(),
                )
            })
            .collect()
    }

    fn oids(exts: &[(String, bool, Vec<u8>)]) -> Vec<&str> {
        exts.iter().map(|(oid, _, _)| oid.as_str()).collect()
    }

    #[test]
    fn repeat_inserts_a_second_copy_after_the_first() {
        let plain = extensions(vec![]);
        let edited = extensions(vec![CertEdit::Repeat(
            Ext::Fulcio(12),
            ExtValue::Claim("https://github.com/evil/r".into()),
        )]);
        let at = oids(&plain)
            .iter()
            .position(|o| *o == Ext::Fulcio(12).oid())
            .unwrap();
        assert_eq!(edited.len(), plain.len() + 1);
        assert_eq!(edited[at], plain[at]);
        assert_eq!(edited[at + 1].0, Ext::Fulcio(12).oid());
        // `.8` onwards: a DER UTF8String (tag 0x0C).
        assert_eq!(edited[at + 1].2[0], 0x0c);
        assert!(edited[at + 1].2.ends_with(b"https://github.com/evil/r"));
        let same = extensions(vec![CertEdit::Repeat(Ext::KeyUsage, ExtValue::Same)]);
        let ku: Vec<_> = same.iter().filter(|e| e.0 == "2.5.29.15").collect();
        assert_eq!(ku.len(), 2);
        assert_eq!(ku[0], ku[1]);
    }

    #[test]
    fn remove_set_add_and_critical_change_exactly_their_extension() {
        let plain = extensions(vec![]);
        let removed = extensions(vec![CertEdit::Remove(Ext::Fulcio(8))]);
        assert!(!oids(&removed).contains(&Ext::Fulcio(8).oid().as_str()));
        assert_eq!(removed.len(), plain.len() - 1);

        let legacy = extensions(vec![CertEdit::Set(
            Ext::Fulcio(1),
            ExtValue::Claim("https://gitlab.com".into()),
        )]);
        let issuer = legacy.iter().find(|e| e.0 == Ext::Fulcio(1).oid()).unwrap();
        // `.1`–`.6`: the raw bytes.
        assert_eq!(issuer.2, b"https://gitlab.com");

        let critical = extensions(vec![CertEdit::Critical(Ext::Fulcio(12), true)]);
        assert!(critical.iter().any(|e| e.0 == Ext::Fulcio(12).oid() && e.1));

        let added = extensions(vec![CertEdit::Add {
            ext: Ext::Other("1.2.3.4".into()),
            critical: true,
            value: ExtValue::Der(vec![5, 0]),
        }]);
        // Added before the SCT list, which is always last unless edited.
        assert_eq!(added[added.len() - 2], ("1.2.3.4".into(), true, vec![5, 0]));
        assert_eq!(added.last().unwrap().0, Ext::SctList.oid());

        let scts = extensions(vec![CertEdit::Repeat(Ext::SctList, ExtValue::Same)]);
        assert_eq!(
            oids(&scts)[scts.len() - 2..],
            [Ext::SctList.oid(), Ext::SctList.oid()]
        );
    }

    #[test]
    fn sans_replaces_the_entries() {
        let edited = extensions(vec![CertEdit::Sans(vec![
            SanEntry::Email("a@example.com".into()),
            SanEntry::Username("octo".into()),
            SanEntry::Dns("example.com".into()),
        ])]);
        let san = edited.iter().find(|e| e.0 == "2.5.29.17").unwrap();
        let names = SubjectAltName::from_der(&san.2).unwrap().0;
        assert_eq!(names.len(), 3);
        assert!(
            matches!(&names[0], GeneralName::Rfc822Name(e) if e.to_string() == "a@example.com")
        );
        assert!(
            matches!(&names[1], GeneralName::OtherName(o) if o.type_id.to_string() == "1.3.6.1.4.1.57264.1.7")
        );
        assert!(matches!(&names[2], GeneralName::DnsName(_)));
        let empty = extensions(vec![CertEdit::Sans(vec![])]);
        let san = empty.iter().find(|e| e.0 == "2.5.29.17").unwrap();
        assert_eq!(san.2, [0x30, 0x00]);
    }
}
