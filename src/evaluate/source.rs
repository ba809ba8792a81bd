//! Where files come from and how they are pinned: PG001 unpinned-requirement, PG002
//! unhashed-artifact, PG003 non-index-source, PG004 other-index, PG005 unverifiable-hash,
//! PG006 index-not-allowed, PG007 empty-lockfile, PG008 foreign-artifact-url.

use std::collections::BTreeSet;

use super::context::{
    describe_source, file_name, files_phrase, lockfile_candidate, names, single, Candidate,
    PackageContext,
};
use crate::evidence::LockfileEvidence;
use crate::lockfile::{IndexKind, Location, Source};
use crate::policy::Policy;
use crate::rules::Rule;

pub(super) const RULES: &[Rule] = &[
    Rule::UnpinnedRequirement,
    Rule::UnhashedArtifact,
    Rule::NonIndexSource,
    Rule::OtherIndex,
    Rule::UnverifiableHash,
    Rule::IndexNotAllowed,
    Rule::EmptyLockfile,
    Rule::ForeignArtifactUrl,
];

/// The checks about a lockfile as a whole: PG001, PG006, PG007.
pub(super) fn check_lockfile(
    lockfile: &LockfileEvidence,
    policy: &Policy,
    out: &mut Vec<Candidate>,
) {
    for unpinned in &lockfile.unpinned {
        out.push(unpinned_candidate(lockfile, unpinned));
    }
    check_sources_allowed(lockfile, policy, out);
    if lockfile.packages.is_empty() && lockfile.unpinned.is_empty() {
        out.push(lockfile_candidate(
            lockfile,
            Rule::EmptyLockfile,
            lockfile.location(),
            "the lockfile locks no package, so nothing in it was checked: a lock that failed or was cut short passes every gate".into(),
        ));
    }
}

/// The checks about one package: PG002, PG003, PG004, PG005, PG008.
pub(super) fn check_package(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    check_source(cx, out);
    check_hashes(cx, out);
    check_unbound_hashes(cx, out);
    check_foreign_urls(cx, out);
}

/// PG008 for every file the lockfile makes the installer download from a URL that is not
/// the index's URL for it, with no locked hash binding the download to the file examined:
/// the installer takes whatever bytes are there. Where a publisher is required (PG201) or
/// provenance is (PG101 at deny), such a file also fails that requirement: nothing shows who
/// published the bytes installed.
fn check_foreign_urls(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let files = cx.files_where(|a| a.foreign_url.is_some() && !a.locked_hash);
    for artifact in files {
        let Some(foreign) = &artifact.foreign_url else {
            continue;
        };
        let name = file_name(artifact);
        let index = match &foreign.index {
            Some(url) => format!("the index serves it at `{url}`"),
            None => "the index gives no URL for it".to_string(),
        };
        let installed = format!(
            "the lockfile makes the installer download `{name}` from `{}`, but {index}, and no locked hash binds the download to the file whose provenance was checked",
            foreign.locked
        );
        out.push(
            cx.candidate(
                Rule::ForeignArtifactUrl,
                Some(name.clone()),
                installed.clone(),
            )
            .about_files(&[artifact]),
        );
        if !cx.required.is_empty() {
            out.push(
                cx.candidate(
                    Rule::PublisherMismatch,
                    Some(name.clone()),
                    format!("{installed}: the policy requires a publisher, which is never verified for the bytes installed"),
                )
                .about_files(&[artifact]),
            );
        }
        if cx.level_of(Rule::MissingProvenance) == crate::rules::Level::Deny {
            out.push(
                cx.candidate(
                    Rule::MissingProvenance,
                    Some(name.clone()),
                    format!("{installed}: the policy requires provenance, and the bytes installed have none that was checked"),
                )
                .about_files(&[artifact]),
            );
        }
    }
}

fn unpinned_candidate(
    lockfile: &LockfileEvidence,
    unpinned: &crate::lockfile::Unpinned,
) -> Candidate {
    let message = if unpinned.specifier.trim().is_empty() {
        format!("`{}` has no version pin", unpinned.name)
    } else {
        format!(
            "`{}{}` is not an exact `==` pin",
            unpinned.name, unpinned.specifier
        )
    };
    let mut candidate = lockfile_candidate(
        lockfile,
        Rule::UnpinnedRequirement,
        unpinned.location.clone(),
        message,
    );
    candidate.package = Some(crate::dist::PackageName::new(&unpinned.name));
    candidate
}

/// PG006 for every package source the lockfile names (indexes, extra indexes, find-links,
/// trusted hosts, and each package's own index) that the policy's `[sources]` does not allow.
/// Each source is reported once, at the first place that names it.
fn check_sources_allowed(lockfile: &LockfileEvidence, policy: &Policy, out: &mut Vec<Candidate>) {
    let named = lockfile
        .indexes
        .iter()
        .map(|i| (i.url.clone(), i.kind, i.location.clone()));
    let from_packages = lockfile
        .packages
        .iter()
        .filter_map(|p| match &p.package.source {
            Source::Index { url } => {
                Some((url.clone(), IndexKind::Index, p.package.location.clone()))
            }
            _ => None,
        });
    let mut reported = BTreeSet::new();
    for (url, kind, location) in named.chain(from_packages) {
        if policy.sources.allows(url.expose(), kind).0 {
            continue;
        }
        let is_host = kind == IndexKind::TrustedHost;
        if !reported.insert((is_host, crate::url::source_key(url.expose()))) {
            continue;
        }
        let message = match kind {
            IndexKind::TrustedHost => format!(
                "the lockfile makes the installer trust the host `{url}` (plain http or unverified TLS), which the policy does not allow: anyone on the network path can serve files from it"
            ),
            IndexKind::FindLinks => format!(
                "the lockfile makes the installer take files from the find-links location `{url}`, which the policy does not allow: any file found there may be installed for any package"
            ),
            IndexKind::ExtraIndex => format!(
                "the lockfile adds the extra index `{url}`, which the policy does not allow: the installer may take any package's files from it"
            ),
            IndexKind::Index => format!(
                "the lockfile takes packages from the index `{url}`, which the policy does not allow"
            ),
        };
        out.push(lockfile_candidate(
            lockfile,
            Rule::IndexNotAllowed,
            location_or_top(location, lockfile),
            message,
        ));
    }
    check_environment_sources(lockfile, policy, &mut reported, out);
}

/// PG006 for every source the environment names (`PIP_INDEX_URL`, `UV_INDEX`, …) where
/// the installer run beside pubgate could take a file from it that pubgate never examined:
/// a package from an index that no locked hash pins (or a requirement not pinned at all).
/// Where every such file is pinned by a hash, and every locked hash binds to an examined
/// file (PG005), another source can only serve the same bytes: the machine's own wheelhouse
/// (`PIP_FIND_LINKS=/opt/wheels`) or a corporate proxy index is then no way around the gate.
/// Reported at the top of each lockfile, once per source (none the lockfile already named).
fn check_environment_sources(
    lockfile: &LockfileEvidence,
    policy: &Policy,
    reported: &mut BTreeSet<(bool, String)>,
    out: &mut Vec<Candidate>,
) {
    let exposed = packages_no_hash_pins(lockfile);
    let Some(first) = exposed.first() else {
        return;
    };
    let exposed_phrase = match exposed.len() {
        1 => format!("`{first}`"),
        n => format!("`{first}` and {} more", n - 1),
    };
    for source in &lockfile.environment {
        let url = &source.url;
        if policy.sources.allows(url.expose(), source.kind).0
            || !reported.insert((false, crate::url::source_key(url.expose())))
        {
            continue;
        }
        let variable = &source.variable;
        let message = match source.kind {
            IndexKind::FindLinks => format!(
                "the environment variable `{variable}` makes the installer take files from the find-links location `{url}`, which the policy does not allow: a file found there may be installed for {exposed_phrase}, which no locked hash pins"
            ),
            IndexKind::ExtraIndex => format!(
                "the environment variable `{variable}` adds the extra index `{url}`, which the policy does not allow: the installer may take the files of {exposed_phrase} from it, which no locked hash pins"
            ),
            _ => format!(
                "the environment variable `{variable}` makes the installer take packages from the index `{url}` instead of PyPI, which the policy does not allow: no locked hash pins the files of {exposed_phrase}"
            ),
        };
        out.push(lockfile_candidate(
            lockfile,
            Rule::IndexNotAllowed,
            lockfile.location(),
            message,
        ));
    }
}

/// The packages whose installed file another index could choose: requirements not pinned
/// to a version, and index packages with a locked file that carries no hash.
fn packages_no_hash_pins(lockfile: &LockfileEvidence) -> Vec<String> {
    let unpinned = lockfile.unpinned.iter().map(|u| u.name.clone());
    let unhashed = lockfile
        .packages
        .iter()
        .map(|p| &p.package)
        .filter(|p| matches!(p.source, Source::Index { .. }))
        .filter(|p| {
            p.artifacts.is_empty()
                || p.artifacts
                    .iter()
                    .any(|a| a.sha256.is_none() && a.other_hashes.is_empty())
        })
        .map(|p| p.name.to_string());
    unpinned.chain(unhashed).collect()
}

fn location_or_top(location: Location, lockfile: &LockfileEvidence) -> Location {
    if location.line == 0 {
        lockfile.location()
    } else {
        location
    }
}

/// PG003 for every source that is not an index: git, URL, path, editable and virtual. The
/// last two are the project's own trees today — and tomorrow a dependency a change moved
/// to a local path to get around a publisher requirement.
fn check_source(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    let source = cx.source();
    match source {
        Source::Index { url } => {
            if !crate::url::is_pypi_index(url.expose()) {
                out.push(cx.candidate(
                    Rule::OtherIndex,
                    None,
                    format!("comes from the index `{url}`, not PyPI: only PyPI serves PEP 740 provenance today"),
                ));
            }
        }
        _ => {
            let why = match source {
                Source::Git { .. } => "git sources carry no attestations",
                Source::Url { .. } => "direct URLs carry no attestations",
                _ => "local files carry no attestations",
            };
            out.push(cx.candidate(
                Rule::NonIndexSource,
                None,
                format!("installed from {}: {why}", describe_source(source)),
            ));
        }
    }
}

/// PG002 for index and URL packages whose files have no locked sha256.
fn check_hashes(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    if !matches!(cx.source(), Source::Index { .. } | Source::Url { .. }) {
        return;
    }
    if cx.artifacts.is_empty() {
        if cx
            .package
            .package
            .artifacts
            .iter()
            .all(|a| a.sha256.is_none() && a.other_hashes.is_empty())
        {
            out.push(cx.candidate(
                Rule::UnhashedArtifact,
                None,
                "no sha256 is locked for any file: the installer will accept any file for this version".into(),
            ));
        }
        return;
    }
    let unhashed = names(&cx.files_where(|a| !a.locked_hash && a.unbound_hashes.is_empty()));
    if unhashed.is_empty() {
        return;
    }
    let what = if unhashed.len() == cx.total() && cx.total() > 1 {
        format!("none of the {} files has a locked sha256", cx.total())
    } else {
        let verb = if unhashed.len() == 1 { "has" } else { "have" };
        format!(
            "{} {verb} no locked sha256",
            files_phrase(&unhashed, cx.total())
        )
    };
    out.push(cx.candidate(
        Rule::UnhashedArtifact,
        single(&unhashed),
        format!("{what}: the installer would accept a different file"),
    ));
}

/// PG005 for every locked hash no examined file carries: the installer accepts a file
/// matching any hash of a requirement, so a hash pubgate cannot bind is a file nobody
/// examined. One finding per file, scoped to its digests.
fn check_unbound_hashes(cx: &PackageContext<'_>, out: &mut Vec<Candidate>) {
    for artifact in cx.files_where(|a| !a.unbound_hashes.is_empty()) {
        let hashes: Vec<String> = artifact
            .unbound_hashes
            .iter()
            .map(|h| {
                format!(
                    "`{}:{}…`",
                    h.algorithm,
                    h.digest.get(..16).unwrap_or(&h.digest)
                )
            })
            .collect();
        let subject = match &artifact.filename {
            None => format!(
                "the locked hash {} matches no file of this release that pubgate examined",
                hashes.join(", ")
            ),
            Some(filename) => format!(
                "`{}` is also locked by {} {}, which the index does not list for it",
                filename,
                if hashes.len() == 1 {
                    "the hash"
                } else {
                    "the hashes"
                },
                hashes.join(", ")
            ),
        };
        let name = file_name(artifact);
        out.push(
            cx.candidate(
                Rule::UnverifiableHash,
                Some(name),
                format!(
                    "{}: {} would let the installer take a different file than the one whose provenance was checked",
                    subject,
                    if hashes.len() == 1 { "it" } else { "they" }
                ),
            )
            .about_files(&[artifact])
            .by_digest_only(),
        );
    }
}
