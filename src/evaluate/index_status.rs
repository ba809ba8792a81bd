//! What the index says of a release or project besides provenance: PG104 yanked-release
//! (PEP 592) and PG105 project-status (PEP 792 archived, deprecated or unknown). A
//! quarantined project is not here: its files are `invalid` (PG102), never below deny.

use super::context::{files_phrase, names, one_line, single, Candidate, PackageContext};
use crate::evidence::{ArtifactEvidence, ProjectMarker};
use crate::rules::Rule;

pub(super) const RULES: &[Rule] = &[Rule::YankedRelease, Rule::ProjectStatus];

pub(super) fn check_package(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    check_yanked(cx, out);
    check_project_status(cx, out);
}

/// PG104 for the locked files the index marks yanked, once per package, with the index's
/// reasons (each distinct reason once).
fn check_yanked(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let yanked: Vec<&ArtifactEvidence> = cx.files_where(|a| a.yanked.is_some());
    if yanked.is_empty() {
        return;
    }
    let mut reasons: Vec<&str> = Vec::new();
    for artifact in &yanked {
        if let Some(reason) = artifact.yanked.as_ref().and_then(|y| y.reason.as_deref()) {
            if !reasons.contains(&reason) {
                reasons.push(reason);
            }
        }
    }
    let file_names = names(&yanked);
    let version = cx.package.package.version.as_deref().unwrap_or("?");
    let subject = if yanked.len() == cx.total() && cx.total() > 1 {
        format!(
            "the release `{}=={version}` is yanked on the index",
            cx.name()
        )
    } else {
        let phrase = files_phrase(&file_names, cx.total());
        let verb = if yanked.len() == 1 { "is" } else { "are" };
        format!(
            "{phrase} of `{}=={version}` {verb} yanked on the index",
            cx.name()
        )
    };
    let why = match reasons.as_slice() {
        [] => "; the index gives no reason".to_string(),
        reasons => format!(
            "; the index's reason: {}",
            reasons
                .iter()
                .map(|r| format!("\"{}\"", one_line(r)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    };
    out.push(
        cx.candidate(
            Rule::YankedRelease,
            single(&file_names),
            format!("{subject}: installers skip it unless pinned to exactly this file{why}"),
        )
        .about_files(&yanked),
    );
}

/// PG105 when the index marks the project archived, deprecated, or with a status pubgate
/// does not know.
fn check_project_status(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let Some(status) = &cx.package.project_status else {
        return;
    };
    let name = cx.name();
    let what = match &status.status {
        ProjectMarker::Active | ProjectMarker::Quarantined => return,
        ProjectMarker::Archived => format!(
            "the index marks `{name}` archived: its maintainers expect no further releases, so fixes (security ones included) may never come"
        ),
        ProjectMarker::Deprecated => format!(
            "the index marks `{name}` deprecated: it is considered obsolete and may have been superseded"
        ),
        ProjectMarker::Other(other) => format!(
            "the index gives `{name}` the project status `{}`, which pubgate does not know (PEP 792 knows active, archived, quarantined and deprecated)",
            one_line(other)
        ),
    };
    let message = match &status.reason {
        Some(reason) => format!("{what}; the index's reason: \"{}\"", one_line(reason)),
        None => what,
    };
    out.push(cx.candidate(Rule::ProjectStatus, None, message));
}
