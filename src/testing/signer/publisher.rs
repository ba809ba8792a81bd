//! Trusted Publisher identities: what Fulcio puts in the certificate and what PyPI claims.

use std::fmt;
use std::str::FromStr;

use sha2::{Digest, Sha256};

/// GitHub Actions' OIDC issuer.
pub const GITHUB_ISSUER: &str = "https://token.actions.githubusercontent.com";
/// GitLab's OIDC issuer.
pub const GITLAB_ISSUER: &str = "https://gitlab.com";
/// Google's OIDC issuer.
pub const GOOGLE_ISSUER: &str = "https://accounts.google.com";
/// CircleCI's OIDC issuer.
pub const CIRCLECI_ISSUER: &str = "https://oidc.circleci.com";
/// GitHub's OAuth issuer, which signs for people (an email identity), not workflows.
pub const GITHUB_OAUTH_ISSUER: &str = "https://github.com/login/oauth";

/// The publisher a minted attestation is signed for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum TestPublisher {
    GitHub {
        /// `owner/repo`.
        repository: String,
        /// Workflow file name, e.g. `release.yml`.
        workflow: String,
        /// PyPI's claimed environment (never in the certificate).
        environment: Option<String>,
        /// Source ref, e.g. `refs/tags/v1.0.0` (OIDs .14 and .6, and the URIs' `@` suffix).
        git_ref: String,
    },
    GitLab {
        /// `namespace/…/project`.
        repository: String,
        /// CI file path, e.g. `.gitlab-ci.yml`.
        workflow_filepath: String,
        environment: Option<String>,
        git_ref: String,
    },
    Google {
        /// Service account email (the certificate's SAN).
        email: String,
    },
    CircleCI {
        project_id: String,
        pipeline_definition_id: String,
        /// `github.com/org/repo` (OID .12), absent for pipelines without a VCS.
        vcs_origin: Option<String>,
        /// `refs/heads/main` (OID .14), likewise.
        vcs_ref: Option<String>,
    },
    /// A person signing with their own account (an email SAN under `issuer`): not a
    /// Trusted Publisher, so PyPI never claims one; its claim is `kind = "Email"`.
    Email { issuer: String, email: String },
}

/// One Fulcio extension value: legacy raw bytes or a DER UTF8String.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ClaimValue {
    /// OIDs `.1`–`.6`: the string's bytes, unwrapped.
    Raw(String),
    /// OIDs `.8` onwards: a DER UTF8String.
    Utf8(String),
}

/// The subject alternative name of a leaf certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum San {
    Uri(String),
    Email(String),
}

impl TestPublisher {
    /// A GitHub publisher on `refs/tags/v1.0.0` with no environment.
    pub fn github(repository: &str, workflow: &str) -> Self {
        TestPublisher::GitHub {
            repository: repository.to_string(),
            workflow: workflow.to_string(),
            environment: None,
            git_ref: "refs/tags/v1.0.0".to_string(),
        }
    }

    /// A GitLab publisher on `refs/heads/main` with no environment.
    pub fn gitlab(repository: &str, workflow_filepath: &str) -> Self {
        TestPublisher::GitLab {
            repository: repository.to_string(),
            workflow_filepath: workflow_filepath.to_string(),
            environment: None,
            git_ref: "refs/heads/main".to_string(),
        }
    }

    /// A Google service-account publisher.
    pub fn google(email: &str) -> Self {
        TestPublisher::Google {
            email: email.to_string(),
        }
    }

    /// A CircleCI publisher for a GitHub repository on `refs/heads/main`.
    pub fn circleci(project_id: &str, pipeline_definition_id: &str) -> Self {
        TestPublisher::CircleCI {
            project_id: project_id.to_string(),
            pipeline_definition_id: pipeline_definition_id.to_string(),
            vcs_origin: Some("github.com/octo-org/demo".to_string()),
            vcs_ref: Some("refs/heads/main".to_string()),
        }
    }

    /// A person's email identity under GitHub's OAuth issuer (not a Trusted Publisher).
    pub fn email(email: &str) -> Self {
        TestPublisher::Email {
            issuer: GITHUB_OAUTH_ISSUER.to_string(),
            email: email.to_string(),
        }
    }

    /// The same publisher with PyPI's claimed environment set (GitHub and GitLab only).
    pub fn with_environment(mut self, env: Option<&str>) -> Self {
        match &mut self {
            TestPublisher::GitHub { environment, .. }
            | TestPublisher::GitLab { environment, .. } => {
                *environment = env.map(str::to_string);
            }
            _ => {}
        }
        self
    }

    /// The same publisher on another source ref (GitHub, GitLab and CircleCI).
    pub fn with_ref(mut self, reference: &str) -> Self {
        match &mut self {
            TestPublisher::GitHub { git_ref, .. } | TestPublisher::GitLab { git_ref, .. } => {
                *git_ref = reference.to_string();
            }
            TestPublisher::CircleCI { vcs_ref, .. } => *vcs_ref = Some(reference.to_string()),
            _ => {}
        }
        self
    }

    /// PyPI's `kind` string.
    pub fn kind(&self) -> &'static str {
        match self {
            TestPublisher::GitHub { .. } => "GitHub",
            TestPublisher::GitLab { .. } => "GitLab",
            TestPublisher::Google { .. } => "Google",
            TestPublisher::CircleCI { .. } => "CircleCI",
            TestPublisher::Email { .. } => "Email",
        }
    }

    /// The OIDC issuer Fulcio records (OIDs .1 and .8).
    pub fn issuer(&self) -> &str {
        match self {
            TestPublisher::GitHub { .. } => GITHUB_ISSUER,
            TestPublisher::GitLab { .. } => GITLAB_ISSUER,
            TestPublisher::Google { .. } => GOOGLE_ISSUER,
            TestPublisher::CircleCI { .. } => CIRCLECI_ISSUER,
            TestPublisher::Email { issuer, .. } => issuer,
        }
    }

    /// CircleCI's Build Signer URI (OID .9 and the SAN), if the kind is CircleCI.
    pub fn build_signer_uri(&self) -> Option<String> {
        match self {
            TestPublisher::CircleCI {
                project_id,
                pipeline_definition_id,
                ..
            } => Some(format!(
                "https://circleci.com/api/v2/projects/{project_id}/pipeline-definitions/{pipeline_definition_id}"
            )),
            _ => None,
        }
    }

    /// The certificate's SAN as a string: the build config URI, or the email.
    pub fn identity(&self) -> String {
        match self.san() {
            San::Uri(s) | San::Email(s) => s,
        }
    }

    /// The Build Config URI (OID .18) PyPI's policy compares, if the kind has one.
    pub fn build_config_uri(&self) -> Option<String> {
        match self {
            TestPublisher::GitHub {
                repository,
                workflow,
                git_ref,
                ..
            } => Some(format!(
                "https://github.com/{repository}/.github/workflows/{workflow}@{git_ref}"
            )),
            TestPublisher::GitLab {
                repository,
                workflow_filepath,
                git_ref,
                ..
            } => Some(format!(
                "https://gitlab.com/{repository}//{workflow_filepath}@{git_ref}"
            )),
            TestPublisher::CircleCI {
                project_id,
                pipeline_definition_id,
                ..
            } => Some(format!(
                "https://circleci.com/api/v2/pipeline/{}/config",
                numeric_id(&format!("{project_id}/{pipeline_definition_id}"))
            )),
            _ => None,
        }
    }

    /// The Source Repository URI (OID .12), if the kind has one.
    pub fn source_repository_uri(&self) -> Option<String> {
        match self {
            TestPublisher::GitHub { repository, .. } => {
                Some(format!("https://github.com/{repository}"))
            }
            TestPublisher::GitLab { repository, .. } => {
                Some(format!("https://gitlab.com/{repository}"))
            }
            TestPublisher::CircleCI { vcs_origin, .. } => vcs_origin.clone(),
            _ => None,
        }
    }

    /// The commit the certificate names (OIDs .13/.10/.19 and legacy .3): derived from the
    /// repository and ref so it is stable.
    pub fn commit(&self) -> Option<String> {
        match self {
            TestPublisher::GitHub {
                repository,
                git_ref,
                ..
            }
            | TestPublisher::GitLab {
                repository,
                git_ref,
                ..
            } => {
                let digest = Sha256::digest(format!("{repository}@{git_ref}").as_bytes());
                Some(hex::encode(&digest[..20]))
            }
            _ => None,
        }
    }

    pub(crate) fn san(&self) -> San {
        match self {
            TestPublisher::Google { email } | TestPublisher::Email { email, .. } => {
                San::Email(email.clone())
            }
            TestPublisher::CircleCI { .. } => San::Uri(self.build_signer_uri().unwrap_or_default()),
            _ => San::Uri(self.build_config_uri().unwrap_or_default()),
        }
    }

    /// The Fulcio extensions, by the last arc under `1.3.6.1.4.1.57264.1`, in OID order,
    /// shaped like production certificates of each kind.
    pub(crate) fn claims(&self) -> Vec<(u32, ClaimValue)> {
        use ClaimValue::{Raw, Utf8};
        let issuer = self.issuer().to_string();
        match self {
            TestPublisher::GitHub {
                repository,
                git_ref,
                ..
            } => {
                let uri = self.build_config_uri().unwrap_or_default();
                let commit = self.commit().unwrap_or_default();
                let owner = repository.split('/').next().unwrap_or_default();
                vec![
                    (1, Raw(issuer.clone())),
                    (2, Raw("push".into())),
                    (3, Raw(commit.clone())),
                    (4, Raw("Release".into())),
                    (5, Raw(repository.clone())),
                    (6, Raw(git_ref.clone())),
                    (8, Utf8(issuer)),
                    (9, Utf8(uri.clone())),
                    (10, Utf8(commit.clone())),
                    (11, Utf8("github-hosted".into())),
                    (12, Utf8(format!("https://github.com/{repository}"))),
                    (13, Utf8(commit.clone())),
                    (14, Utf8(git_ref.clone())),
                    (15, Utf8(numeric_id(repository))),
                    (16, Utf8(format!("https://github.com/{owner}"))),
                    (17, Utf8(numeric_id(owner))),
                    (18, Utf8(uri)),
                    (19, Utf8(commit)),
                    (20, Utf8("push".into())),
                    (
                        21,
                        Utf8(format!(
                            "https://github.com/{repository}/actions/runs/{}/attempts/1",
                            numeric_id(&format!("{repository}@{git_ref}"))
                        )),
                    ),
                    (22, Utf8("public".into())),
                ]
            }
            TestPublisher::GitLab {
                repository,
                git_ref,
                ..
            } => {
                let uri = self.build_config_uri().unwrap_or_default();
                let commit = self.commit().unwrap_or_default();
                let namespace = repository
                    .rsplit_once('/')
                    .map_or(repository.as_str(), |(ns, _)| ns);
                vec![
                    (1, Raw(issuer.clone())),
                    (8, Utf8(issuer)),
                    (9, Utf8(uri.clone())),
                    (10, Utf8(commit.clone())),
                    (11, Utf8("gitlab-hosted".into())),
                    (12, Utf8(format!("https://gitlab.com/{repository}"))),
                    (13, Utf8(commit.clone())),
                    (14, Utf8(git_ref.clone())),
                    (15, Utf8(numeric_id(repository))),
                    (16, Utf8(format!("https://gitlab.com/{namespace}"))),
                    (17, Utf8(numeric_id(namespace))),
                    (18, Utf8(uri)),
                    (19, Utf8(commit)),
                    (20, Utf8("push".into())),
                    (
                        21,
                        Utf8(format!(
                            "https://gitlab.com/{repository}/-/jobs/{}",
                            numeric_id(&format!("{repository}@{git_ref}"))
                        )),
                    ),
                    (22, Utf8("public".into())),
                ]
            }
            TestPublisher::CircleCI {
                vcs_origin,
                vcs_ref,
                ..
            } => {
                let mut claims = vec![
                    (1, Raw(issuer.clone())),
                    (8, Utf8(issuer)),
                    (9, Utf8(self.build_signer_uri().unwrap_or_default())),
                    (11, Utf8("circleci-hosted".into())),
                ];
                if let Some(origin) = vcs_origin {
                    claims.push((12, Utf8(origin.clone())));
                }
                if let Some(vcs_ref) = vcs_ref {
                    claims.push((14, Utf8(vcs_ref.clone())));
                }
                claims.push((18, Utf8(self.build_config_uri().unwrap_or_default())));
                claims
            }
            TestPublisher::Google { .. } | TestPublisher::Email { .. } => {
                vec![(1, Raw(issuer.clone())), (8, Utf8(issuer))]
            }
        }
    }

    /// The publisher object PyPI serves in a provenance bundle (pydantic `model_dump`,
    /// snake_case keys in field order; `environment` is `null` or a string).
    pub fn claimed_json(&self) -> serde_json::Value {
        serde_json::to_value(self.claimed()).unwrap_or_default()
    }

    pub(crate) fn claimed(&self) -> ClaimedPublisherJson<'_> {
        match self {
            TestPublisher::GitHub {
                repository,
                workflow,
                environment,
                ..
            } => ClaimedPublisherJson::GitHub {
                kind: "GitHub",
                repository,
                workflow,
                environment: environment.as_deref(),
            },
            TestPublisher::GitLab {
                repository,
                workflow_filepath,
                environment,
                ..
            } => ClaimedPublisherJson::GitLab {
                kind: "GitLab",
                repository,
                workflow_filepath,
                environment: environment.as_deref(),
            },
            TestPublisher::Google { email } => ClaimedPublisherJson::Google {
                kind: "Google",
                email,
            },
            TestPublisher::CircleCI {
                project_id,
                pipeline_definition_id,
                vcs_origin,
                vcs_ref,
            } => ClaimedPublisherJson::CircleCI {
                kind: "CircleCI",
                project_id,
                pipeline_definition_id,
                vcs_origin: vcs_origin.as_deref(),
                vcs_ref: vcs_ref.as_deref(),
            },
            TestPublisher::Email { email, .. } => ClaimedPublisherJson::Google {
                kind: "Email",
                email,
            },
        }
    }

    /// A publisher of the same kind and repository that the certificate does not match:
    /// another workflow (GitHub, GitLab) or another email (Google).
    pub fn impostor(&self) -> TestPublisher {
        let mut other = self.clone();
        match &mut other {
            TestPublisher::GitHub { workflow, .. } => *workflow = format!("impostor-{workflow}"),
            TestPublisher::GitLab {
                workflow_filepath, ..
            } => *workflow_filepath = format!("impostor-{workflow_filepath}"),
            TestPublisher::Google { email } | TestPublisher::Email { email, .. } => {
                *email = format!("impostor-{email}")
            }
            TestPublisher::CircleCI {
                pipeline_definition_id,
                ..
            } => *pipeline_definition_id = format!("impostor-{pipeline_definition_id}"),
        }
        other
    }
}

/// PyPI's serialization of a publisher, fields in pydantic order.
#[derive(serde::Serialize)]
#[serde(untagged)]
pub(crate) enum ClaimedPublisherJson<'a> {
    GitHub {
        kind: &'static str,
        repository: &'a str,
        workflow: &'a str,
        environment: Option<&'a str>,
    },
    GitLab {
        kind: &'static str,
        repository: &'a str,
        workflow_filepath: &'a str,
        environment: Option<&'a str>,
    },
    Google {
        kind: &'static str,
        email: &'a str,
    },
    CircleCI {
        kind: &'static str,
        project_id: &'a str,
        pipeline_definition_id: &'a str,
        vcs_origin: Option<&'a str>,
        vcs_ref: Option<&'a str>,
    },
}

/// A stable decimal id (like GitHub's repository and owner ids) derived from a name.
fn numeric_id(name: &str) -> String {
    let digest = Sha256::digest(name.as_bytes());
    let mut bytes = [0u8; 4];
    bytes.copy_from_slice(&digest[..4]);
    (u32::from_be_bytes(bytes) % 900_000_000 + 100_000_000).to_string()
}

impl fmt::Display for TestPublisher {
    /// The compact form [`FromStr`] reads.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TestPublisher::GitHub {
                repository,
                workflow,
                ..
            } => write!(f, "github:{repository}/{workflow}"),
            TestPublisher::GitLab {
                repository,
                workflow_filepath,
                ..
            } => write!(f, "gitlab:{repository}//{workflow_filepath}"),
            TestPublisher::Google { email } => write!(f, "google:{email}"),
            TestPublisher::CircleCI {
                project_id,
                pipeline_definition_id,
                ..
            } => write!(f, "circleci:{project_id}/{pipeline_definition_id}"),
            TestPublisher::Email { email, .. } => write!(f, "email:{email}"),
        }
    }
}

/// A publisher spec that [`TestPublisher::from_str`] cannot read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid publisher `{spec}`: {why}; expected `github:OWNER/REPO/WORKFLOW.yml`, `gitlab:GROUP/PROJECT/.gitlab-ci.yml` (or `gitlab:GROUP/PROJECT//PATH/TO/FILE.yml`), `google:EMAIL`, `circleci:PROJECT_ID/PIPELINE_DEFINITION_ID` or `email:EMAIL`")]
pub struct InvalidPublisher {
    pub spec: String,
    pub why: &'static str,
}

impl FromStr for TestPublisher {
    type Err = InvalidPublisher;

    /// Reads `github:owner/repo/release.yml`, `gitlab:group/project/.gitlab-ci.yml`,
    /// `gitlab:group/project//ci/release.yml` (a nested CI path after `//`),
    /// `google:name@example.com`, `circleci:PROJECT_ID/PIPELINE_DEFINITION_ID` or
    /// `email:name@example.com` (a person under GitHub's OAuth issuer), with default refs
    /// and no environment.
    fn from_str(spec: &str) -> Result<Self, Self::Err> {
        let err = |why| InvalidPublisher {
            spec: spec.to_string(),
            why,
        };
        let (kind, rest) = spec.split_once(':').ok_or_else(|| err("missing `kind:`"))?;
        match kind.to_ascii_lowercase().as_str() {
            "github" => {
                let (repo, workflow) = rest
                    .rsplit_once('/')
                    .ok_or_else(|| err("missing workflow file"))?;
                if !repo.contains('/') || workflow.is_empty() {
                    return Err(err("GitHub needs `owner/repo/workflow`"));
                }
                Ok(TestPublisher::github(repo, workflow))
            }
            "gitlab" => {
                let (repo, path) = match rest.split_once("//") {
                    Some(split) => split,
                    None => rest
                        .rsplit_once('/')
                        .ok_or_else(|| err("missing CI file path"))?,
                };
                if !repo.contains('/') || path.is_empty() {
                    return Err(err("GitLab needs `namespace/project/ci-file`"));
                }
                Ok(TestPublisher::gitlab(repo, path))
            }
            "google" => {
                if !rest.contains('@') {
                    return Err(err("Google needs an email"));
                }
                Ok(TestPublisher::google(rest))
            }
            "circleci" => match rest.split_once('/') {
                Some((project, pipeline))
                    if !project.is_empty() && !pipeline.is_empty() && !pipeline.contains('/') =>
                {
                    Ok(TestPublisher::circleci(project, pipeline))
                }
                _ => Err(err("CircleCI needs `PROJECT_ID/PIPELINE_DEFINITION_ID`")),
            },
            "email" => {
                if !rest.contains('@') {
                    return Err(err("an email identity needs an email"));
                }
                Ok(TestPublisher::email(rest))
            }
            _ => Err(err("unknown kind")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_compact_specs() {
        assert_eq!(
            "github:pypa/sampleproject/release.yml".parse(),
            Ok(TestPublisher::github("pypa/sampleproject", "release.yml"))
        );
        assert_eq!(
            "gitlab:group/sub/project/.gitlab-ci.yml".parse(),
            Ok(TestPublisher::gitlab("group/sub/project", ".gitlab-ci.yml"))
        );
        assert_eq!(
            "gitlab:group/project//ci/release.yml".parse(),
            Ok(TestPublisher::gitlab("group/project", "ci/release.yml"))
        );
        assert_eq!(
            "google:svc@example.iam.gserviceaccount.com".parse(),
            Ok(TestPublisher::google("svc@example.iam.gserviceaccount.com"))
        );
        assert!("github:norepo".parse::<TestPublisher>().is_err());
        assert_eq!(
            "circleci:p-1/d-2".parse(),
            Ok(TestPublisher::circleci("p-1", "d-2"))
        );
        assert!("circleci:p-1".parse::<TestPublisher>().is_err());
        assert!("circleci:p/d/x".parse::<TestPublisher>().is_err());
        assert_eq!(
            "email:me@example.com".parse(),
            Ok(TestPublisher::email("me@example.com"))
        );
        assert!("bitbucket:x/y".parse::<TestPublisher>().is_err());
        assert!("google:nobody".parse::<TestPublisher>().is_err());
    }

    #[test]
    fn uris_follow_pypi_policy_shapes() {
        let gh = TestPublisher::github("o/r", "release.yml");
        assert_eq!(
            gh.build_config_uri().as_deref(),
            Some("https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0")
        );
        let gl = TestPublisher::gitlab("g/p", ".gitlab-ci.yml");
        assert_eq!(
            gl.build_config_uri().as_deref(),
            Some("https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main")
        );
        assert_eq!(gl.identity(), gl.build_config_uri().unwrap());
    }

    #[test]
    fn claimed_json_matches_pypi_shape() {
        let gh = TestPublisher::github("o/r", "release.yml").with_environment(Some("pypi"));
        assert_eq!(
            serde_json::to_string(&gh.claimed()).unwrap(),
            r#"{"kind":"GitHub","repository":"o/r","workflow":"release.yml","environment":"pypi"}"#
        );
        let gl = TestPublisher::gitlab("g/p", ".gitlab-ci.yml");
        assert_eq!(
            serde_json::to_string(&gl.claimed()).unwrap(),
            r#"{"kind":"GitLab","repository":"g/p","workflow_filepath":".gitlab-ci.yml","environment":null}"#
        );
        assert_eq!(
            TestPublisher::google("a@b.c").claimed_json(),
            serde_json::json!({"kind": "Google", "email": "a@b.c"})
        );
    }
}
