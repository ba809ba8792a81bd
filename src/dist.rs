//! Python distribution names: PEP 503 project names and sdist/wheel filenames.
//!
//! Filenames are compared the way pypi-attestations compares them: both sides parsed,
//! names normalized, versions compared as PEP 440 versions, wheel tags as a set.

use std::collections::BTreeSet;
use std::str::FromStr;

use pep440_rs::Version;

/// A project name in its PEP 503 form (`Django_Rest.Framework` is `django-rest-framework`).
/// Built only by normalizing, so code holding one never compares spellings: a policy entry
/// for `foo-bar` cannot be slipped past by `Foo.Bar`. An editable requirement whose name
/// only a build would tell has the empty name.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PackageName(String);

impl PackageName {
    /// Normalizes `raw` (PEP 503).
    pub fn new(raw: &str) -> PackageName {
        PackageName(normalize_name(raw))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<&str> for PackageName {
    fn from(raw: &str) -> PackageName {
        PackageName::new(raw)
    }
}

impl From<String> for PackageName {
    fn from(raw: String) -> PackageName {
        PackageName::new(&raw)
    }
}

impl std::ops::Deref for PackageName {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

impl std::borrow::Borrow<str> for PackageName {
    fn borrow(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for PackageName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl PartialEq<str> for PackageName {
    fn eq(&self, other: &str) -> bool {
        self.0 == other
    }
}

impl PartialEq<String> for PackageName {
    fn eq(&self, other: &String) -> bool {
        &self.0 == other
    }
}

impl PartialEq<&str> for PackageName {
    fn eq(&self, other: &&str) -> bool {
        self.0 == *other
    }
}

impl serde::Serialize for PackageName {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.0)
    }
}

/// PEP 503 normalization: lowercase, runs of `-`, `_`, `.` become one `-`.
pub fn normalize_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_separator = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            in_separator = true;
            continue;
        }
        if in_separator && !out.is_empty() {
            out.push('-');
        }
        in_separator = false;
        out.extend(c.to_lowercase());
    }
    out
}

/// Whether `name` is a valid PEP 508 project name (ASCII letters, digits, `-_.`,
/// starting and ending with a letter or digit).
pub fn is_valid_name(name: &str) -> bool {
    let bytes = name.as_bytes();
    match (bytes.first(), bytes.last()) {
        (Some(first), Some(last))
            if first.is_ascii_alphanumeric() && last.is_ascii_alphanumeric() =>
        {
            bytes
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        }
        _ => false,
    }
}

/// The most tags one wheel filename may expand to (real wheels carry a handful).
pub const MAX_WHEEL_TAGS: usize = 1024;

/// One wheel tag triple, e.g. (`cp310`, `cp310`, `manylinux2014_x86_64`).
pub type WheelTag = (String, String, String);

/// A parsed distribution filename.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistFilename {
    Sdist {
        name: String,
        version: Version,
    },
    Wheel {
        name: String,
        version: Version,
        build: Option<(u64, String)>,
        tags: BTreeSet<WheelTag>,
    },
}

/// Why a filename is not a distribution filename.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{filename}` is not a valid sdist or wheel filename: {why}")]
pub struct DistFilenameError {
    pub filename: String,
    pub why: &'static str,
}

impl DistFilename {
    /// Parses a wheel (`.whl`) or sdist (`.tar.gz`, `.zip`) filename as `packaging.utils` does.
    pub fn parse(filename: &str) -> Result<Self, DistFilenameError> {
        let err = |why| DistFilenameError {
            filename: filename.to_string(),
            why,
        };
        if let Some(stem) = filename.strip_suffix(".whl") {
            let parts: Vec<&str> = stem.split('-').collect();
            if parts.len() != 5 && parts.len() != 6 {
                return Err(err("a wheel name has 5 or 6 dash-separated parts"));
            }
            let name = parts[0];
            if !is_valid_name(name) || name.contains("--") {
                return Err(err("invalid project name"));
            }
            let version = Version::from_str(parts[1]).map_err(|_| err("invalid version"))?;
            let build = if parts.len() == 6 {
                let tag = parts[2];
                let digits: String = tag.chars().take_while(|c| c.is_ascii_digit()).collect();
                if digits.is_empty() {
                    return Err(err("build tag must start with a digit"));
                }
                let number = digits
                    .parse::<u64>()
                    .map_err(|_| err("build number too large"))?;
                Some((number, tag[digits.len()..].to_string()))
            } else {
                None
            };
            let n = parts.len();
            // The tag set is a product of the three compressed tag sets: bound it before
            // expanding, so a hostile name of many dots cannot cost its length cubed.
            let product = parts[n - 3..]
                .iter()
                .map(|part| part.split('.').count())
                .try_fold(1usize, |acc, count| acc.checked_mul(count))
                .filter(|&count| count <= MAX_WHEEL_TAGS);
            if product.is_none() {
                return Err(err("too many wheel tags"));
            }
            let mut tags = BTreeSet::new();
            for py in parts[n - 3].split('.') {
                for abi in parts[n - 2].split('.') {
                    for platform in parts[n - 1].split('.') {
                        if py.is_empty() || abi.is_empty() || platform.is_empty() {
                            return Err(err("empty wheel tag"));
                        }
                        tags.insert((
                            py.to_ascii_lowercase(),
                            abi.to_ascii_lowercase(),
                            platform.to_ascii_lowercase(),
                        ));
                    }
                }
            }
            return Ok(DistFilename::Wheel {
                name: normalize_name(name),
                version,
                build,
                tags,
            });
        }
        let stem = filename
            .strip_suffix(".tar.gz")
            .or_else(|| filename.strip_suffix(".zip"))
            .ok_or_else(|| err("expected .whl, .tar.gz or .zip"))?;
        let (name, version) = stem
            .rsplit_once('-')
            .ok_or_else(|| err("missing version"))?;
        if !is_valid_name(name) {
            return Err(err("invalid project name"));
        }
        let version = Version::from_str(version).map_err(|_| err("invalid version"))?;
        Ok(DistFilename::Sdist {
            name: normalize_name(name),
            version,
        })
    }

    /// The normalized project name.
    pub fn name(&self) -> &str {
        match self {
            DistFilename::Sdist { name, .. } | DistFilename::Wheel { name, .. } => name,
        }
    }

    /// The version.
    pub fn version(&self) -> &Version {
        match self {
            DistFilename::Sdist { version, .. } | DistFilename::Wheel { version, .. } => version,
        }
    }
}

/// Whether two distribution filenames name the same file after parsing both.
pub fn same_distribution(a: &str, b: &str) -> bool {
    match (DistFilename::parse(a), DistFilename::parse(b)) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_names() {
        assert_eq!(normalize_name("Jinja2"), "jinja2");
        assert_eq!(normalize_name("zope.interface"), "zope-interface");
        assert_eq!(normalize_name("ruamel.yaml.clib"), "ruamel-yaml-clib");
        assert_eq!(normalize_name("a__-.b"), "a-b");
    }

    #[test]
    fn sdist_names_match_after_normalization() {
        assert!(same_distribution(
            "pypi_attestations-0.0.19.tar.gz",
            "PyPI_Attestations-0.0.19.tar.gz"
        ));
        assert!(same_distribution(
            "pypi_attestations-0.0.19.tar.gz",
            "pypi-attestations-0.0.19.tar.gz"
        ));
        assert!(!same_distribution(
            "pypi_attestations-0.0.19.tar.gz",
            "pypi_attestations-0.0.20.tar.gz"
        ));
        assert!(same_distribution("pkg-1.0.tar.gz", "pkg-1.0.0.tar.gz"));
    }

    #[test]
    fn wheel_tags_compare_as_sets() {
        assert!(same_distribution(
            "spt3g-1.0-cp310-cp310-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "spt3g-1.0-cp310-cp310-manylinux2014_x86_64.manylinux_2_17_x86_64.whl"
        ));
        assert!(!same_distribution(
            "spt3g-1.0-cp310-cp310-manylinux2014_x86_64.whl",
            "spt3g-1.0-cp311-cp311-manylinux2014_x86_64.whl"
        ));
    }

    #[test]
    fn wheel_tag_sets_are_bounded() {
        let dots = ".x".repeat(20);
        let name = format!("a-1.0-py3{dots}-none{dots}-any{dots}.whl");
        assert!(DistFilename::parse(&name).is_err(), "21^3 tags");
        assert!(DistFilename::parse("a-1.0-py2.py3-none-any.whl").is_ok());
    }

    #[test]
    fn rejects_non_distributions() {
        assert!(DistFilename::parse("pkg-1.0.exe").is_err());
        assert!(DistFilename::parse("pkg.tar.gz").is_err());
        assert!(DistFilename::parse("pkg-1.0-py3.whl").is_err());
        assert!(DistFilename::parse("-1.0.tar.gz").is_err());
    }
}
