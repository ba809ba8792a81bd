//! Matching locked artifacts to the files a project page lists, and binding every locked
//! hash to the file examined for it. Synchronous and pure: it decides which index file each
//! artifact is (or why none can be), and leaves fetching provenance to the caller.
//!
//! The installer takes a file matching *any* locked hash of a requirement, so a locked hash
//! counts only when it identifies a file pubgate examines: sha256 through the provenance
//! (attestations sign the sha256), every other algorithm through the index listing that
//! digest for the examined file. A hash bound to no examined file is reported
//! (`unbound_hashes`); a page that lists one file twice with different contents, or an
//! entry that contradicts itself, makes the file `unavailable` unless a locked hash picks
//! one entry: which file the installer would get cannot be known.

use std::collections::{BTreeSet, HashMap};

use pep440_rs::Version;

use crate::dist::{DistFilename, WheelTag};
use crate::evidence::{
    Ambiguity, ArtifactEvidence, Difference, ForeignUrl, InvalidReason, Pinned, ProvenanceStatus,
    Subject, UnavailableCause,
};
use crate::index::simple::{normalize_sha256, IndexFile, ProjectPage};
use crate::lockfile::{Artifact, LockedHash, LockedPackage};

/// What became of one locked artifact (or one file of an unhashed pin).
pub(super) enum Slot<'a> {
    /// Decided without provenance (not on the index, mismatch, ambiguous, …).
    Settled(ArtifactEvidence),
    /// A file whose provenance is to be fetched and verified.
    Examine(Target<'a>),
}

/// A file whose provenance is to be fetched and verified.
pub(super) struct Target<'a> {
    pub filename: String,
    pub sha256: Option<String>,
    pub locked_hash: bool,
    pub unbound_hashes: Vec<LockedHash>,
    /// The lockfile's URL for the file, when it is not the index's.
    pub foreign_url: Option<ForeignUrl>,
    pub file: &'a IndexFile,
}

/// What the messages need to say where.
pub(super) struct Names<'a> {
    pub project: &'a str,
    pub version: &'a str,
    pub index: &'a str,
}

/// Which file an entry describes, for telling duplicates apart: the parsed distribution
/// (name, version, wheel tags as a set; an sdist keeps its archive suffix, since `.zip`
/// and `.tar.gz` of one release are two files), else the exact name.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
enum FileKey {
    Sdist(String, Version, String),
    Wheel(String, Version, Option<(u64, String)>, BTreeSet<WheelTag>),
    Other(String),
}

fn file_key(filename: &str) -> FileKey {
    match DistFilename::parse(filename) {
        Ok(DistFilename::Sdist { name, version }) => {
            let suffix = if filename.ends_with(".zip") {
                ".zip"
            } else {
                ".tar.gz"
            };
            FileKey::Sdist(name, version, suffix.into())
        }
        Ok(DistFilename::Wheel {
            name,
            version,
            build,
            tags,
        }) => FileKey::Wheel(name, version, build, tags),
        Err(_) => FileKey::Other(filename.to_string()),
    }
}

/// More entries than this for one file (or one digest) is not an index listing files but
/// one making work: the file is `unavailable` without looking at them one by one, so a
/// lockfile naming one file many times against such a page stays linear.
const MAX_DUPLICATES: usize = 64;

/// Entries of a page indexed by file and by digest, built once per package so that
/// matching many artifacts against many files stays linear in both.
struct Entries<'a> {
    files: Vec<&'a IndexFile>,
    by_key: HashMap<FileKey, Vec<usize>>,
    by_name: HashMap<&'a str, Vec<usize>>,
    by_hash: HashMap<(&'a str, &'a str), Vec<usize>>,
}

/// What a lookup found: the entries, or too many to be a real listing.
enum Found<'a> {
    Entries(Vec<&'a IndexFile>),
    TooMany(usize),
}

impl<'a> Entries<'a> {
    fn new(files: Vec<&'a IndexFile>) -> Entries<'a> {
        let mut entries = Entries {
            files: Vec::new(),
            by_key: HashMap::new(),
            by_name: HashMap::new(),
            by_hash: HashMap::new(),
        };
        for (i, file) in files.iter().enumerate() {
            let mut keys: Vec<FileKey> = file.names().map(file_key).collect();
            keys.dedup();
            for key in keys {
                entries.by_key.entry(key).or_default().push(i);
            }
            for name in file.names() {
                let positions = entries.by_name.entry(name).or_default();
                if positions.last() != Some(&i) {
                    positions.push(i);
                }
            }
            for (algorithm, digest) in &file.hashes {
                entries
                    .by_hash
                    .entry((algorithm.as_str(), digest.as_str()))
                    .or_default()
                    .push(i);
            }
        }
        entries.files = files;
        entries
    }

    fn named(&self, filename: &str) -> Found<'a> {
        self.pick(self.by_key.get(&file_key(filename)))
    }

    fn exactly_named(&self, filename: &str) -> Found<'a> {
        self.pick(self.by_name.get(filename))
    }

    fn hashed(&self, algorithm: &str, digest: &str) -> Found<'a> {
        self.pick(self.by_hash.get(&(algorithm, digest)))
    }

    fn pick(&self, positions: Option<&Vec<usize>>) -> Found<'a> {
        match positions {
            Some(p) if p.len() > MAX_DUPLICATES => Found::TooMany(p.len()),
            Some(p) => Found::Entries(p.iter().map(|&i| self.files[i]).collect()),
            None => Found::Entries(Vec::new()),
        }
    }
}

/// Whether page entries describe one and the same file the same way: same file (parsed
/// name), same hashes, same provenance link, and none contradicting itself.
fn agree(files: &[&IndexFile]) -> bool {
    let Some(first) = files.first() else {
        return true;
    };
    let key = file_key(&first.filename);
    files.iter().all(|f| {
        f.contradiction.is_none()
            && f.hashes == first.hashes
            && f.provenance == first.provenance
            && f.url_filename == first.url_filename
            && (std::ptr::eq(*f, *first) || file_key(&f.filename) == key)
    })
}

/// Why entries that should name one file do not agree.
fn disagreement(files: &[&IndexFile], pinned: Pinned) -> Ambiguity {
    if let Some(reason) = files.iter().find_map(|f| f.contradiction.as_deref()) {
        return Ambiguity::Contradiction {
            reason: reason.to_string(),
        };
    }
    let names: BTreeSet<&str> = files.iter().map(|f| f.filename.as_str()).collect();
    let shas: BTreeSet<&str> = files
        .iter()
        .map(|f| f.sha256.as_deref().unwrap_or("none"))
        .collect();
    let owned = |set: BTreeSet<&str>| set.into_iter().map(str::to_string).collect();
    let difference = if shas.len() > 1 {
        Difference::Sha256(owned(shas))
    } else if names.len() > 1 {
        Difference::Names(owned(names))
    } else {
        Difference::HashesOrLinks
    };
    Ambiguity::Duplicates { difference, pinned }
}

/// The release's entries, and the whole page's (built only when an artifact needs them).
struct Lookup<'a> {
    page: &'a ProjectPage,
    release: Entries<'a>,
    everything: std::cell::OnceCell<Entries<'a>>,
}

impl<'a> Lookup<'a> {
    fn page(&self) -> &Entries<'a> {
        self.everything
            .get_or_init(|| Entries::new(self.page.files.iter().collect()))
    }
}

/// Decides, for every locked artifact of `package`, which release file it is.
pub(super) fn match_release<'a>(
    page: &'a ProjectPage,
    release_files: Vec<&'a IndexFile>,
    package: &LockedPackage,
    names: &Names<'_>,
) -> Vec<Slot<'a>> {
    let lookup = Lookup {
        page,
        release: Entries::new(release_files),
        everything: std::cell::OnceCell::new(),
    };
    let unhashed_pin = package
        .artifacts
        .iter()
        .all(|a| a.filename.is_empty() && a.sha256.is_none() && a.other_hashes.is_empty());
    if unhashed_pin {
        return every_file(&lookup.release, names);
    }
    let mut slots = Vec::with_capacity(package.artifacts.len());
    for artifact in &package.artifacts {
        if artifact.filename.is_empty()
            && artifact.sha256.is_none()
            && artifact.other_hashes.len() > 1
        {
            // Each hash may name another file: each is bound on its own.
            for hash in &artifact.other_hashes {
                let single = Artifact {
                    other_hashes: vec![hash.clone()],
                    ..artifact.clone()
                };
                slots.push(match_artifact(&lookup, &single, names));
            }
        } else {
            slots.push(match_artifact(&lookup, artifact, names));
        }
    }
    slots
}

/// A plain `==` pin: any file of the release could be installed, so each is examined; a
/// file listed more than once in ways that disagree is `unavailable`.
fn every_file<'a>(release: &Entries<'a>, names: &Names<'_>) -> Vec<Slot<'a>> {
    if release.files.is_empty() {
        return vec![Slot::Settled(ArtifactEvidence {
            filename: None,
            sha256: None,
            locked_hash: false,
            unbound_hashes: Vec::new(),
            foreign_url: None,
            provenance: missing_release(names),
            yanked: None,
        })];
    }
    // One group per distinct file, in filename order; an entry with two names joins the
    // group of each (it contradicts itself, so those groups are unavailable).
    let mut groups: Vec<(String, Vec<&IndexFile>)> = Vec::new();
    let mut seen: HashMap<FileKey, usize> = HashMap::new();
    let mut order: Vec<&IndexFile> = release.files.clone();
    order.sort_by(|a, b| a.filename.cmp(&b.filename));
    for file in order {
        for name in file.names() {
            let slot = *seen.entry(file_key(name)).or_insert_with(|| {
                groups.push((name.to_string(), Vec::new()));
                groups.len() - 1
            });
            let group = &mut groups[slot].1;
            if !group.last().is_some_and(|last| std::ptr::eq(*last, file)) {
                group.push(file);
            }
        }
    }
    groups
        .into_iter()
        .map(|(name, files)| {
            if agree(&files) {
                let file = files[0];
                Slot::Examine(Target {
                    filename: file.filename.clone(),
                    sha256: file.sha256.clone(),
                    locked_hash: false,
                    unbound_hashes: Vec::new(),
                    foreign_url: None,
                    file,
                })
            } else {
                let cause = UnavailableCause::ambiguous(
                    Some(&name),
                    disagreement(&files, Pinned::UnhashedPin),
                );
                Slot::Settled(ArtifactEvidence {
                    filename: Some(name),
                    sha256: None,
                    locked_hash: false,
                    unbound_hashes: Vec::new(),
                    foreign_url: None,
                    provenance: ProvenanceStatus::unavailable(cause),
                    yanked: None,
                })
            }
        })
        .collect()
}

fn missing_release(names: &Names<'_>) -> ProvenanceStatus {
    ProvenanceStatus::Invalid {
        reason: InvalidReason::ReleaseNotOnIndex,
        detail: format!(
            "the index `{}` lists no file of `{}` {}",
            names.index, names.project, names.version
        ),
    }
}

/// The locked hashes of an artifact besides sha256, lowercased.
fn other_hashes(artifact: &Artifact) -> Vec<LockedHash> {
    artifact
        .other_hashes
        .iter()
        .map(|h| LockedHash {
            algorithm: h.algorithm.trim().to_ascii_lowercase(),
            digest: h.digest.trim().to_ascii_lowercase(),
        })
        .collect()
}

fn too_many(file: Option<&str>, subject: Subject, count: usize) -> ProvenanceStatus {
    ProvenanceStatus::unavailable(UnavailableCause::ambiguous(
        file,
        Ambiguity::TooMany {
            subject,
            count,
            limit: MAX_DUPLICATES,
        },
    ))
}

fn match_artifact<'a>(lookup: &Lookup<'a>, artifact: &Artifact, names: &Names<'_>) -> Slot<'a> {
    let locked_sha = artifact.sha256.as_deref().and_then(normalize_sha256);
    let others = other_hashes(artifact);
    let settled = |provenance, unbound: Vec<LockedHash>| {
        Slot::Settled(ArtifactEvidence {
            filename: crate::evidence::named(&artifact.filename),
            sha256: locked_sha.clone().or_else(|| artifact.sha256.clone()),
            locked_hash: artifact.sha256.is_some(),
            unbound_hashes: unbound,
            foreign_url: None,
            provenance,
            yanked: None,
        })
    };
    let named = !artifact.filename.is_empty();

    // The entries the artifact may be.
    let found = if named {
        // Only sdists and wheels can be attested, and one must be a file of the locked
        // release. Older formats (`.exe`, `.egg`, …) are matched by exact name on the
        // page: they never carry provenance.
        if DistFilename::parse(&artifact.filename).is_ok() {
            lookup.release.named(&artifact.filename)
        } else {
            lookup.page().exactly_named(&artifact.filename)
        }
    } else if let Some(sha) = &locked_sha {
        lookup.release.hashed("sha256", sha)
    } else if let [hash] = others.as_slice() {
        lookup.release.hashed(&hash.algorithm, &hash.digest)
    } else {
        // Neither filename nor hash: nothing can be looked up, and the file must still be
        // accounted for (a package never loses an artifact silently).
        return settled(
            ProvenanceStatus::unavailable(UnavailableCause::no_filename_nor_hash(
                names.project,
                names.version,
            )),
            others,
        );
    };
    let candidates = match found {
        Found::TooMany(count) => {
            let (file, subject) = match (&locked_sha, others.first()) {
                _ if named => (Some(artifact.filename.as_str()), Subject::File),
                (Some(sha), _) => (None, Subject::Sha256(sha.clone())),
                (None, Some(hash)) => (None, Subject::Hash(hash.clone())),
                (None, None) => (None, Subject::OneFile),
            };
            return settled(too_many(file, subject, count), others);
        }
        Found::Entries(entries) if entries.is_empty() => {
            return not_found(lookup, artifact, locked_sha.as_deref(), others, names);
        }
        Found::Entries(entries) => entries,
    };

    // A locked hash picks among the entries; the rest must agree.
    let selected: Vec<&IndexFile> = if let Some(sha) = &locked_sha {
        let exact: Vec<&IndexFile> = candidates
            .iter()
            .copied()
            .filter(|f| f.sha256.as_deref() == Some(sha))
            .collect();
        if !exact.is_empty() {
            exact
        } else {
            // The index gives no sha256 for these: the locked one binds the provenance.
            let unhashed: Vec<&IndexFile> = candidates
                .iter()
                .copied()
                .filter(|f| f.sha256.is_none())
                .collect();
            if unhashed.is_empty() {
                let served: BTreeSet<&str> = candidates
                    .iter()
                    .filter_map(|f| f.sha256.as_deref())
                    .collect();
                let served = served
                    .iter()
                    .map(|s| format!("`{s}`"))
                    .collect::<Vec<_>>()
                    .join(", ");
                return settled(
                    ProvenanceStatus::Invalid {
                        reason: InvalidReason::IndexHashMismatch,
                        detail: format!(
                            "the lockfile pins sha256 `{sha}` for `{}` but the index serves {served}",
                            shown_name(artifact, candidates[0])
                        ),
                    },
                    others,
                );
            }
            unhashed
        }
    } else if !others.is_empty() {
        let bound: Vec<&IndexFile> = candidates
            .iter()
            .copied()
            .filter(|f| {
                others
                    .iter()
                    .any(|h| f.hashes.get(&h.algorithm) == Some(&h.digest))
            })
            .collect();
        if bound.is_empty() {
            candidates
        } else {
            bound
        }
    } else {
        candidates
    };

    if !agree(&selected) {
        let pinned = if locked_sha.is_some() || !others.is_empty() {
            Pinned::HashesDoNotPick
        } else {
            Pinned::NoHash
        };
        let cause = UnavailableCause::ambiguous(
            Some(shown_name(artifact, selected[0])),
            disagreement(&selected, pinned),
        );
        return settled(ProvenanceStatus::unavailable(cause), others);
    }
    let file = selected[0];

    // Every other locked hash must be one the index lists for this very file.
    let mut unbound = Vec::new();
    let mut bound_any = false;
    for hash in others {
        match file.hashes.get(&hash.algorithm) {
            Some(listed) if *listed == hash.digest => bound_any = true,
            Some(listed) => {
                return settled(
                    ProvenanceStatus::Invalid {
                        reason: InvalidReason::IndexHashMismatch,
                        detail: format!(
                            "the lockfile pins {} `{}` for `{}` but the index lists `{listed}`",
                            hash.algorithm,
                            hash.digest,
                            shown_name(artifact, file)
                        ),
                    },
                    vec![hash],
                );
            }
            None => unbound.push(hash),
        }
    }
    Slot::Examine(Target {
        filename: if named {
            artifact.filename.clone()
        } else {
            file.filename.clone()
        },
        sha256: locked_sha.or_else(|| file.sha256.clone()),
        // A locked digest of any algorithm that the index binds to this file pins it.
        locked_hash: artifact.sha256.is_some() || bound_any,
        unbound_hashes: unbound,
        foreign_url: super::urls::foreign_url(artifact.url.as_ref(), file),
        file,
    })
}

fn shown_name<'a>(artifact: &'a Artifact, file: &'a IndexFile) -> &'a str {
    if artifact.filename.is_empty() {
        &file.filename
    } else {
        &artifact.filename
    }
}

/// The status of an artifact no entry of the release matches.
fn not_found<'a>(
    lookup: &Lookup<'_>,
    artifact: &Artifact,
    locked_sha: Option<&str>,
    others: Vec<LockedHash>,
    names: &Names<'_>,
) -> Slot<'a> {
    let elsewhere = || match lookup.page().named(&artifact.filename) {
        Found::TooMany(_) => true,
        Found::Entries(entries) => !entries.is_empty(),
    };
    let status = if lookup.release.files.is_empty() {
        missing_release(names)
    } else if artifact.filename.is_empty() {
        match locked_sha {
            Some(sha) => ProvenanceStatus::Invalid {
                reason: InvalidReason::NotOnIndex,
                detail: format!(
                    "no file of `{}` {} on `{}` has the locked sha256 `{sha}`",
                    names.project, names.version, names.index
                ),
            },
            // Only other hashes, none of which the index lists for a file of the release:
            // nothing was examined for them (they are reported as unbound).
            None => ProvenanceStatus::NotApplicable,
        }
    } else if elsewhere() {
        // The file exists, but as part of another release (or project): its provenance
        // says nothing about the locked one.
        ProvenanceStatus::Invalid {
            reason: InvalidReason::NotOnIndex,
            detail: format!(
                "`{}` is not a file of `{}` {} on `{}`: the lockfile names a file of another release",
                artifact.filename, names.project, names.version, names.index
            ),
        }
    } else {
        ProvenanceStatus::Invalid {
            reason: InvalidReason::NotOnIndex,
            detail: format!(
                "the index `{}` does not list `{}`",
                names.index, artifact.filename
            ),
        }
    };
    Slot::Settled(ArtifactEvidence {
        filename: crate::evidence::named(&artifact.filename),
        sha256: locked_sha
            .map(str::to_string)
            .or_else(|| artifact.sha256.clone()),
        locked_hash: artifact.sha256.is_some(),
        unbound_hashes: others,
        foreign_url: None,
        provenance: status,
        yanked: None,
    })
}
