//! Publisher policy: does the verified certificate agree with the publisher PyPI claims?
//!
//! Mirrors pypi-attestations' `_as_policy()` per kind (GitHub, GitLab, Google; CircleCI as
//! in 0.0.30). The environment is never checked: certificates do not carry it.

use super::identity::{
    CertificateIdentity, CIRCLECI_ISSUER, GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER,
};
use super::ClaimedPublisher;

/// Why the claim and the certificate disagree (or the claim cannot be checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimError {
    /// The claim lacks a field its kind requires: the provenance is malformed.
    Incomplete(String),
    /// The certificate does not satisfy the claim.
    Mismatch(String),
}

/// The claimed publisher's kind, matched ASCII-case-insensitively.
fn kind_is(claim: &ClaimedPublisher, kind: &str) -> bool {
    claim.kind.eq_ignore_ascii_case(kind)
}

fn required<'a>(
    claim: &'a ClaimedPublisher,
    field: &'a Option<String>,
    name: &str,
) -> Result<&'a str, ClaimError> {
    field.as_deref().filter(|v| !v.is_empty()).ok_or_else(|| {
        ClaimError::Incomplete(format!(
            "the `{}` publisher claim has no `{name}`",
            claim.kind
        ))
    })
}

fn must_equal(what: &str, actual: Option<&str>, expected: &str) -> Result<(), ClaimError> {
    match actual {
        Some(a) if a == expected => Ok(()),
        Some(a) => Err(ClaimError::Mismatch(format!(
            "the certificate's {what} is `{a}`, the claim needs `{expected}`"
        ))),
        None => Err(ClaimError::Mismatch(format!(
            "the certificate has no {what}, the claim needs `{expected}`"
        ))),
    }
}

/// Checks the certificate against the claim, exactly as pypi-attestations does.
pub(crate) fn check_claim(
    claim: &ClaimedPublisher,
    cert: &CertificateIdentity,
) -> Result<(), ClaimError> {
    if kind_is(claim, "GitHub") {
        let repository = required(claim, &claim.repository, "repository")?;
        let workflow = required(claim, &claim.workflow, "workflow")?;
        must_equal("issuer (OID .8)", cert.issuer_v2.as_deref(), GITHUB_ISSUER)?;
        must_equal(
            "source repository (OID .12)",
            cert.source_repository_uri.as_deref(),
            &format!("https://github.com/{repository}"),
        )?;
        let prefix = format!("https://github.com/{repository}/.github/workflows/{workflow}@");
        return check_build_config(cert, &prefix, false);
    }
    if kind_is(claim, "GitLab") {
        let repository = required(claim, &claim.repository, "repository")?;
        let path = required(claim, &claim.workflow_filepath, "workflow_filepath")?;
        must_equal("issuer (OID .8)", cert.issuer_v2.as_deref(), GITLAB_ISSUER)?;
        must_equal(
            "source repository (OID .12)",
            cert.source_repository_uri.as_deref(),
            &format!("https://gitlab.com/{repository}"),
        )?;
        let prefix = format!("https://gitlab.com/{repository}//{path}@");
        return check_build_config(cert, &prefix, true);
    }
    if kind_is(claim, "Google") {
        let email = required(claim, &claim.email, "email")?;
        // sigstore-python's `policy.Identity`: the v1 issuer (OID .1) and any SAN value.
        must_equal("issuer (OID .1)", cert.issuer_v1.as_deref(), GOOGLE_ISSUER)?;
        if !cert.sans.iter().any(|san| san.value() == email) {
            return Err(ClaimError::Mismatch(format!(
                "the certificate's identity is `{}`, the claim needs `{email}`",
                cert.san().unwrap_or("none")
            )));
        }
        return Ok(());
    }
    if kind_is(claim, "CircleCI") {
        let project = required(claim, &claim.project_id, "project_id")?;
        let pipeline = required(
            claim,
            &claim.pipeline_definition_id,
            "pipeline_definition_id",
        )?;
        must_equal(
            "issuer (OID .8)",
            cert.issuer_v2.as_deref(),
            CIRCLECI_ISSUER,
        )?;
        must_equal(
            "build signer (OID .9)",
            cert.build_signer_uri.as_deref(),
            &format!(
                "https://circleci.com/api/v2/projects/{project}/pipeline-definitions/{pipeline}"
            ),
        )?;
        if let Some(origin) = claim.vcs_origin.as_deref().filter(|v| !v.is_empty()) {
            must_equal(
                "source repository (OID .12)",
                cert.source_repository_uri.as_deref(),
                origin,
            )?;
        }
        if let Some(vcs_ref) = claim.vcs_ref.as_deref().filter(|v| !v.is_empty()) {
            must_equal(
                "source ref (OID .14)",
                cert.source_repository_ref.as_deref(),
                vcs_ref,
            )?;
        }
        return Ok(());
    }
    Err(ClaimError::Mismatch(format!(
        "PyPI claims a `{}` publisher, which cannot be checked against a certificate",
        claim.kind
    )))
}

/// The Build Config URI (OID .18) must be `prefix` followed by the certificate's own
/// source digest (.13) or ref (.14). GitHub needs one of the two, GitLab both.
fn check_build_config(
    cert: &CertificateIdentity,
    prefix: &str,
    need_both: bool,
) -> Result<(), ClaimError> {
    let digest = cert.source_repository_digest.as_deref();
    let git_ref = cert.source_repository_ref.as_deref();
    let suffixes: Vec<&str> = [digest, git_ref].into_iter().flatten().collect();
    if suffixes.is_empty() || (need_both && suffixes.len() < 2) {
        return Err(ClaimError::Mismatch(
            "the certificate lacks the source digest (OID .13) or ref (OID .14) needed to \
             check the workflow"
                .into(),
        ));
    }
    let Some(build_config) = cert.build_config_uri.as_deref() else {
        return Err(ClaimError::Mismatch(
            "the certificate has no build config URI (OID .18)".into(),
        ));
    };
    if suffixes
        .iter()
        .any(|suffix| build_config == format!("{prefix}{suffix}"))
    {
        return Ok(());
    }
    Err(ClaimError::Mismatch(format!(
        "the certificate's build config is `{build_config}`, the claim needs `{prefix}…`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::verify::identity::tests::pem_fixture;

    fn claim(kind: &str) -> ClaimedPublisher {
        ClaimedPublisher {
            kind: kind.into(),
            repository: None,
            workflow: None,
            workflow_filepath: None,
            email: None,
            environment: None,
            project_id: None,
            pipeline_definition_id: None,
            vcs_origin: None,
            vcs_ref: None,
        }
    }

    fn google_cert() -> CertificateIdentity {
        CertificateIdentity::from_der(&pem_fixture(
            "fixtures/pep740/pypi-attestations/200170367.pem",
        ))
        .unwrap()
    }

    fn github_cert() -> CertificateIdentity {
        CertificateIdentity::from_der(&pem_fixture(
            "fixtures/pep740/pypi-attestations/no-source-repository-ref-extension.pem",
        ))
        .unwrap()
    }

    fn github_claim(repository: &str, workflow: &str) -> ClaimedPublisher {
        ClaimedPublisher {
            repository: Some(repository.into()),
            workflow: Some(workflow.into()),
            ..claim("GitHub")
        }
    }

    #[test]
    fn google_policy_accepts_its_service_account() {
        let c = ClaimedPublisher {
            email: Some("919436158236-compute@developer.gserviceaccount.com".into()),
            ..claim("Google")
        };
        assert_eq!(check_claim(&c, &google_cert()), Ok(()));
    }

    #[test]
    fn google_policy_denies_another_account() {
        let c = ClaimedPublisher {
            email: Some("someone-else@developer.gserviceaccount.com".into()),
            ..claim("Google")
        };
        assert!(matches!(
            check_claim(&c, &google_cert()),
            Err(ClaimError::Mismatch(_))
        ));
    }

    #[test]
    fn github_policy_accepts_digest_without_ref() {
        let c = github_claim("SWIFTSIM/swiftgalaxy", "python-publish.yml");
        assert_eq!(check_claim(&c, &github_cert()), Ok(()));
    }

    #[test]
    fn github_policy_denies_other_workflow_repository_or_kind() {
        for c in [
            github_claim("SWIFTSIM/swiftgalaxy", "other.yml"),
            github_claim("SWIFTSIM/other", "python-publish.yml"),
            ClaimedPublisher {
                repository: Some("SWIFTSIM/swiftgalaxy".into()),
                workflow_filepath: Some("python-publish.yml".into()),
                ..claim("GitLab")
            },
        ] {
            assert!(
                matches!(
                    check_claim(&c, &github_cert()),
                    Err(ClaimError::Mismatch(_))
                ),
                "{c:?}"
            );
        }
        // The GitHub certificate does not satisfy a Google claim either.
        let c = ClaimedPublisher {
            email: Some("x@example.com".into()),
            ..claim("Google")
        };
        assert!(check_claim(&c, &github_cert()).is_err());
    }

    #[test]
    fn incomplete_or_unknown_claims_are_refused() {
        assert!(matches!(
            check_claim(&claim("GitHub"), &github_cert()),
            Err(ClaimError::Incomplete(_))
        ));
        assert!(matches!(
            check_claim(&claim("ActiveState"), &github_cert()),
            Err(ClaimError::Mismatch(_))
        ));
    }
}
