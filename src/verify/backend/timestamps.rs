//! RFC 3161 tokens: sigstore-verify authenticates the signed time with the trust root's TSA
//! certificates and ignores the rest of the CMS envelope, which the TSA does not sign.
//! pubgate also holds that envelope to its RFC 3161 / RFC 5652 shape (embedded certificates
//! exactly the trusted ones, versions, algorithms, content type), so a token cannot be
//! altered without being refused. The one unsigned change left is PKIStatus granted (0) ↔
//! grantedWithMods (1), both successful responses.

use cms::cert::CertificateChoices;
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{SignedData, SignerIdentifier};
use x509_cert::der::asn1::AnyRef;
use x509_cert::der::{Decode, Encode, Reader, SliceReader, Tagged};

use super::fail;
use crate::verify::trust_root::Prepared;
use crate::verify::{FailureReason, VerifyError};

/// The token's `ContentInfo`, from a bare token or a `TimeStampResp` whose PKIStatus is
/// granted (0) or grantedWithMods (1).
fn content_info(bytes: &[u8]) -> Option<ContentInfo> {
    if let Ok(info) = ContentInfo::from_der(bytes) {
        return Some(info);
    }
    let mut reader = SliceReader::new(bytes).ok()?;
    let (status, info) = reader
        .sequence(|r| {
            let status_info: AnyRef<'_> = r.decode()?;
            let status = status_info.decode_as::<PkiStatusInfo>()?;
            Ok((status.status, r.decode::<ContentInfo>()?))
        })
        .ok()?;
    let info = reader.finish(info).ok()?;
    matches!(status, 0 | 1).then_some(info)
}

/// `PKIStatusInfo ::= SEQUENCE { status INTEGER, statusString, failInfo OPTIONAL }`: only
/// the status is read; a successful response carries nothing else in practice.
struct PkiStatusInfo {
    status: u8,
}

impl<'a> x509_cert::der::DecodeValue<'a> for PkiStatusInfo {
    fn decode_value<R: Reader<'a>>(
        reader: &mut R,
        header: x509_cert::der::Header,
    ) -> x509_cert::der::Result<Self> {
        reader.read_nested(header.length, |r| {
            let status: u8 = r.decode()?;
            Ok(PkiStatusInfo { status })
        })
    }
}

impl x509_cert::der::FixedTag for PkiStatusInfo {
    const TAG: x509_cert::der::Tag = x509_cert::der::Tag::Sequence;
}

/// Every certificate a token embeds must be one of the trust root's TSA certificates.
pub(super) fn check_embedded_certificates(
    prepared: &Prepared,
    token: &[u8],
) -> Result<(), VerifyError> {
    let bad = |detail: &str| fail(FailureReason::SignedTimestamp, detail.to_string());
    let info = content_info(token).ok_or_else(|| bad("an RFC 3161 timestamp does not parse"))?;
    let signed: SignedData = info
        .content
        .decode_as()
        .map_err(|_| bad("an RFC 3161 timestamp is not CMS signed data"))?;
    // RFC 3161 §2.4.2: SignedData v3 around an OCTET STRING TSTInfo.
    let econtent_is_octets = signed
        .encap_content_info
        .econtent
        .as_ref()
        .is_some_and(|c| c.tag() == x509_cert::der::Tag::OctetString);
    if signed.version != CmsVersion::V3 || !econtent_is_octets {
        return Err(bad(
            "an RFC 3161 timestamp is not a version 3 signed TSTInfo",
        ));
    }
    for choice in signed.certificates.iter().flat_map(|set| set.0.iter()) {
        let CertificateChoices::Certificate(cert) = choice else {
            return Err(bad("an RFC 3161 timestamp embeds a non-X.509 certificate"));
        };
        let der = cert
            .to_der()
            .map_err(|_| bad("an RFC 3161 timestamp embeds a malformed certificate"))?;
        if !prepared.tsa_certificates.contains(&der) {
            return Err(bad(
                "an RFC 3161 timestamp embeds a certificate that is not the trust root's TSA \
                 certificate",
            ));
        }
    }
    for signer in signed.signer_infos.0.iter() {
        let digest = signer.digest_alg.oid.to_string();
        let signature = signer.signature_algorithm.oid.to_string();
        let expected_version = match signer.sid {
            SignerIdentifier::IssuerAndSerialNumber(_) => CmsVersion::V1,
            SignerIdentifier::SubjectKeyIdentifier(_) => CmsVersion::V3,
        };
        let listed = signed
            .digest_algorithms
            .iter()
            .any(|alg| alg.oid == signer.digest_alg.oid);
        if signer.version != expected_version || !listed || !algorithms_agree(&digest, &signature) {
            return Err(bad(
                "an RFC 3161 timestamp's signature algorithm does not match its digest \
                 algorithm",
            ));
        }
    }
    Ok(())
}

/// A SignerInfo's (unsigned) signature algorithm must name its digest algorithm, or be a
/// bare key algorithm.
fn algorithms_agree(digest: &str, signature: &str) -> bool {
    const ECDSA: [(&str, &str); 3] = [
        ("2.16.840.1.101.3.4.2.1", "1.2.840.10045.4.3.2"),
        ("2.16.840.1.101.3.4.2.2", "1.2.840.10045.4.3.3"),
        ("2.16.840.1.101.3.4.2.3", "1.2.840.10045.4.3.4"),
    ];
    const RSA: [(&str, &str); 3] = [
        ("2.16.840.1.101.3.4.2.1", "1.2.840.113549.1.1.11"),
        ("2.16.840.1.101.3.4.2.2", "1.2.840.113549.1.1.12"),
        ("2.16.840.1.101.3.4.2.3", "1.2.840.113549.1.1.13"),
    ];
    const BARE_KEY_ALGORITHMS: [&str; 2] = ["1.2.840.10045.2.1", "1.2.840.113549.1.1.1"];
    BARE_KEY_ALGORITHMS.contains(&signature)
        || ECDSA
            .iter()
            .chain(RSA.iter())
            .any(|&(d, s)| d == digest && s == signature)
}
