//! Publisher policy: does the verified certificate agree with the publisher PyPI claims,
//! and which publisher does a certificate establish when nobody claims one?
//!
//! Mirrors pypi-attestations' `_as_policy()` per kind (GitHub, GitLab, Google; CircleCI as
//! in 0.0.30), field for field: the same extensions, the same comparisons. The environment
//! is never checked: certificates do not carry it. Without a claim (a bare attestation),
//! the identity is derived from exactly the fields those policies read, then checked with
//! them; a certificate they cannot turn into one publisher is refused.

use super::identity::{
    CertificateIdentity, IdentityError, San, CIRCLECI_ISSUER, GITHUB_ISSUER, GITLAB_ISSUER,
    GOOGLE_ISSUER,
};
use super::{ClaimedPublisher, PublisherKind, VerifiedPublisher};

/// Why the claim and the certificate disagree (or the claim cannot be checked).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimError {
    /// The claim lacks a field its kind requires: the provenance is malformed.
    Incomplete(String),
    /// The certificate does not satisfy the claim, or establishes no one publisher.
    Mismatch(String),
    /// A certificate field the policy reads does not decode as Fulcio specifies.
    Certificate(String),
}

impl From<IdentityError> for ClaimError {
    fn from(e: IdentityError) -> Self {
        ClaimError::Certificate(e.to_string())
    }
}

fn mismatch(message: impl Into<String>) -> ClaimError {
    ClaimError::Mismatch(message.into())
}

/// The publisher policy a claimed `kind` names, matched ASCII-case-insensitively.
fn policy_kind(claim: &ClaimedPublisher) -> Option<PublisherKind> {
    [
        PublisherKind::GitHub,
        PublisherKind::GitLab,
        PublisherKind::Google,
        PublisherKind::CircleCI,
    ]
    .into_iter()
    .find(|k| claim.kind.eq_ignore_ascii_case(k.as_str()))
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
        Some(a) => Err(mismatch(format!(
            "the certificate's {what} is `{a}`, the claim needs `{expected}`"
        ))),
        None => Err(mismatch(format!(
            "the certificate has no {what}, the claim needs `{expected}`"
        ))),
    }
}

/// Checks the certificate against the claim, exactly as pypi-attestations does.
pub(crate) fn check_claim(
    claim: &ClaimedPublisher,
    cert: &CertificateIdentity,
) -> Result<(), ClaimError> {
    match policy_kind(claim) {
        Some(PublisherKind::GitHub) => {
            let repository = required(claim, &claim.repository, "repository")?;
            let workflow = required(claim, &claim.workflow, "workflow")?;
            must_equal(
                "issuer (OID .8)",
                cert.issuer_v2()?.as_deref(),
                GITHUB_ISSUER,
            )?;
            must_equal(
                "source repository (OID .12)",
                cert.source_repository_uri()?.as_deref(),
                &format!("https://github.com/{repository}"),
            )?;
            let prefix = format!("https://github.com/{repository}/.github/workflows/{workflow}@");
            check_build_config(cert, &prefix, false)
        }
        Some(PublisherKind::GitLab) => {
            let repository = required(claim, &claim.repository, "repository")?;
            let path = required(claim, &claim.workflow_filepath, "workflow_filepath")?;
            must_equal(
                "issuer (OID .8)",
                cert.issuer_v2()?.as_deref(),
                GITLAB_ISSUER,
            )?;
            must_equal(
                "source repository (OID .12)",
                cert.source_repository_uri()?.as_deref(),
                &format!("https://gitlab.com/{repository}"),
            )?;
            let prefix = format!("https://gitlab.com/{repository}//{path}@");
            check_build_config(cert, &prefix, true)
        }
        Some(PublisherKind::Google) => {
            let email = required(claim, &claim.email, "email")?;
            // sigstore-python's `policy.Identity`: the v1 issuer (OID .1) and an email or
            // URI SAN equal to the email. (It compares a username SAN's DER encoding, tag
            // and length included, so a username never equals an email.)
            must_equal(
                "issuer (OID .1)",
                cert.issuer_v1()?.as_deref(),
                GOOGLE_ISSUER,
            )?;
            let matches = cert.sans.iter().any(|san| match san {
                San::Email(v) | San::Uri(v) => v == email,
                San::Username(_) | San::Unsupported(_) => false,
            });
            if matches {
                Ok(())
            } else {
                Err(mismatch(format!(
                    "the certificate's identity is `{}`, the claim needs `{email}`",
                    cert.san().unwrap_or("none")
                )))
            }
        }
        Some(PublisherKind::CircleCI) => {
            let project = required(claim, &claim.project_id, "project_id")?;
            let pipeline = required(
                claim,
                &claim.pipeline_definition_id,
                "pipeline_definition_id",
            )?;
            must_equal(
                "issuer (OID .8)",
                cert.issuer_v2()?.as_deref(),
                CIRCLECI_ISSUER,
            )?;
            if let Some(origin) = claim.vcs_origin.as_deref().filter(|v| !v.is_empty()) {
                must_equal(
                    "source repository (OID .12)",
                    cert.source_repository_uri()?.as_deref(),
                    origin,
                )?;
            }
            if let Some(vcs_ref) = claim.vcs_ref.as_deref().filter(|v| !v.is_empty()) {
                must_equal(
                    "source ref (OID .14)",
                    cert.source_repository_ref()?.as_deref(),
                    vcs_ref,
                )?;
            }
            must_equal(
                "build signer (OID .9)",
                cert.build_signer_uri()?.as_deref(),
                &format!(
                    "https://circleci.com/api/v2/projects/{project}/pipeline-definitions/{pipeline}"
                ),
            )
        }
        Some(PublisherKind::Other) | None => Err(mismatch(format!(
            "PyPI claims a `{}` publisher, which cannot be checked against a certificate",
            claim.kind
        ))),
    }
}

/// The source digest (.13) and ref (.14) a Build Config URI may end in, in the
/// reference's order. GitHub needs one of the two, GitLab both.
fn build_config_suffixes(
    cert: &CertificateIdentity,
    need_both: bool,
) -> Result<Vec<String>, ClaimError> {
    let digest = cert.source_repository_digest()?;
    let git_ref = cert.source_repository_ref()?;
    if need_both && (digest.is_none() || git_ref.is_none()) {
        return Err(mismatch(
            "the certificate lacks the source digest (OID .13) or ref (OID .14), both needed \
             to check a GitLab CI file",
        ));
    }
    let suffixes: Vec<String> = [digest, git_ref].into_iter().flatten().collect();
    if suffixes.is_empty() {
        return Err(mismatch(
            "the certificate has neither a source digest (OID .13) nor a source ref (OID .14) \
             to check the workflow against",
        ));
    }
    Ok(suffixes)
}

/// The Build Config URI (OID .18) must be `prefix` followed by the certificate's own
/// source digest (.13) or ref (.14).
fn check_build_config(
    cert: &CertificateIdentity,
    prefix: &str,
    need_both: bool,
) -> Result<(), ClaimError> {
    let suffixes = build_config_suffixes(cert, need_both)?;
    let Some(build_config) = cert.build_config_uri()? else {
        return Err(mismatch(
            "the certificate has no build config URI (OID .18)",
        ));
    };
    if suffixes
        .iter()
        .any(|suffix| build_config == format!("{prefix}{suffix}"))
    {
        return Ok(());
    }
    Err(mismatch(format!(
        "the certificate's build config is `{build_config}`, the claim needs `{prefix}…`"
    )))
}

/// The publisher a certificate establishes with no claim to check (a bare attestation):
/// the claim PyPI would have to make for the kind's policy to accept this certificate,
/// read from exactly the fields that policy reads. `None` when the issuer (OID .8) is not
/// a Trusted Publisher's (a person's identity). The caller still runs [`check_claim`] on
/// the result. Legacy fields never stand in for current ones: no `.1` issuer without `.8`,
/// no `.5` repository without `.12`, no guess at a Build Config URI's ref.
pub(crate) fn derive_claim(
    cert: &CertificateIdentity,
) -> Result<Option<ClaimedPublisher>, ClaimError> {
    let Some(issuer) = cert.issuer_v2()? else {
        return Err(mismatch(
            "the certificate has no OIDC issuer (OID .8), so it names no publisher (the \
             legacy issuer, OID .1, is not read in its place)",
        ));
    };
    let empty = ClaimedPublisher {
        kind: String::new(),
        repository: None,
        workflow: None,
        workflow_filepath: None,
        email: None,
        environment: None,
        project_id: None,
        pipeline_definition_id: None,
        vcs_origin: None,
        vcs_ref: None,
    };
    Ok(Some(match issuer.as_str() {
        GITHUB_ISSUER => {
            let (repository, workflow) = derive_forge(
                cert,
                "GitHub",
                "https://github.com/",
                "/.github/workflows/",
                false,
            )?;
            ClaimedPublisher {
                kind: "GitHub".into(),
                repository: Some(repository),
                workflow: Some(workflow),
                ..empty
            }
        }
        GITLAB_ISSUER => {
            let (repository, path) =
                derive_forge(cert, "GitLab", "https://gitlab.com/", "//", true)?;
            ClaimedPublisher {
                kind: "GitLab".into(),
                repository: Some(repository),
                workflow_filepath: Some(path),
                ..empty
            }
        }
        GOOGLE_ISSUER => {
            let Some(email) = cert.san_email() else {
                return Err(mismatch(format!(
                    "a Google publisher is the certificate's email SAN, and its SAN `{}` is \
                     not an email",
                    cert.san().unwrap_or("none")
                )));
            };
            ClaimedPublisher {
                kind: "Google".into(),
                email: Some(email.to_string()),
                ..empty
            }
        }
        CIRCLECI_ISSUER => {
            let signer = cert.build_signer_uri()?.ok_or_else(|| {
                mismatch("the CircleCI certificate has no build signer URI (OID .9)")
            })?;
            let (project, pipeline) = signer
                .strip_prefix("https://circleci.com/api/v2/projects/")
                .and_then(|rest| rest.split_once("/pipeline-definitions/"))
                .filter(|(p, d)| {
                    !p.is_empty() && !d.is_empty() && !p.contains('/') && !d.contains('/')
                })
                .ok_or_else(|| {
                    mismatch(format!(
                        "the CircleCI build signer URI (OID .9) `{signer}` does not name one \
                         project and pipeline definition"
                    ))
                })?;
            ClaimedPublisher {
                kind: "CircleCI".into(),
                project_id: Some(project.to_string()),
                pipeline_definition_id: Some(pipeline.to_string()),
                vcs_origin: cert.source_repository_uri()?,
                vcs_ref: cert.source_repository_ref()?,
                ..empty
            }
        }
        _ => return Ok(None),
    }))
}

/// (repository, workflow path) such that `.12` = `{host}{repository}` and `.18` =
/// `{host}{repository}{separator}{workflow}@X`, X the certificate's `.13` or `.14`.
/// Refused when no such pair exists or when two do (a ref containing `@` and the digest).
fn derive_forge(
    cert: &CertificateIdentity,
    forge: &str,
    host: &str,
    separator: &str,
    need_both: bool,
) -> Result<(String, String), ClaimError> {
    let uri = cert.source_repository_uri()?.ok_or_else(|| {
        mismatch(format!(
            "the {forge} certificate has no source repository URI (OID .12) (the legacy \
             repository, OID .5, is not read in its place)"
        ))
    })?;
    let repository = uri
        .strip_prefix(host)
        .filter(|r| !r.is_empty())
        .ok_or_else(|| {
            mismatch(format!(
                "the source repository URI (OID .12) `{uri}` is not a {forge} repository"
            ))
        })?;
    let build_config = cert.build_config_uri()?.ok_or_else(|| {
        mismatch(format!(
            "the {forge} certificate has no build config URI (OID .18)"
        ))
    })?;
    let prefix = format!("{host}{repository}{separator}");
    let Some(rest) = build_config.strip_prefix(&prefix) else {
        return Err(mismatch(format!(
            "the build config URI (OID .18) `{build_config}` is not in the source repository \
             `{uri}`"
        )));
    };
    let suffixes = build_config_suffixes(cert, need_both)?;
    let mut paths: Vec<&str> = suffixes
        .iter()
        .filter_map(|s| rest.strip_suffix(s.as_str())?.strip_suffix('@'))
        .filter(|p| !p.is_empty())
        .collect();
    paths.dedup();
    match paths.as_slice() {
        [path] => Ok((repository.to_string(), path.to_string())),
        [] => Err(mismatch(format!(
            "the build config URI (OID .18) `{build_config}` ends in neither the source digest \
             (OID .13) nor the source ref (OID .14)"
        ))),
        _ => Err(mismatch(format!(
            "the build config URI (OID .18) `{build_config}` names two workflows, one before \
             the source digest (OID .13) and one before the source ref (OID .14)"
        ))),
    }
}

/// The identity to report: for a Trusted Publisher, the claim that [`check_claim`]
/// accepted, with the certificate's ref, commit, issuer and SAN; for a person's identity
/// (`claim` `None`), the certificate's issuer (OID .8) and SAN. `environment` is PyPI's
/// claim (never in a certificate).
pub(crate) fn reported_publisher(
    claim: Option<&ClaimedPublisher>,
    cert: &CertificateIdentity,
    environment: Option<String>,
) -> Result<VerifiedPublisher, ClaimError> {
    let kind = claim.and_then(policy_kind).unwrap_or(PublisherKind::Other);
    let field = |f: fn(&ClaimedPublisher) -> &Option<String>| claim.and_then(|c| f(c).clone());
    let mut p = VerifiedPublisher {
        kind,
        repository: None,
        workflow: None,
        workflow_filepath: None,
        email: None,
        git_ref: None,
        commit: None,
        issuer: None,
        san: cert.san().map(str::to_string),
        project_id: None,
        pipeline_definition_id: None,
        environment,
    };
    match kind {
        PublisherKind::GitHub | PublisherKind::GitLab | PublisherKind::CircleCI => {
            p.issuer = cert.issuer_v2()?;
            p.git_ref = cert.source_repository_ref()?;
            p.commit = cert.source_repository_digest()?;
            if kind == PublisherKind::CircleCI {
                p.repository = cert.source_repository_uri()?;
                p.project_id = field(|c| &c.project_id);
                p.pipeline_definition_id = field(|c| &c.pipeline_definition_id);
            } else {
                p.repository = field(|c| &c.repository);
                p.workflow = field(|c| &c.workflow).filter(|_| kind == PublisherKind::GitHub);
                p.workflow_filepath =
                    field(|c| &c.workflow_filepath).filter(|_| kind == PublisherKind::GitLab);
            }
        }
        PublisherKind::Google => {
            p.issuer = cert.issuer_v1()?;
            p.email = field(|c| &c.email);
        }
        PublisherKind::Other => {
            p.issuer = cert.issuer_v2()?;
            p.email = cert.san_email().map(str::to_string);
        }
    }
    Ok(p)
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

    #[test]
    fn real_certificates_derive_the_publisher_their_claim_names() {
        let derived = derive_claim(&github_cert()).unwrap().unwrap();
        assert_eq!(derived.kind, "GitHub");
        assert_eq!(derived.repository.as_deref(), Some("SWIFTSIM/swiftgalaxy"));
        assert_eq!(derived.workflow.as_deref(), Some("python-publish.yml"));
        assert_eq!(check_claim(&derived, &github_cert()), Ok(()));
        let reported = reported_publisher(Some(&derived), &github_cert(), None).unwrap();
        assert_eq!(reported.kind, PublisherKind::GitHub);
        // No .14 and no .6 in this certificate: no ref; the commit is .13.
        assert_eq!(reported.git_ref, None);
        assert_eq!(
            reported.commit.as_deref(),
            Some("a26eb006d04dd0c41a6e38dc15ddaf7b46143505")
        );

        let derived = derive_claim(&google_cert()).unwrap().unwrap();
        assert_eq!(derived.kind, "Google");
        assert_eq!(
            derived.email.as_deref(),
            Some("919436158236-compute@developer.gserviceaccount.com")
        );
        let reported = reported_publisher(Some(&derived), &google_cert(), None).unwrap();
        assert_eq!(reported.issuer.as_deref(), Some(GOOGLE_ISSUER));
        assert_eq!(reported.email, derived.email);
    }
}
