//! Whether each locked file has provenance that holds up: PG101 missing-provenance, PG102
//! invalid-provenance, PG103 provenance-unavailable — for the locked release and for the
//! earlier release it is compared with.

use super::context::{
    describe_source, file_name, files_phrase, is_absent, names, one_line, single, Candidate,
    PackageContext,
};
use crate::evidence::{
    ArtifactEvidence, History, HistoryUnavailable, InvalidReason, ProvenanceStatus, SharedCause,
    UnavailableCause,
};
use crate::lockfile::Source;
use crate::rules::{Level, Rule};

pub(super) const RULES: &[Rule] = &[
    Rule::MissingProvenance,
    Rule::InvalidProvenance,
    Rule::ProvenanceUnavailable,
];

pub(super) fn check_package(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    check_missing(cx, out);
    check_invalid(cx, out);
    check_unavailable(cx, out);
    check_earlier_release(cx, out);
}

/// PG101 for files the index says have no provenance; and, when the policy requires
/// provenance for this package (`missing-provenance` at `deny`), for a source that cannot
/// have any: moving a dependency to git or a local path must not get around the rule.
fn check_missing(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if !cx.is_index_source() {
        if cx.level_of(Rule::MissingProvenance) == Level::Deny {
            out.push(cx.candidate(
                Rule::MissingProvenance,
                None,
                format!(
                    "installed from {}, which can carry no provenance, but the policy requires provenance for this package",
                    describe_source(cx.source())
                ),
            ));
        }
        return;
    }
    let absent = cx.files_where(is_absent);
    if absent.is_empty() {
        return;
    }
    let absent_names = names(&absent);
    let subject = files_phrase(&absent_names, cx.total());
    let message = if absent.len() == 1 && cx.total() <= 1 {
        format!("{subject} has no provenance: it was not published with attestations")
    } else if absent.len() == cx.total() {
        format!(
            "none of the {} files has provenance: they were not published with attestations",
            cx.total()
        )
    } else if absent.len() == 1 {
        format!("{subject} has no provenance: it was not published with attestations")
    } else {
        format!("{subject} have no provenance: they were not published with attestations")
    };
    out.push(
        cx.candidate(Rule::MissingProvenance, single(&absent_names), message)
            .about_files(&absent),
    );
}

/// What an invalid status says, for messages: `the provenance of `f` failed verification (…)`.
pub(super) fn invalid_what(name: &str, reason: &InvalidReason) -> String {
    match reason {
        InvalidReason::Verification(failure) => {
            format!("the provenance of `{name}` failed verification ({failure})")
        }
        InvalidReason::IndexHashMismatch => format!(
            "the index serves `{name}` with a sha256 that differs from the locked one (index hash mismatch)"
        ),
        InvalidReason::NotOnIndex => format!(
            "the locked sha256 of `{name}` matches no file of this release on the index (not on index)"
        ),
        InvalidReason::ReleaseNotOnIndex => format!(
            "the index has no release for `{name}`: the project or version is unknown to it (deleted, never uploaded, or the wrong index)"
        ),
        InvalidReason::Quarantined => format!(
            "`{name}` belongs to a project the index has quarantined (PEP 792)"
        ),
    }
}

/// PG102 for every file whose provenance failed verification, one finding each. A file the
/// index does not serve as locked (hash mismatch, not on the index, no such release) is not
/// a file anyone examined: only an exemption naming its exact digest covers it.
fn check_invalid(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    for artifact in &cx.artifacts {
        let ProvenanceStatus::Invalid { reason, detail } = &artifact.provenance else {
            continue;
        };
        let name = file_name(artifact);
        let what = invalid_what(&name, reason);
        let message = if detail.trim().is_empty() {
            what
        } else {
            format!("{what}: {}", one_line(detail))
        };
        let candidate = cx
            .candidate(Rule::InvalidProvenance, Some(name), message)
            .about_files(&[artifact]);
        out.push(match reason {
            InvalidReason::Verification(_) => candidate,
            _ => candidate.by_digest_only(),
        });
    }
}

/// The fix for PG103 on a package from an index other than PyPI.
const OTHER_INDEX_UNAVAILABLE_FIX: &str = "if this index cannot serve PEP 740 provenance, allow `provenance-unavailable` for exactly the packages it serves (a `[[package]]` entry naming them, with `rules = { provenance-unavailable = \"allow\" }`; a `publisher` requirement still fails without verified provenance); otherwise re-run when it answers";

/// PG103 for files whose provenance could not be fetched, grouped by cause; and for an
/// index package whose evidence names no file at all (fail closed: nothing was examined).
fn check_unavailable(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if cx.is_index_source() && cx.artifacts.is_empty() {
        out.push(cx.candidate(
            Rule::ProvenanceUnavailable,
            None,
            "no file of this release was examined, so its provenance is unknown".into(),
        ));
        return;
    }
    // Files that failed the same way (the same kind and detail; URLs that differ only in
    // the segment naming the file) are reported once.
    let mut groups: Vec<(SharedCause<'_>, &UnavailableCause, Vec<&ArtifactEvidence>)> = Vec::new();
    for artifact in &cx.artifacts {
        if let ProvenanceStatus::Unavailable { cause } = &artifact.provenance {
            let shared = cause.shared();
            match groups.iter_mut().find(|(s, _, _)| *s == shared) {
                Some((_, _, files)) => files.push(artifact),
                None => groups.push((shared, cause, vec![artifact])),
            }
        }
    }
    // An index other than PyPI may not serve PEP 740 at all: say how to accept that, rather
    // than to wait for an answer that will never come.
    let other_index = matches!(
        cx.source(),
        Source::Index { url } if !crate::url::is_pypi_index(url.expose())
    );
    for (shared, first, files) in groups {
        let file_names = names(&files);
        let cause = one_line(&if files.len() == 1 {
            first.to_string()
        } else {
            shared.to_string()
        });
        let candidate = cx
            .candidate(
                Rule::ProvenanceUnavailable,
                single(&file_names),
                format!(
                    "could not get provenance for {}: {cause}",
                    files_phrase(&file_names, cx.total())
                ),
            )
            .about_files(&files);
        out.push(if other_index {
            candidate.with_fix(OTHER_INDEX_UNAVAILABLE_FIX)
        } else {
            candidate
        });
    }
}

/// PG103 when the earlier releases could not be examined at all (the history walk hit its
/// bound, its pages failed): PG202/PG203 cannot be judged. Not repeated when the locked
/// files already fail (unavailable, or not the index's): the package is denied for that.
fn history_unavailable(
    cx: &PackageContext<'_>,
    cause: &HistoryUnavailable,
    out: &mut Vec<Candidate>,
) {
    let locked_fails = cx.artifacts.is_empty()
        || cx.artifacts.iter().any(|a| {
            matches!(
                a.provenance,
                ProvenanceStatus::Unavailable { .. } | ProvenanceStatus::Invalid { .. }
            )
        });
    if locked_fails || !cx.is_index_source() {
        return;
    }
    out.push(cx.candidate(
        Rule::ProvenanceUnavailable,
        None,
        format!(
            "the earlier releases could not be examined, so a publisher change or lost provenance cannot be ruled out: {}",
            one_line(&cause.to_string())
        ),
    ));
}

/// The earlier release the locked one is compared with must hold up too: its provenance
/// failing verification is PG102 (it would otherwise silence PG202/PG203), and provenance
/// that could not be fetched, with nothing of it verified, is PG103 (not repeated when the
/// locked files are already unavailable: the package is denied for that).
fn check_earlier_release(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let previous = match &cx.package.history {
        History::Previous(previous) => previous,
        History::Unavailable { cause } => {
            history_unavailable(cx, cause, out);
            return;
        }
        _ => return,
    };
    let mut earlier: Vec<&ArtifactEvidence> = previous.artifacts.iter().collect();
    earlier.sort_by(|a, b| (&a.filename, &a.sha256).cmp(&(&b.filename, &b.sha256)));
    for artifact in &earlier {
        let ProvenanceStatus::Invalid { reason, detail } = &artifact.provenance else {
            continue;
        };
        let what = invalid_what(&file_name(artifact), reason);
        let detail = if detail.trim().is_empty() {
            String::new()
        } else {
            format!(": {}", one_line(detail))
        };
        out.push(
            cx.candidate(
                Rule::InvalidProvenance,
                None,
                format!(
                    "in the earlier release `{}`, which this one is compared with, {what}{detail}; a publisher change or lost provenance cannot be judged against it",
                    previous.version
                ),
            )
            .with_fix("treat the earlier release as a possible compromise: tell the maintainers; accept it only with an exemption naming the exact digest of its file")
            .about_files(&[artifact])
            .by_digest_only(),
        );
    }

    if earlier.iter().any(|a| a.provenance.verified().is_some()) {
        return;
    }
    let locked_unavailable = cx
        .artifacts
        .iter()
        .any(|a| matches!(a.provenance, ProvenanceStatus::Unavailable { .. }));
    let unavailable: Vec<(&ArtifactEvidence, &UnavailableCause)> = earlier
        .iter()
        .filter_map(|a| match &a.provenance {
            ProvenanceStatus::Unavailable { cause } => Some((*a, cause)),
            _ => None,
        })
        .collect();
    let Some((first, cause)) = unavailable.first() else {
        return;
    };
    if locked_unavailable {
        return;
    }
    let files = if unavailable.len() == 1 {
        format!("`{}`", file_name(first))
    } else {
        format!("{} files (`{}`, …)", unavailable.len(), file_name(first))
    };
    out.push(cx.candidate(
        Rule::ProvenanceUnavailable,
        None,
        format!(
            "could not get provenance for {files} of the earlier release `{}`, so a publisher change or lost provenance cannot be ruled out: {}",
            previous.version,
            one_line(&cause.to_string())
        ),
    ));
}
