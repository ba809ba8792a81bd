//! PEP 740 wire formats: provenance objects and attestation objects, parsed leniently about
//! unknown keys, strictly about versions and sizes, and decoded from base64.

use base64::Engine;
use serde::Deserialize;
use serde_json::Value;

use super::{ClaimedPublisher, FailureReason, VerifyError};

/// Largest provenance or attestation document accepted (real ones are ~10–30 KiB).
pub const MAX_DOCUMENT_BYTES: usize = 4 * 1024 * 1024;
/// Most attestation bundles in one provenance object (PyPI writes exactly one).
pub const MAX_BUNDLES: usize = 8;
/// Most attestations in one bundle (PyPI accepts at most two, one per predicate type).
pub const MAX_ATTESTATIONS_PER_BUNDLE: usize = 8;
/// Most transparency log entries in one attestation (PyPI writes one).
pub const MAX_TLOG_ENTRIES: usize = 4;
/// Most RFC 3161 timestamps in one attestation (sigstore-python's limit).
pub const MAX_TIMESTAMPS: usize = 32;

fn malformed(detail: impl Into<String>) -> VerifyError {
    VerifyError {
        reason: FailureReason::Malformed,
        detail: detail.into(),
    }
}

/// A decoded attestation object.
#[derive(Debug, Clone)]
pub(crate) struct Attestation {
    /// DER leaf certificate.
    pub certificate: Vec<u8>,
    /// The raw in-toto statement bytes (signed as-is; never re-serialized).
    pub statement: Vec<u8>,
    /// DER ECDSA signature over the DSSE PAE.
    pub signature: Vec<u8>,
    /// Rekor `TransparencyLogEntry` objects in protobuf JSON, passed to the backend as-is.
    pub tlog_entries: Vec<Value>,
    /// DER RFC 3161 timestamp responses (the proposed `timestamps` field).
    pub timestamps: Vec<Vec<u8>>,
}

/// A decoded provenance object: each bundle's claimed publisher and its attestations.
#[derive(Debug, Clone)]
pub(crate) struct Provenance {
    pub bundles: Vec<(ClaimedPublisher, Vec<Attestation>)>,
}

/// What a PEP 740 document turned out to be.
#[derive(Debug, Clone)]
pub(crate) enum Document {
    Provenance(Provenance),
    Attestation(Attestation),
}

#[derive(Deserialize)]
struct WirePublisher {
    kind: String,
    #[serde(default)]
    repository: Option<String>,
    #[serde(default)]
    workflow: Option<String>,
    #[serde(default)]
    workflow_filepath: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    environment: Option<String>,
    #[serde(default)]
    project_id: Option<String>,
    #[serde(default)]
    pipeline_definition_id: Option<String>,
    #[serde(default)]
    vcs_origin: Option<String>,
    #[serde(default)]
    vcs_ref: Option<String>,
}

#[derive(Deserialize)]
struct WireMaterial {
    certificate: String,
    transparency_entries: Vec<Value>,
    #[serde(default)]
    timestamps: Option<Vec<String>>,
}

#[derive(Deserialize)]
struct WireEnvelope {
    statement: String,
    signature: String,
}

#[derive(Deserialize)]
struct WireAttestation {
    verification_material: WireMaterial,
    envelope: WireEnvelope,
}

/// Checks the `version` member: `Ok` for 1, `unsupported-version` for another number.
fn check_version(object: &Value, what: &str, required: bool) -> Result<(), VerifyError> {
    match object.get("version") {
        None if !required => Ok(()),
        None => Err(malformed(format!("the {what} has no `version`"))),
        Some(v) if v.as_u64() == Some(1) => Ok(()),
        Some(v) if v.is_number() => Err(VerifyError {
            reason: FailureReason::UnsupportedVersion,
            detail: format!("{what} version {v} is not supported (only version 1 is)"),
        }),
        Some(v) => Err(malformed(format!(
            "the {what} `version` is `{v}`, not a number"
        ))),
    }
}

/// Standard base64; line breaks are ignored as pydantic's `Base64Bytes` (Python's
/// `base64.decodebytes`) ignores them, and real fixtures carry MIME-wrapped values.
fn decode(field: &str, text: &str) -> Result<Vec<u8>, VerifyError> {
    let engine = base64::engine::general_purpose::STANDARD;
    let result = if text.contains(['\n', '\r']) {
        engine.decode(text.replace(['\n', '\r'], ""))
    } else {
        engine.decode(text)
    };
    result.map_err(|e| malformed(format!("`{field}` is not valid base64: {e}")))
}

fn non_empty(value: Option<String>) -> Option<String> {
    value.filter(|v| !v.is_empty())
}

/// Parses a document that may be either a provenance object or a single attestation.
pub(crate) fn parse_document(bytes: &[u8]) -> Result<Document, VerifyError> {
    let value = parse_json(bytes)?;
    if value.get("attestation_bundles").is_some() {
        parse_provenance_value(&value).map(Document::Provenance)
    } else if value.get("envelope").is_some() || value.get("verification_material").is_some() {
        parse_attestation_value(&value).map(Document::Attestation)
    } else {
        Err(malformed(
            "neither a PEP 740 provenance object (`attestation_bundles`) nor an attestation \
             (`envelope`, `verification_material`)",
        ))
    }
}

fn parse_json(bytes: &[u8]) -> Result<Value, VerifyError> {
    if bytes.len() > MAX_DOCUMENT_BYTES {
        return Err(malformed(format!(
            "the document is {} bytes, more than the {MAX_DOCUMENT_BYTES} allowed",
            bytes.len()
        )));
    }
    let value: Value =
        serde_json::from_slice(bytes).map_err(|e| malformed(format!("not JSON: {e}")))?;
    if !value.is_object() {
        return Err(malformed("not a JSON object"));
    }
    Ok(value)
}

/// Parses a provenance object (`{"version":1,"attestation_bundles":[…]}`).
pub(crate) fn parse_provenance(bytes: &[u8]) -> Result<Provenance, VerifyError> {
    parse_provenance_value(&parse_json(bytes)?)
}

/// Parses an attestation object (`{"version":1,"verification_material":…,"envelope":…}`).
pub(crate) fn parse_attestation(bytes: &[u8]) -> Result<Attestation, VerifyError> {
    parse_attestation_value(&parse_json(bytes)?)
}

fn parse_provenance_value(value: &Value) -> Result<Provenance, VerifyError> {
    // pypi-attestations defaults a missing provenance version to 1.
    check_version(value, "provenance object", false)?;
    let bundles = value
        .get("attestation_bundles")
        .and_then(Value::as_array)
        .ok_or_else(|| malformed("the provenance object has no `attestation_bundles` list"))?;
    if bundles.is_empty() {
        return Err(malformed("the provenance object has no attestation bundle"));
    }
    if bundles.len() > MAX_BUNDLES {
        return Err(malformed(format!(
            "the provenance object has {} attestation bundles, more than the {MAX_BUNDLES} allowed",
            bundles.len()
        )));
    }
    let mut out = Vec::with_capacity(bundles.len());
    for (i, bundle) in bundles.iter().enumerate() {
        let publisher = bundle
            .get("publisher")
            .ok_or_else(|| malformed(format!("attestation bundle {i} has no `publisher`")))?;
        let publisher: WirePublisher = WirePublisher::deserialize(publisher)
            .map_err(|e| malformed(format!("attestation bundle {i}: bad `publisher`: {e}")))?;
        let attestations = bundle
            .get("attestations")
            .and_then(Value::as_array)
            .ok_or_else(|| {
                malformed(format!("attestation bundle {i} has no `attestations` list"))
            })?;
        if attestations.is_empty() {
            return Err(malformed(format!(
                "attestation bundle {i} has no attestation"
            )));
        }
        if attestations.len() > MAX_ATTESTATIONS_PER_BUNDLE {
            return Err(malformed(format!(
                "attestation bundle {i} has {} attestations, more than the \
                 {MAX_ATTESTATIONS_PER_BUNDLE} allowed",
                attestations.len()
            )));
        }
        let attestations = attestations
            .iter()
            .map(parse_attestation_value)
            .collect::<Result<Vec<_>, _>>()?;
        let claimed = ClaimedPublisher {
            kind: publisher.kind,
            repository: publisher.repository,
            workflow: publisher.workflow,
            workflow_filepath: publisher.workflow_filepath,
            email: publisher.email,
            // Warehouse writes `environment or None`, but stored rows may hold "".
            environment: non_empty(publisher.environment),
            project_id: publisher.project_id,
            pipeline_definition_id: publisher.pipeline_definition_id,
            vcs_origin: publisher.vcs_origin,
            vcs_ref: publisher.vcs_ref,
        };
        out.push((claimed, attestations));
    }
    Ok(Provenance { bundles: out })
}

fn parse_attestation_value(value: &Value) -> Result<Attestation, VerifyError> {
    if !value.is_object() {
        return Err(malformed("an attestation is not a JSON object"));
    }
    check_version(value, "attestation", true)?;
    let wire: WireAttestation = WireAttestation::deserialize(value)
        .map_err(|e| malformed(format!("bad attestation: {e}")))?;
    let material = wire.verification_material;
    if material.transparency_entries.is_empty() {
        return Err(malformed("the attestation has no transparency log entry"));
    }
    if material.transparency_entries.len() > MAX_TLOG_ENTRIES {
        return Err(malformed(format!(
            "the attestation has {} transparency log entries, more than the \
             {MAX_TLOG_ENTRIES} allowed",
            material.transparency_entries.len()
        )));
    }
    let timestamps = material.timestamps.unwrap_or_default();
    if timestamps.len() > MAX_TIMESTAMPS {
        return Err(malformed(format!(
            "the attestation has {} timestamps, more than the {MAX_TIMESTAMPS} allowed",
            timestamps.len()
        )));
    }
    Ok(Attestation {
        certificate: decode("verification_material.certificate", &material.certificate)?,
        statement: decode("envelope.statement", &wire.envelope.statement)?,
        signature: decode("envelope.signature", &wire.envelope.signature)?,
        tlog_entries: material.transparency_entries,
        timestamps: timestamps
            .iter()
            .map(|t| decode("verification_material.timestamps", t))
            .collect::<Result<_, _>>()?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(path: &str) -> Vec<u8> {
        std::fs::read(format!(
            "{}/fixtures/pep740/{path}",
            env!("CARGO_MANIFEST_DIR")
        ))
        .unwrap()
    }

    #[test]
    fn detects_and_decodes_both_shapes() {
        let doc =
            parse_document(&fixture("warehouse/sampleproject-4.0.0.tar.gz.provenance")).unwrap();
        let Document::Provenance(p) = doc else {
            panic!("expected provenance")
        };
        assert_eq!(p.bundles.len(), 1);
        let (claim, atts) = &p.bundles[0];
        assert_eq!(claim.kind, "GitHub");
        assert_eq!(claim.repository.as_deref(), Some("pypa/sampleproject"));
        assert_eq!(claim.environment, None, "\"\" is read as no environment");
        assert_eq!(atts.len(), 1);
        assert!(atts[0].statement.starts_with(b"{"));

        let doc = parse_document(&fixture(
            "extra/pypi+pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation.with_timestamp",
        ))
        .unwrap();
        let Document::Attestation(a) = doc else {
            panic!("expected attestation")
        };
        assert_eq!(a.timestamps.len(), 1);
        assert_eq!(a.tlog_entries.len(), 1);
    }

    #[test]
    fn versions_and_shapes_are_checked() {
        let reason = |json: &str| parse_document(json.as_bytes()).unwrap_err().reason;
        assert_eq!(
            reason(r#"{"version":2,"attestation_bundles":[]}"#),
            FailureReason::UnsupportedVersion
        );
        assert_eq!(
            reason(r#"{"version":"1","attestation_bundles":[]}"#),
            FailureReason::Malformed
        );
        assert_eq!(
            reason(r#"{"version":1,"attestation_bundles":[]}"#),
            FailureReason::Malformed
        );
        assert_eq!(
            reason(r#"{"version":3,"envelope":{}}"#),
            FailureReason::UnsupportedVersion
        );
        assert_eq!(reason(r#"{"envelope":{}}"#), FailureReason::Malformed);
        assert_eq!(reason(r#"[1]"#), FailureReason::Malformed);
        assert_eq!(reason(r#"{"hello":1}"#), FailureReason::Malformed);
        let big = vec![b' '; MAX_DOCUMENT_BYTES + 1];
        assert_eq!(
            parse_document(&big).unwrap_err().reason,
            FailureReason::Malformed
        );
    }

    #[test]
    fn too_many_bundles_or_attestations_are_malformed() {
        let att: Value = serde_json::from_slice(&fixture(
            "pypi-attestations/pypi_attestations-0.0.19.tar.gz.publish.attestation",
        ))
        .unwrap();
        let publisher = serde_json::json!({"kind":"GitHub","repository":"a/b","workflow":"w.yml"});
        let many = serde_json::json!({"version":1,"attestation_bundles":[
            {"publisher": publisher, "attestations": vec![att.clone(); MAX_ATTESTATIONS_PER_BUNDLE + 1]}]});
        let e = parse_document(many.to_string().as_bytes()).unwrap_err();
        assert_eq!(e.reason, FailureReason::Malformed);
        assert!(e.detail.contains("more than"), "{}", e.detail);
        let bundle = serde_json::json!({"publisher": publisher, "attestations": [att]});
        let many =
            serde_json::json!({"version":1,"attestation_bundles": vec![bundle; MAX_BUNDLES + 1]});
        let e = parse_document(many.to_string().as_bytes()).unwrap_err();
        assert!(e.detail.contains("more than"), "{}", e.detail);
    }
}
