//! Wire types several machine outputs share (the `inspect` and `verify` JSON documents),
//! declared apart from the domain types so a change in the verifier's model never changes a
//! document silently.

use serde::Serialize;

use crate::verify::VerifiedPublisher;

/// A verified publisher: the identity read from the certificate (and PyPI's environment).
#[derive(Serialize)]
pub(super) struct Publisher<'a> {
    kind: &'static str,
    repository: Option<&'a str>,
    workflow: Option<&'a str>,
    workflow_filepath: Option<&'a str>,
    email: Option<&'a str>,
    #[serde(rename = "ref")]
    git_ref: Option<&'a str>,
    commit: Option<&'a str>,
    issuer: Option<&'a str>,
    san: Option<&'a str>,
    project_id: Option<&'a str>,
    pipeline_definition_id: Option<&'a str>,
    environment: Option<&'a str>,
}

impl<'a> From<&'a VerifiedPublisher> for Publisher<'a> {
    fn from(p: &'a VerifiedPublisher) -> Self {
        Publisher {
            kind: p.kind.as_str(),
            repository: p.repository.as_deref(),
            workflow: p.workflow.as_deref(),
            workflow_filepath: p.workflow_filepath.as_deref(),
            email: p.email.as_deref(),
            git_ref: p.git_ref.as_deref(),
            commit: p.commit.as_deref(),
            issuer: p.issuer.as_deref(),
            san: p.san.as_deref(),
            project_id: p.project_id.as_deref(),
            pipeline_definition_id: p.pipeline_definition_id.as_deref(),
            environment: p.environment.as_deref(),
        }
    }
}
