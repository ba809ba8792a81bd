//! Who published: PG201 publisher-mismatch (a required publisher, from the policy or from
//! the lockfile's own `attestation-identities`), PG202 publisher-change and PG203
//! provenance-regression (against the last attested earlier release), PG204
//! mixed-publishers.

use std::collections::BTreeMap;

use super::context::{
    capitalized, describe_source, file_name, files_phrase, is_absent, names, single, Candidate,
    PackageContext,
};
use super::RelatedRole;
use crate::evidence::{ArtifactEvidence, History, PreviousRelease, ProvenanceStatus};
use crate::lockfile::Location;
use crate::policy::{describe, PublisherIdentity, PublisherRequirement};
use crate::rules::Rule;
use crate::verify::VerifiedPublisher;

pub(super) const RULES: &[Rule] = &[
    Rule::PublisherMismatch,
    Rule::PublisherChange,
    Rule::ProvenanceRegression,
    Rule::MixedPublishers,
];

pub(super) fn check_package(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if !cx.required.is_empty() {
        let origin = Origin::Policy(Location {
            path: cx.policy.source.path(),
            line: cx.required.first().map_or(0, |r| r.position.line),
        });
        check_requirement(cx, cx.required, &origin, out);
    }
    check_locked_identities(cx, out);
    check_history(cx, out);
    check_mixed(cx, out);
}

/// Who requires the publisher: the policy, or the lockfile itself.
enum Origin {
    Policy(Location),
    Lockfile(Location),
}

impl Origin {
    /// `the policy requires GitHub `a/b` (pubgate.toml:3)`.
    fn requires(&self, wanted: &str) -> String {
        match self {
            Origin::Policy(at) => format!("the policy requires {wanted} ({at})"),
            Origin::Lockfile(at) => format!("the lockfile records {wanted} ({at})"),
        }
    }
}

/// The fix when a verified publisher is not one the lockfile recorded.
const LOCKED_IDENTITY_FIX: &str = "the lockfile recorded another publisher when it was made: confirm the change with the project and re-lock; otherwise do not install";

/// PG201: a publisher requirement is met only by verified provenance from that publisher.
/// Every file that is not such — another verified publisher, no provenance, provenance that
/// failed verification or could not be fetched, a file nobody examined, a source that can
/// carry no provenance — is a finding, whatever the levels of PG101/PG102/PG103 say.
fn check_requirement(
    cx: &PackageContext<'_>,
    requirements: &[PublisherRequirement],
    origin: &Origin,
    out: &mut Vec<Candidate>,
) {
    let wanted = requirement_list(requirements);
    let fix = |candidate: Candidate| match origin {
        Origin::Lockfile(at) => candidate
            .with_fix(LOCKED_IDENTITY_FIX)
            .related_to(at.clone(), RelatedRole::Requirement),
        Origin::Policy(at) => candidate.related_to(at.clone(), RelatedRole::Requirement),
    };
    if !cx.is_index_source() {
        out.push(fix(cx.candidate(
            Rule::PublisherMismatch,
            None,
            format!(
                "installed from {}, which can carry no attestation, but {}",
                describe_source(cx.source()),
                origin.requires(&wanted)
            ),
        )));
        return;
    }
    if cx.artifacts.is_empty() {
        out.push(fix(cx.candidate(
            Rule::PublisherMismatch,
            None,
            format!(
                "no file of this release was examined, so nothing shows who published it, but {}",
                origin.requires(&wanted)
            ),
        )));
        return;
    }

    // Grouped by what stands instead of the required publisher, in a fixed order.
    let mut groups: BTreeMap<(u8, String), Vec<&ArtifactEvidence>> = BTreeMap::new();
    for artifact in &cx.artifacts {
        let key = match &artifact.provenance {
            ProvenanceStatus::Verified(v) => {
                if requirements.iter().any(|r| r.matches(&v.publisher)) {
                    continue;
                }
                (0, describe_against(&v.publisher, requirements))
            }
            ProvenanceStatus::Absent => (1, String::new()),
            ProvenanceStatus::Invalid { .. } => (2, String::new()),
            ProvenanceStatus::Unavailable { .. } => (3, String::new()),
            ProvenanceStatus::NotApplicable => (4, String::new()),
        };
        groups.entry(key).or_default().push(artifact);
    }
    for ((kind, publisher), files) in groups {
        let file_names = names(&files);
        let phrase = files_phrase(&file_names, cx.total());
        let singular = files.len() == 1;
        let what = match kind {
            0 => format!(
                "{} published by {publisher}",
                capitalized(&phrase, singular)
            ),
            1 => format!(
                "{} no provenance",
                capitalize(&phrase, if singular { "has" } else { "have" })
            ),
            2 => format!(
                "{} provenance that failed verification",
                capitalize(&phrase, if singular { "has" } else { "have" })
            ),
            3 => format!(
                "{} not be checked (its provenance could not be fetched)",
                capitalize(&phrase, "could")
            ),
            _ => format!(
                "{} not examined (a locked hash binds to no file on the index)",
                capitalized(&phrase, singular)
            ),
        };
        out.push(fix(cx
            .candidate(
                Rule::PublisherMismatch,
                single(&file_names),
                format!("{what}, but {}", origin.requires(&wanted)),
            )
            .about_files(&files)));
    }
}

/// `` `a.whl` has`` / ``All 3 files have``.
fn capitalize(phrase: &str, verb: &str) -> String {
    let mut chars = phrase.chars();
    match chars.next() {
        Some(first) => format!("{}{} {verb}", first.to_uppercase(), chars.as_str()),
        None => String::new(),
    }
}

/// PG201 against the identities the lockfile itself records (PEP 751
/// `attestation-identities`): held to them exactly like a policy requirement. Identities of a
/// kind pubgate does not know cannot be compared and are left out; if none is left, nothing
/// is checked.
fn check_locked_identities(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let recorded = &cx.package.package.attestation_identities;
    let requirements: Vec<PublisherRequirement> = recorded
        .iter()
        .filter_map(|identity| {
            Some(PublisherRequirement {
                kind: crate::policy::parse_kind(&identity.kind)?,
                repository: identity.repository.clone(),
                workflow: identity.workflow.clone(),
                workflow_filepath: identity.workflow_filepath.clone(),
                environment: identity.environment.clone(),
                email: identity.email.clone(),
                project_id: None,
                pipeline_definition_id: None,
                git_ref: None,
                position: crate::policy::Position {
                    line: identity.location.line,
                    column: 1,
                },
            })
        })
        .collect();
    let Some(first) = recorded.first() else {
        return;
    };
    if requirements.is_empty() {
        return;
    }
    check_requirement(
        cx,
        &requirements,
        &Origin::Lockfile(first.location.clone()),
        out,
    );
}

fn requirement_list(requirements: &[PublisherRequirement]) -> String {
    let list: Vec<String> = requirements.iter().map(|r| r.to_string()).collect();
    list.join(" or ")
}

/// Describes a verified publisher with what the requirements look at (ref, environment).
fn describe_against(
    publisher: &VerifiedPublisher,
    requirements: &[PublisherRequirement],
) -> String {
    let mut out = describe(publisher);
    if requirements.iter().any(|r| r.git_ref.is_some()) {
        match &publisher.git_ref {
            Some(r) => out.push_str(&format!(" from ref `{r}`")),
            None => out.push_str(" (no source ref in the certificate)"),
        }
    }
    if requirements.iter().any(|r| r.environment.is_some()) {
        match &publisher.environment {
            Some(e) => out.push_str(&format!(
                " in environment `{e}` (as PyPI claims: the certificate does not carry it)"
            )),
            None => out.push_str(" with no environment"),
        }
    }
    out
}

/// Distinct verified publishers of a set of artifacts, with the files each attested.
fn publishers_of<'a>(
    artifacts: impl Iterator<Item = &'a ArtifactEvidence>,
) -> BTreeMap<PublisherIdentity, (&'a VerifiedPublisher, Vec<String>)> {
    let mut map: BTreeMap<PublisherIdentity, (&VerifiedPublisher, Vec<String>)> = BTreeMap::new();
    for artifact in artifacts {
        if let Some(v) = artifact.provenance.verified() {
            map.entry(PublisherIdentity::of(&v.publisher))
                .or_insert_with(|| (&v.publisher, Vec::new()))
                .1
                .push(file_name(artifact));
        }
    }
    map
}

fn publisher_names<'a>(publishers: impl Iterator<Item = &'a VerifiedPublisher>) -> String {
    publishers.map(describe).collect::<Vec<_>>().join(" and ")
}

/// `the last attested earlier release `1.0` (yanked; 2 releases in between have no
/// provenance: `1.2`, `1.1`)`.
fn earlier_release(previous: &PreviousRelease) -> String {
    let mut notes = Vec::new();
    if previous.yanked {
        notes.push("yanked".to_string());
    }
    if !previous.passed_over.is_empty() {
        let shown: Vec<String> = previous
            .passed_over
            .iter()
            .take(3)
            .map(|v| format!("`{v}`"))
            .collect();
        let more = if previous.passed_over.len() > 3 {
            ", …"
        } else {
            ""
        };
        notes.push(match previous.passed_over.len() {
            1 => format!(
                "the release in between, {}{more}, has no provenance",
                shown.join(", ")
            ),
            n => format!(
                "{n} releases in between have no provenance: {}{more}",
                shown.join(", ")
            ),
        });
    }
    let notes = if notes.is_empty() {
        String::new()
    } else {
        format!(" ({})", notes.join("; "))
    };
    format!(
        "the last attested earlier release `{}`{notes}",
        previous.version
    )
}

/// PG203 (an earlier release was attested, this one has files without provenance) and PG202
/// (a verified publisher not among the last attested earlier release's). The release
/// compared with is the most recent earlier one with provenance, yanked or not, so an
/// unattested upload in between or a yank cannot hide the last known publisher.
fn check_history(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let History::Previous(previous) = &cx.package.history else {
        return;
    };
    let mut earlier: Vec<&ArtifactEvidence> = previous.artifacts.iter().collect();
    earlier.sort_by(|a, b| (&a.filename, &a.sha256).cmp(&(&b.filename, &b.sha256)));
    let before = publishers_of(earlier.iter().copied());
    if before.is_empty() {
        // Nothing of it verified: provenance.rs reports why (PG102 or PG103).
        return;
    }
    let before_names = publisher_names(before.values().map(|(p, _)| *p));
    let reference = earlier_release(previous);

    let absent = cx.files_where(is_absent);
    if !absent.is_empty() {
        let absent_names = names(&absent);
        let subject = files_phrase(&absent_names, cx.total());
        let verb = if absent.len() == 1 { "has" } else { "have" };
        out.push(
            cx.candidate(
                Rule::ProvenanceRegression,
                single(&absent_names),
                format!("{subject} {verb} no provenance, but {reference} was attested by {before_names}"),
            )
            .about_files(&absent),
        );
    }

    let now = publishers_of(cx.artifacts.iter().copied());
    for (identity, (publisher, file_names)) in &now {
        if before.contains_key(identity) {
            continue;
        }
        out.push(cx.candidate(
            Rule::PublisherChange,
            single(file_names),
            format!(
                "{} published by {}, but {reference} was published by {before_names}",
                capitalized(&files_phrase(file_names, cx.total()), file_names.len() == 1),
                describe(publisher),
            ),
        ));
    }
}

/// PG204 when the verified files of this release name more than one publisher.
fn check_mixed(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let now = publishers_of(cx.artifacts.iter().copied());
    if now.len() < 2 {
        return;
    }
    let parts: Vec<String> = now
        .values()
        .map(|(p, file_names)| {
            let files: Vec<String> = file_names
                .iter()
                .take(3)
                .map(|n| format!("`{n}`"))
                .collect();
            let more = if file_names.len() > 3 { ", …" } else { "" };
            format!("{} ({}{more})", describe(p), files.join(", "))
        })
        .collect();
    out.push(cx.candidate(
        Rule::MixedPublishers,
        None,
        format!(
            "files of this release were attested by {} different publishers: {}",
            now.len(),
            parts.join("; ")
        ),
    ));
}
