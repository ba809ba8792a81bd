//! When a project started publishing with attestations, and whether a file came after.
//!
//! "After" is judged by upload time where the index gives both times, and by version order
//! otherwise: a token upload of a new version, of a late wheel into an attested release, or
//! of a post-release of an old version all come after the first attested upload. A file
//! whose version is not PEP 440 counts as after (it is reported rather than missed).

use std::cmp::Ordering;

use super::evidence::{FileEvidence, ProjectListing, ReleaseEvidence};

/// The project's first attested upload, and what later files are compared with.
#[derive(Debug, Clone, Copy)]
pub struct Adoption<'a> {
    /// The release holding the first attested file (by upload time, else version).
    pub first: &'a ReleaseEvidence,
    /// That file's upload time, when the index gives it.
    pub first_uploaded: Option<jiff::Timestamp>,
    /// The earliest upload time of any attested file whose time is known.
    earliest: Option<jiff::Timestamp>,
    /// The lowest release holding an attested file whose upload time is unknown.
    lowest_undated: Option<&'a ReleaseEvidence>,
    /// The lowest release holding any attested file.
    lowest: &'a ReleaseEvidence,
}

impl ProjectListing {
    /// When the project adopted attestations, if any file it lists is attested (the page
    /// links provenance for it, or its provenance verified).
    pub fn adoption(&self) -> Option<Adoption<'_>> {
        let mut first: Option<(&ReleaseEvidence, Option<jiff::Timestamp>)> = None;
        let mut earliest: Option<jiff::Timestamp> = None;
        let mut lowest_undated: Option<&ReleaseEvidence> = None;
        let mut lowest: Option<&ReleaseEvidence> = None;
        for release in &self.releases {
            for file in release.files.iter().filter(|f| f.attested()) {
                // Releases come in version order, so the first seen is the lowest.
                lowest.get_or_insert(release);
                match file.uploaded {
                    Some(at) => earliest = Some(earliest.map_or(at, |e| e.min(at))),
                    None => {
                        lowest_undated.get_or_insert(release);
                    }
                }
                let better = match first {
                    None => true,
                    Some((_, current)) => match (file.uploaded, current) {
                        (Some(at), Some(current)) => at < current,
                        (Some(_), None) => true,
                        _ => false,
                    },
                };
                if better {
                    first = Some((release, file.uploaded));
                }
            }
        }
        let (first, first_uploaded) = first?;
        Some(Adoption {
            first,
            first_uploaded,
            earliest,
            lowest_undated,
            lowest: lowest?,
        })
    }
}

impl Adoption<'_> {
    /// Whether `file` of `release` was uploaded after the project's first attested upload.
    pub fn precedes(&self, release: &ReleaseEvidence, file: &FileEvidence) -> bool {
        let lower = |r: &ReleaseEvidence| r.version_cmp(release) == Ordering::Less;
        match file.uploaded {
            Some(at) => {
                self.earliest.is_some_and(|earliest| earliest < at)
                    || self.lowest_undated.is_some_and(lower)
            }
            None => lower(self.lowest),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::evidence::Listed;
    use super::*;

    fn file(name: &str, at: Option<&str>, listed: Listed) -> FileEvidence {
        FileEvidence {
            filename: name.into(),
            sha256: None,
            uploaded: at.map(|t| t.parse().unwrap()),
            yanked: false,
            listed,
            provenance: None,
        }
    }

    fn release(version: &str, files: Vec<FileEvidence>) -> ReleaseEvidence {
        ReleaseEvidence {
            version: version.into(),
            parsed: version.parse().ok(),
            examined: false,
            files,
        }
    }

    #[test]
    fn later_uploads_and_later_versions_come_after_adoption() {
        let listing = ProjectListing {
            api_version: "1.4".into(),
            releases: vec![
                release(
                    "1.0",
                    vec![file(
                        "a-1.0.tar.gz",
                        Some("2024-01-01T00:00:00Z"),
                        Listed::None,
                    )],
                ),
                // A backport uploaded after adoption, with a lower version.
                release(
                    "1.0.post1",
                    vec![file(
                        "a-1.0.post1.tar.gz",
                        Some("2025-03-01T00:00:00Z"),
                        Listed::None,
                    )],
                ),
                release(
                    "2.0",
                    vec![
                        file("a-2.0.tar.gz", Some("2025-01-01T00:00:00Z"), Listed::Linked),
                        // A wheel added to the attested release later.
                        file(
                            "a-2.0-py3-none-any.whl",
                            Some("2025-02-01T00:00:00Z"),
                            Listed::None,
                        ),
                    ],
                ),
                release("3.0", vec![file("a-3.0.tar.gz", None, Listed::None)]),
                release("x!y", vec![file("a-x!y.tar.gz", None, Listed::None)]),
            ],
        };
        let adoption = listing.adoption().unwrap();
        assert_eq!(adoption.first.version, "2.0");
        let after = |r: usize, f: usize| {
            let release = &listing.releases[r];
            adoption.precedes(release, &release.files[f])
        };
        assert!(!after(0, 0), "uploaded before adoption");
        assert!(after(1, 0), "uploaded after adoption, whatever its version");
        assert!(!after(2, 0), "the first attested file itself");
        assert!(after(2, 1), "a late file in the attested release");
        assert!(after(3, 0), "undated, a higher version");
        assert!(after(4, 0), "undated, not PEP 440: counted as after");

        let never = ProjectListing {
            api_version: "1.4".into(),
            releases: vec![release(
                "1.0",
                vec![file("a-1.0.tar.gz", None, Listed::None)],
            )],
        };
        assert!(never.adoption().is_none());
    }
}
