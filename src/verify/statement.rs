//! The in-toto statement inside a PEP 740 attestation: exactly one subject naming this
//! distribution (compared after parsing both names) with this sha256, and a predicate type
//! PyPI accepts. Runs only on statements whose signature already verified.

use serde_json::Value;

use super::{FailureReason, VerifyError};
use crate::dist::DistFilename;

pub(crate) const IN_TOTO_STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
pub const PUBLISH_V1: &str = "https://docs.pypi.org/attestations/publish/v1";
pub const SLSA_PROVENANCE_V1: &str = "https://slsa.dev/provenance/v1";

fn fail(reason: FailureReason, detail: String) -> VerifyError {
    VerifyError { reason, detail }
}

/// The statement's single subject digest, if it has exactly one subject with a `sha256`:
/// used to explain a digest mismatch.
pub(crate) fn subject_sha256(statement: &[u8]) -> Option<String> {
    let value: Value = serde_json::from_slice(statement).ok()?;
    match value.get("subject")?.as_array()?.as_slice() {
        [subject] => subject
            .get("digest")?
            .get("sha256")?
            .as_str()
            .map(str::to_string),
        _ => None,
    }
}

/// Checks the statement against the distribution; returns the predicate type.
///
/// `filename` must already parse as a distribution filename and `sha256` be lowercase hex.
pub(crate) fn check_statement(
    statement: &[u8],
    filename: &DistFilename,
    filename_text: &str,
    sha256: &str,
) -> Result<String, VerifyError> {
    let value: Value = serde_json::from_slice(statement).map_err(|e| {
        fail(
            FailureReason::Malformed,
            format!("the signed statement is not JSON: {e}"),
        )
    })?;
    let Some(object) = value.as_object() else {
        return Err(fail(
            FailureReason::Malformed,
            "the signed statement is not a JSON object".into(),
        ));
    };
    match object.get("_type").and_then(Value::as_str) {
        Some(IN_TOTO_STATEMENT_V1) => {}
        other => {
            return Err(fail(
                FailureReason::Malformed,
                format!(
                    "the signed statement's `_type` is {}, expected `{IN_TOTO_STATEMENT_V1}`",
                    other.map_or("missing".to_string(), |t| format!("`{t}`"))
                ),
            ))
        }
    }
    let subjects = object
        .get("subject")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    let [subject] = subjects else {
        return Err(fail(
            FailureReason::SubjectName,
            format!(
                "the statement has {} subjects; a PyPI attestation names exactly one file",
                subjects.len()
            ),
        ));
    };
    let name = subject
        .get("name")
        .and_then(Value::as_str)
        .filter(|n| !n.is_empty())
        .ok_or_else(|| {
            fail(
                FailureReason::SubjectName,
                "the statement's subject has no name".into(),
            )
        })?;
    let parsed = DistFilename::parse(name).map_err(|e| {
        fail(
            FailureReason::SubjectName,
            format!("the statement's subject is not a distribution: {e}"),
        )
    })?;
    if &parsed != filename {
        return Err(fail(
            FailureReason::SubjectName,
            format!("the attestation is for `{name}`, not `{filename_text}`"),
        ));
    }
    match subject
        .get("digest")
        .and_then(|d| d.get("sha256"))
        .and_then(Value::as_str)
    {
        Some(digest) if digest == sha256 => {}
        Some(digest) => {
            return Err(fail(
                FailureReason::SubjectDigest,
                format!("the attestation is for sha256 `{digest}`, not `{sha256}`"),
            ))
        }
        None => {
            return Err(fail(
                FailureReason::SubjectDigest,
                "the statement's subject has no sha256 digest".into(),
            ))
        }
    }
    let predicate_type = object
        .get("predicateType")
        .and_then(Value::as_str)
        .unwrap_or_default();
    match predicate_type {
        PUBLISH_V1 => match object.get("predicate") {
            None | Some(Value::Null) => {}
            Some(Value::Object(map)) if map.is_empty() => {}
            Some(_) => {
                return Err(fail(
                    FailureReason::PredicateType,
                    format!("a `{PUBLISH_V1}` predicate must be empty (`{{}}` or `null`)"),
                ))
            }
        },
        SLSA_PROVENANCE_V1 => {}
        other => {
            return Err(fail(
                FailureReason::PredicateType,
                format!(
                    "predicate type `{other}` is not one PyPI accepts (`{PUBLISH_V1}`, \
                     `{SLSA_PROVENANCE_V1}`)"
                ),
            ))
        }
    }
    Ok(predicate_type.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SHA: &str = "9bb1add04b1b4e182be6b0b80931593f7a291eb49d69b4fd728a5d4cbcdc4bd3";

    fn statement(subjects: &str, predicate_type: &str, predicate: &str) -> Vec<u8> {
        format!(
            r#"{{"_type":"{IN_TOTO_STATEMENT_V1}","subject":{subjects},"predicateType":"{predicate_type}"{predicate}}}"#
        )
        .into_bytes()
    }

    fn one(name: &str, sha: &str) -> String {
        format!(r#"[{{"name":"{name}","digest":{{"sha256":"{sha}"}}}}]"#)
    }

    fn check(stmt: &[u8], filename: &str, sha: &str) -> Result<String, FailureReason> {
        let parsed = DistFilename::parse(filename).unwrap();
        check_statement(stmt, &parsed, filename, sha).map_err(|e| e.reason)
    }

    #[test]
    fn accepts_normalized_names_and_both_predicate_types() {
        let s = statement(
            &one("pypi_attestations-0.0.19.tar.gz", SHA),
            PUBLISH_V1,
            r#","predicate":null"#,
        );
        for f in [
            "pypi_attestations-0.0.19.tar.gz",
            "pypi-attestations-0.0.19.tar.gz",
            "PyPI_Attestations-0.0.19.tar.gz",
        ] {
            assert_eq!(check(&s, f, SHA), Ok(PUBLISH_V1.to_string()));
        }
        let s = statement(
            &one("pypi_attestations-0.0.19.tar.gz", SHA),
            SLSA_PROVENANCE_V1,
            r#","predicate":{"buildDefinition":{}}"#,
        );
        assert_eq!(
            check(&s, "pypi_attestations-0.0.19.tar.gz", SHA),
            Ok(SLSA_PROVENANCE_V1.to_string())
        );
        let s = statement(
            &one(
                "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
                SHA,
            ),
            PUBLISH_V1,
            "",
        );
        assert!(check(
            &s,
            "spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl",
            SHA
        )
        .is_ok());
    }

    #[test]
    fn refuses_each_mismatch_with_its_reason() {
        let f = "pypi_attestations-0.0.19.tar.gz";
        let good = one(f, SHA);
        let two = format!(
            r#"[{{"name":"{f}","digest":{{"sha256":"{SHA}"}}}},{{"name":"{f}","digest":{{"sha256":"{SHA}"}}}}]"#
        );
        let cases: Vec<(Vec<u8>, &str, FailureReason)> = vec![
            (
                statement(&good, PUBLISH_V1, ""),
                "pypi_attestations-0.0.20.tar.gz",
                FailureReason::SubjectName,
            ),
            (
                statement(&two, PUBLISH_V1, ""),
                f,
                FailureReason::SubjectName,
            ),
            (
                statement("[]", PUBLISH_V1, ""),
                f,
                FailureReason::SubjectName,
            ),
            (
                statement(&one("not a dist", SHA), PUBLISH_V1, ""),
                f,
                FailureReason::SubjectName,
            ),
            (
                statement(&one(f, &SHA.to_uppercase()), PUBLISH_V1, ""),
                f,
                FailureReason::SubjectDigest,
            ),
            (
                statement(&one(f, &"0".repeat(64)), PUBLISH_V1, ""),
                f,
                FailureReason::SubjectDigest,
            ),
            (
                statement(&good, "https://example.com/other/v1", ""),
                f,
                FailureReason::PredicateType,
            ),
            (
                statement(&good, PUBLISH_V1, r#","predicate":{"a":1}"#),
                f,
                FailureReason::PredicateType,
            ),
            (b"{".to_vec(), f, FailureReason::Malformed),
            (
                br#"{"_type":"https://in-toto.io/Statement/v0.1","subject":[]}"#.to_vec(),
                f,
                FailureReason::Malformed,
            ),
        ];
        for (stmt, filename, reason) in cases {
            assert_eq!(
                check(&stmt, filename, SHA),
                Err(reason),
                "{}",
                String::from_utf8_lossy(&stmt)
            );
        }
    }
}
