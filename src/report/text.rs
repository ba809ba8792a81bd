//! Text helpers shared by the renderers: sanitizing hostile text, locations, publishers.

use std::collections::BTreeMap;

use crate::evidence::{PackageEvidence, ProvenanceStatus};
use crate::lockfile::Location;
use crate::policy::{describe, PublisherIdentity};

/// Replaces control characters (escape sequences, CR, LF, …) with visible escapes, so a
/// hostile name or message cannot rewrite a terminal or split a line.
pub fn sanitize(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// `1 file`, `2 files`.
pub fn plural(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

/// `path:line`.
pub fn location(location: &Location) -> String {
    format!("{}:{}", location.path.display(), location.line)
}

/// A lockfile path as shown.
pub fn path(path: &std::path::Path) -> String {
    path.display().to_string()
}

/// `name==version` (or `name` when the version is unknown).
pub fn package_spec(package: &PackageEvidence) -> String {
    match &package.package.version {
        Some(v) => format!("{}=={v}", package.package.name),
        None => package.package.name.clone(),
    }
}

/// Who published a package's files: each distinct verified publisher with its file count,
/// then the files without verified provenance by status. E.g.
/// `GitHub `psf/requests` workflow `publish.yml` (2 of 2 files)`.
pub fn publishers(package: &PackageEvidence) -> String {
    let total = package.artifacts.len();
    let mut verified: BTreeMap<PublisherIdentity, (String, usize)> = BTreeMap::new();
    let mut others: BTreeMap<&'static str, usize> = BTreeMap::new();
    for artifact in &package.artifacts {
        match &artifact.provenance {
            ProvenanceStatus::Verified(v) => {
                verified
                    .entry(PublisherIdentity::of(&v.publisher))
                    .or_insert_with(|| (describe(&v.publisher), 0))
                    .1 += 1;
            }
            status => *others.entry(status.slug()).or_default() += 1,
        }
    }
    let of_total = |n: usize| {
        if total == 1 {
            "the only file".to_string()
        } else {
            format!("{n} of {total} files")
        }
    };
    let mut parts: Vec<String> = verified
        .into_values()
        .map(|(who, n)| format!("{who} ({})", of_total(n)))
        .collect();
    for (status, n) in others {
        let what = match status {
            "absent" => "no provenance",
            "invalid" => "invalid provenance",
            "unavailable" => "provenance unavailable",
            _ => "not applicable",
        };
        parts.push(format!("{what} ({})", of_total(n)));
    }
    if parts.is_empty() {
        return format!("no files locked ({} source)", package.package.source.kind());
    }
    parts.join("; ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitizes_control_characters() {
        assert_eq!(sanitize("a\x1b[2Jb\nc\rd"), "a\\u{1b}[2Jb\\nc\\rd");
        assert_eq!(sanitize("plain `text` ü"), "plain `text` ü");
    }
}
