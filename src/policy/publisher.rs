//! Publisher identities: what a policy requires of a verified publisher, and when two
//! verified publishers are "the same publisher".
//!
//! Case rules follow what PyPI (warehouse) and the forges treat as the same thing:
//! GitHub `owner/repo` and GitLab `namespace/project` are case-insensitive; workflow file
//! names (GitHub) and CI file paths (GitLab) are git paths and case-sensitive; a GitHub
//! environment is case-insensitive, a GitLab environment case-sensitive; email addresses
//! are compared case-insensitively; refs are case-sensitive.

use std::fmt;

use globset::{GlobBuilder, GlobMatcher};

use crate::verify::{PublisherKind, VerifiedPublisher};

use super::Position;

/// A `publisher = { … }` requirement from a `[[package]]` entry. Every field given must
/// match; fields not given are not checked.
#[derive(Debug, Clone)]
pub struct PublisherRequirement {
    pub kind: PublisherKind,
    pub repository: Option<String>,
    pub workflow: Option<String>,
    pub workflow_filepath: Option<String>,
    pub environment: Option<String>,
    pub email: Option<String>,
    pub project_id: Option<String>,
    pub pipeline_definition_id: Option<String>,
    /// A glob on the certificate's source ref, e.g. `refs/tags/v*` (`*` does not cross `/`).
    pub git_ref: Option<RefPattern>,
    pub position: Position,
}

/// A glob over git refs.
#[derive(Debug, Clone)]
pub struct RefPattern {
    pub text: String,
    matcher: GlobMatcher,
}

impl RefPattern {
    /// Compiles a ref glob: `*` and `?` stay within one `/`-separated component, `**`
    /// crosses components, matching is case-sensitive.
    pub fn parse(text: &str) -> Result<RefPattern, String> {
        let glob = GlobBuilder::new(text)
            .literal_separator(true)
            .backslash_escape(true)
            .build()
            .map_err(|e| format!("`{text}` is not a valid ref glob: {}", e.kind()))?;
        Ok(RefPattern {
            text: text.to_string(),
            matcher: glob.compile_matcher(),
        })
    }

    pub fn matches(&self, git_ref: &str) -> bool {
        self.matcher.is_match(git_ref)
    }
}

/// Parses a policy `kind` (any case) into a publisher kind.
pub fn parse_kind(kind: &str) -> Option<PublisherKind> {
    match kind.to_ascii_lowercase().as_str() {
        "github" => Some(PublisherKind::GitHub),
        "gitlab" => Some(PublisherKind::GitLab),
        "google" => Some(PublisherKind::Google),
        "circleci" => Some(PublisherKind::CircleCI),
        _ => None,
    }
}

fn eq_opt(required: &Option<String>, actual: &Option<String>, case_insensitive: bool) -> bool {
    match (required, actual) {
        (None, _) => true,
        (Some(_), None) => false,
        (Some(r), Some(a)) if case_insensitive => r.eq_ignore_ascii_case(a),
        (Some(r), Some(a)) => r == a,
    }
}

impl PublisherRequirement {
    /// Whether a verified publisher satisfies this requirement. `environment` is PyPI's
    /// claim (the certificate does not carry it), so matching it trusts PyPI.
    pub fn matches(&self, publisher: &VerifiedPublisher) -> bool {
        if self.kind != publisher.kind {
            return false;
        }
        let forge = matches!(self.kind, PublisherKind::GitHub | PublisherKind::GitLab);
        eq_opt(&self.repository, &publisher.repository, forge)
            && eq_opt(&self.workflow, &publisher.workflow, false)
            && eq_opt(&self.workflow_filepath, &publisher.workflow_filepath, false)
            && eq_opt(
                &self.environment,
                &publisher.environment,
                self.kind == PublisherKind::GitHub,
            )
            && eq_opt(&self.email, &publisher.email, true)
            && eq_opt(&self.project_id, &publisher.project_id, false)
            && eq_opt(
                &self.pipeline_definition_id,
                &publisher.pipeline_definition_id,
                false,
            )
            && match (&self.git_ref, &publisher.git_ref) {
                (None, _) => true,
                (Some(_), None) => false,
                (Some(pattern), Some(actual)) => pattern.matches(actual),
            }
    }
}

impl fmt::Display for PublisherRequirement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.kind)?;
        let fields = [
            ("", &self.repository),
            ("workflow", &self.workflow),
            ("CI file", &self.workflow_filepath),
            ("email", &self.email),
            ("environment", &self.environment),
            ("project_id", &self.project_id),
            ("pipeline_definition_id", &self.pipeline_definition_id),
        ];
        for (name, value) in fields {
            if let Some(value) = value {
                if name.is_empty() {
                    write!(f, " `{value}`")?;
                } else {
                    write!(f, " {name} `{value}`")?;
                }
            }
        }
        if let Some(pattern) = &self.git_ref {
            write!(f, " ref `{}`", pattern.text)?;
        }
        Ok(())
    }
}

/// The part of a verified publisher that says *who* published: kind plus repository and
/// workflow (GitHub), repository and CI file path (GitLab), email (Google), project and
/// pipeline definition (CircleCI), issuer and SAN (other). Ref, commit and environment
/// are not part of it: a release from a new tag or commit is the same publisher.
/// Case-insensitive fields are lowercased so equality is plain `==`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PublisherIdentity {
    pub kind: PublisherKind,
    fields: Vec<Option<String>>,
}

impl PublisherIdentity {
    pub fn of(publisher: &VerifiedPublisher) -> PublisherIdentity {
        let lower = |v: &Option<String>| v.as_ref().map(|s| s.to_ascii_lowercase());
        let fields = match publisher.kind {
            PublisherKind::GitHub => {
                vec![lower(&publisher.repository), publisher.workflow.clone()]
            }
            PublisherKind::GitLab => vec![
                lower(&publisher.repository),
                publisher.workflow_filepath.clone(),
            ],
            PublisherKind::Google => vec![lower(&publisher.email)],
            PublisherKind::CircleCI => vec![
                publisher.project_id.clone(),
                publisher.pipeline_definition_id.clone(),
            ],
            PublisherKind::Other => vec![publisher.issuer.clone(), publisher.san.clone()],
        };
        PublisherIdentity {
            kind: publisher.kind,
            fields,
        }
    }
}

/// A one-line description of a verified publisher: `GitHub `psf/requests` workflow
/// `release.yml``.
pub fn describe(publisher: &VerifiedPublisher) -> String {
    let mut out = publisher.kind.to_string();
    match publisher.kind {
        PublisherKind::GitHub | PublisherKind::GitLab => {
            if let Some(repo) = &publisher.repository {
                out.push_str(&format!(" `{repo}`"));
            }
            if let Some(w) = &publisher.workflow {
                out.push_str(&format!(" workflow `{w}`"));
            }
            if let Some(w) = &publisher.workflow_filepath {
                out.push_str(&format!(" CI file `{w}`"));
            }
        }
        PublisherKind::Google => {
            if let Some(email) = &publisher.email {
                out.push_str(&format!(" `{email}`"));
            }
        }
        PublisherKind::CircleCI => {
            if let Some(p) = &publisher.project_id {
                out.push_str(&format!(" project `{p}`"));
            }
            if let Some(p) = &publisher.pipeline_definition_id {
                out.push_str(&format!(" pipeline `{p}`"));
            }
        }
        PublisherKind::Other => {
            if let Some(san) = &publisher.san {
                out.push_str(&format!(" `{san}`"));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn github(repo: &str, workflow: &str) -> VerifiedPublisher {
        VerifiedPublisher {
            kind: PublisherKind::GitHub,
            repository: Some(repo.into()),
            workflow: Some(workflow.into()),
            workflow_filepath: None,
            email: None,
            git_ref: Some("refs/tags/v1.0.0".into()),
            commit: Some("abc".into()),
            issuer: Some("https://token.actions.githubusercontent.com".into()),
            san: None,
            project_id: None,
            pipeline_definition_id: None,
            environment: Some("PyPI".into()),
        }
    }

    fn requirement(kind: PublisherKind) -> PublisherRequirement {
        PublisherRequirement {
            kind,
            repository: None,
            workflow: None,
            workflow_filepath: None,
            environment: None,
            email: None,
            project_id: None,
            pipeline_definition_id: None,
            git_ref: None,
            position: Position { line: 1, column: 1 },
        }
    }

    #[test]
    fn github_repository_and_environment_are_case_insensitive_workflow_is_not() {
        let actual = github("PSF/Requests", "publish.yml");
        let mut req = requirement(PublisherKind::GitHub);
        req.repository = Some("psf/requests".into());
        req.environment = Some("pypi".into());
        assert!(req.matches(&actual));
        req.workflow = Some("Publish.yml".into());
        assert!(!req.matches(&actual));
        req.workflow = Some("publish.yml".into());
        assert!(req.matches(&actual));
    }

    #[test]
    fn gitlab_environment_is_case_sensitive() {
        let mut actual = github("group/project", "x");
        actual.kind = PublisherKind::GitLab;
        actual.workflow = None;
        actual.workflow_filepath = Some(".gitlab-ci.yml".into());
        let mut req = requirement(PublisherKind::GitLab);
        req.repository = Some("Group/Project".into());
        assert!(req.matches(&actual));
        req.environment = Some("pypi".into());
        assert!(!req.matches(&actual));
        req.environment = Some("PyPI".into());
        assert!(req.matches(&actual));
    }

    #[test]
    fn ref_globs_stay_within_a_component() {
        let pattern = RefPattern::parse("refs/tags/v*").unwrap();
        assert!(pattern.matches("refs/tags/v1.2.3"));
        assert!(!pattern.matches("refs/tags/v1/evil"));
        assert!(!pattern.matches("refs/heads/v1"));
        assert!(RefPattern::parse("refs/tags/**")
            .unwrap()
            .matches("refs/tags/a/b"));
    }

    #[test]
    fn same_publisher_ignores_ref_commit_environment_and_repository_case() {
        let a = github("psf/requests", "publish.yml");
        let mut b = github("PSF/requests", "publish.yml");
        b.git_ref = Some("refs/tags/v2".into());
        b.commit = Some("def".into());
        b.environment = None;
        assert_eq!(PublisherIdentity::of(&a), PublisherIdentity::of(&b));
        let c = github("psf/requests", "release.yml");
        assert_ne!(PublisherIdentity::of(&a), PublisherIdentity::of(&c));
    }

    #[test]
    fn kinds_parse_in_any_case() {
        assert_eq!(parse_kind("GitHub"), Some(PublisherKind::GitHub));
        assert_eq!(parse_kind("CIRCLECI"), Some(PublisherKind::CircleCI));
        assert_eq!(parse_kind("activestate"), None);
    }
}
