//! Which locked files a run examines: every one (the default), or — opt-in, with
//! `--python` and `--platform` — only those an installer could pick on one of the given
//! targets. Sdists always count (an installer builds one when no wheel fits), and so does
//! any file whose name this module cannot read: when in doubt, a file is examined.
//!
//! Wheel tags are matched the way pip's `packaging.tags` lists the tags a CPython
//! interpreter supports: `py3`/`py3X` (X up to the target minor), `cp3X` with `abi3` (X up
//! to the minor) or with the target's own ABI, `none`/`any`; manylinux and musllinux up to
//! the target's glibc/musl version (with the legacy `manylinux1`/`2010`/`2014` aliases
//! and plain `linux_<arch>`), macOS up to the target's version with the universal
//! architectures, Windows by exact tag.

use crate::dist::DistFilename;

/// A CPython version, `3.12`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct PythonVersion {
    pub major: u32,
    pub minor: u32,
}

impl std::str::FromStr for PythonVersion {
    type Err = String;
    fn from_str(text: &str) -> Result<PythonVersion, String> {
        let bad =
            || format!("`{text}` is not a Python version: give major.minor, e.g. `--python 3.12`");
        let (major, minor) = text.trim().split_once('.').ok_or_else(bad)?;
        let version = PythonVersion {
            major: major.parse().map_err(|_| bad())?,
            minor: minor.parse().map_err(|_| bad())?,
        };
        if version.major != 3 {
            return Err(format!(
                "`{text}`: only CPython 3 targets are supported (wheels for Python 2 are never picked)"
            ));
        }
        Ok(version)
    }
}

impl std::fmt::Display for PythonVersion {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// A target platform, as a wheel platform tag (`manylinux_2_28_x86_64`, `macosx_14_0_arm64`,
/// `win_amd64`, `musllinux_1_2_aarch64`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Platform(Tag);

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tag {
    /// glibc Linux: `manylinux_X_Y_arch` (legacy aliases read as their glibc version).
    Manylinux {
        glibc: (u32, u32),
        arch: String,
    },
    Musllinux {
        musl: (u32, u32),
        arch: String,
    },
    /// `linux_arch`.
    Linux {
        arch: String,
    },
    Macos {
        version: (u32, u32),
        arch: String,
    },
    /// Anything else (Windows, other systems): matched exactly.
    Exact(String),
}

impl std::str::FromStr for Platform {
    type Err = String;
    fn from_str(text: &str) -> Result<Platform, String> {
        let tag = text.trim().to_ascii_lowercase();
        if tag.is_empty()
            || tag == "any"
            || !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        {
            return Err(format!(
                "`{text}` is not a platform tag: give one like `manylinux_2_28_x86_64`, `musllinux_1_2_aarch64`, `macosx_14_0_arm64` or `win_amd64`"
            ));
        }
        let parsed = parse_tag(&tag);
        if let Tag::Exact(t) = &parsed {
            if t.starts_with("manylinux") || t.starts_with("musllinux") || t.starts_with("macosx") {
                return Err(format!(
                    "`{text}` is not a platform tag pubgate can read: give e.g. `manylinux_2_28_x86_64` or `macosx_14_0_arm64`"
                ));
            }
        }
        Ok(Platform(parsed))
    }
}

impl std::fmt::Display for Platform {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.0 {
            Tag::Manylinux { glibc, arch } => write!(f, "manylinux_{}_{}_{arch}", glibc.0, glibc.1),
            Tag::Musllinux { musl, arch } => write!(f, "musllinux_{}_{}_{arch}", musl.0, musl.1),
            Tag::Linux { arch } => write!(f, "linux_{arch}"),
            Tag::Macos { version, arch } => write!(f, "macosx_{}_{}_{arch}", version.0, version.1),
            Tag::Exact(tag) => f.write_str(tag),
        }
    }
}

/// Splits `prefix_X_Y_arch` into the version and the arch (which may contain `_`).
fn versioned(rest: &str) -> Option<((u32, u32), &str)> {
    let mut parts = rest.splitn(3, '_');
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    let arch = parts.next().filter(|a| !a.is_empty())?;
    Some(((major, minor), arch))
}

fn parse_tag(tag: &str) -> Tag {
    let legacy = [
        ("manylinux1_", (2, 5)),
        ("manylinux2010_", (2, 12)),
        ("manylinux2014_", (2, 17)),
    ];
    for (prefix, glibc) in legacy {
        if let Some(arch) = tag.strip_prefix(prefix).filter(|a| !a.is_empty()) {
            return Tag::Manylinux {
                glibc,
                arch: arch.to_string(),
            };
        }
    }
    if let Some((glibc, arch)) = tag.strip_prefix("manylinux_").and_then(versioned) {
        return Tag::Manylinux {
            glibc,
            arch: arch.to_string(),
        };
    }
    if let Some((musl, arch)) = tag.strip_prefix("musllinux_").and_then(versioned) {
        return Tag::Musllinux {
            musl,
            arch: arch.to_string(),
        };
    }
    if let Some((version, arch)) = tag.strip_prefix("macosx_").and_then(versioned) {
        return Tag::Macos {
            version,
            arch: arch.to_string(),
        };
    }
    if let Some(arch) = tag.strip_prefix("linux_").filter(|a| !a.is_empty()) {
        return Tag::Linux {
            arch: arch.to_string(),
        };
    }
    Tag::Exact(tag.to_string())
}

/// The macOS architectures a wheel's (possibly universal) architecture runs on.
fn macos_arches(arch: &str) -> &'static [&'static str] {
    match arch {
        "universal2" => &["arm64", "x86_64"],
        "universal" => &["x86_64", "i386", "ppc64", "ppc"],
        "intel" => &["x86_64", "i386"],
        "fat64" => &["x86_64", "ppc64"],
        "fat3" => &["x86_64", "i386", "ppc"],
        "fat32" => &["i386", "ppc"],
        "x86_64" => &["x86_64"],
        "arm64" => &["arm64"],
        "i386" => &["i386"],
        "ppc64" => &["ppc64"],
        "ppc" => &["ppc"],
        _ => &[],
    }
}

impl Platform {
    /// Whether a wheel's platform tag installs on this platform.
    fn admits(&self, wheel: &str) -> bool {
        if wheel == "any" {
            return true;
        }
        match (&self.0, parse_tag(wheel)) {
            (Tag::Manylinux { glibc, arch }, Tag::Manylinux { glibc: g, arch: a }) => {
                a == *arch && g <= *glibc
            }
            (Tag::Musllinux { musl, arch }, Tag::Musllinux { musl: m, arch: a }) => {
                a == *arch && m <= *musl
            }
            (
                Tag::Manylinux { arch, .. } | Tag::Musllinux { arch, .. } | Tag::Linux { arch },
                Tag::Linux { arch: a },
            ) => a == *arch,
            (
                Tag::Macos { version, arch },
                Tag::Macos {
                    version: v,
                    arch: a,
                },
            ) => v <= *version && macos_arches(&a).contains(&arch.as_str()),
            (target, file) => target == &file,
        }
    }
}

/// Which locked files to examine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArtifactScope {
    /// The CPython version files must install on; `None`: any.
    pub python: Option<PythonVersion>,
    /// The platforms (any one of them) files must install on; empty: any.
    pub platforms: Vec<Platform>,
}

impl ArtifactScope {
    /// Every locked file: the default.
    pub fn everything(&self) -> bool {
        self.python.is_none() && self.platforms.is_empty()
    }

    /// `Python 3.12 on manylinux_2_28_x86_64 or win_amd64`, for messages.
    pub fn describe(&self) -> String {
        let python = self
            .python
            .map(|p| format!("Python {p}"))
            .unwrap_or_else(|| "any Python".into());
        if self.platforms.is_empty() {
            return python;
        }
        let platforms: Vec<String> = self.platforms.iter().map(ToString::to_string).collect();
        format!("{python} on {}", platforms.join(" or "))
    }

    /// Whether an installer could pick the file `filename` on one of the targets. Sdists,
    /// files that are not wheels and names that do not parse are always examined.
    pub fn admits(&self, filename: &str) -> bool {
        if self.everything() {
            return true;
        }
        let Ok(DistFilename::Wheel { tags, .. }) = DistFilename::parse(filename) else {
            return true;
        };
        tags.iter().any(|(python, abi, platform)| {
            self.python
                .is_none_or(|target| python_admits(target, python, abi))
                && (self.platforms.is_empty() || self.platforms.iter().any(|p| p.admits(platform)))
        })
    }
}

/// `cp312` → (3, 12); `cp3` → (3, None); `py3` → (3, None).
fn version_tag(tag: &str, prefix: &str) -> Option<(u32, Option<u32>)> {
    let digits = tag.strip_prefix(prefix)?;
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let major = digits[..1].parse().ok()?;
    let minor = if digits.len() > 1 {
        Some(digits[1..].parse().ok()?)
    } else {
        None
    };
    Some((major, minor))
}

/// Whether CPython `target` takes a wheel tagged (`python`, `abi`).
fn python_admits(target: PythonVersion, python: &str, abi: &str) -> bool {
    let minor_at_most = |minor: Option<u32>| minor.is_none_or(|m| m <= target.minor);
    if let Some((major, minor)) = version_tag(python, "py") {
        // Generic Python: any ABI-free build up to the target minor.
        return major == target.major && minor_at_most(minor) && abi == "none";
    }
    if let Some((major, minor)) = version_tag(python, "cp") {
        if major != target.major {
            return false;
        }
        return match abi {
            "abi3" => minor_at_most(minor),
            "none" => minor == Some(target.minor),
            // The interpreter's own ABI: `cp312`, and the old `cp37m`/`cp27mu` flags. A
            // free-threaded (`t`) or debug (`d`) build is another interpreter.
            abi => {
                let own = abi
                    .strip_prefix("cp")
                    .map(|rest| rest.trim_end_matches(['m', 'u']))
                    .and_then(|rest| version_tag(&format!("cp{rest}"), "cp"));
                minor == Some(target.minor) && own == Some((target.major, Some(target.minor)))
            }
        };
    }
    // Another implementation (PyPy, IronPython, GraalPy) is not CPython. A tag of an
    // unknown form: examined.
    !["pp", "ip", "graalpy", "jy"]
        .iter()
        .any(|other| python.starts_with(other))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scope(python: Option<&str>, platforms: &[&str]) -> ArtifactScope {
        ArtifactScope {
            python: python.map(|p| p.parse().unwrap()),
            platforms: platforms.iter().map(|p| p.parse().unwrap()).collect(),
        }
    }

    #[test]
    fn the_default_examines_everything() {
        let all = ArtifactScope::default();
        assert!(all.everything());
        assert!(all.admits("x-1.0-cp39-cp39-win32.whl"));
    }

    #[test]
    fn sdists_and_unreadable_names_are_always_examined() {
        let s = scope(Some("3.12"), &["win_amd64"]);
        assert!(s.admits("x-1.0.tar.gz"));
        assert!(s.admits("x-1.0.zip"));
        assert!(s.admits("x-1.0.win32.exe"));
        assert!(s.admits("not a wheel.whl"));
    }

    #[test]
    fn python_tags_match_like_pip_on_cpython() {
        let s = scope(Some("3.12"), &[]);
        for admitted in [
            "x-1-py3-none-any.whl",
            "x-1-py2.py3-none-any.whl",
            "x-1-py312-none-any.whl",
            "x-1-py38-none-any.whl",
            "x-1-cp312-cp312-manylinux_2_17_x86_64.whl",
            "x-1-cp38-abi3-manylinux_2_17_x86_64.whl",
            "x-1-cp312-none-any.whl",
            "x-1-cp311.cp312-cp311.cp312-win_amd64.whl",
        ] {
            assert!(s.admits(admitted), "{admitted}");
        }
        for refused in [
            "x-1-py2-none-any.whl",
            "x-1-py313-none-any.whl",
            "x-1-cp311-cp311-manylinux_2_17_x86_64.whl",
            "x-1-cp313-abi3-manylinux_2_17_x86_64.whl",
            "x-1-cp312-cp312t-manylinux_2_17_x86_64.whl",
            "x-1-pp310-pypy310_pp73-manylinux_2_17_x86_64.whl",
            "x-1-cp37-cp37m-win_amd64.whl",
        ] {
            assert!(!s.admits(refused), "{refused}");
        }
        assert!(scope(Some("3.7"), &[]).admits("x-1-cp37-cp37m-win_amd64.whl"));
    }

    #[test]
    fn platform_tags_match_like_pip() {
        let linux = scope(None, &["manylinux_2_28_x86_64"]);
        for admitted in [
            "x-1-py3-none-any.whl",
            "x-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "x-1-cp312-cp312-manylinux1_x86_64.whl",
            "x-1-cp312-cp312-manylinux_2_28_x86_64.whl",
            "x-1-cp312-cp312-linux_x86_64.whl",
        ] {
            assert!(linux.admits(admitted), "{admitted}");
        }
        for refused in [
            "x-1-cp312-cp312-manylinux_2_34_x86_64.whl",
            "x-1-cp312-cp312-manylinux_2_17_aarch64.whl",
            "x-1-cp312-cp312-musllinux_1_1_x86_64.whl",
            "x-1-cp312-cp312-win_amd64.whl",
            "x-1-cp312-cp312-macosx_11_0_arm64.whl",
        ] {
            assert!(!linux.admits(refused), "{refused}");
        }
        let mac = scope(None, &["macosx_14_0_arm64"]);
        assert!(mac.admits("x-1-cp312-cp312-macosx_11_0_arm64.whl"));
        assert!(mac.admits("x-1-cp312-cp312-macosx_10_9_universal2.whl"));
        assert!(!mac.admits("x-1-cp312-cp312-macosx_10_9_x86_64.whl"));
        assert!(!mac.admits("x-1-cp312-cp312-macosx_15_0_arm64.whl"));
        let both = scope(Some("3.12"), &["win_amd64", "musllinux_1_2_aarch64"]);
        assert!(both.admits("x-1-cp312-cp312-win_amd64.whl"));
        assert!(both.admits("x-1-cp312-cp312-musllinux_1_1_aarch64.whl"));
        assert!(!both.admits("x-1-cp312-cp312-win32.whl"));
        assert!(!both.admits("x-1-cp311-cp311-win_amd64.whl"));
        assert_eq!(
            both.describe(),
            "Python 3.12 on win_amd64 or musllinux_1_2_aarch64"
        );
    }

    #[test]
    fn targets_are_parsed_strictly() {
        assert!("3".parse::<PythonVersion>().is_err());
        assert!("2.7".parse::<PythonVersion>().is_err());
        assert!("any".parse::<Platform>().is_err());
        assert!("manylinux_x_y".parse::<Platform>().is_err());
        assert!("win amd64".parse::<Platform>().is_err());
        assert_eq!(
            "manylinux2014_x86_64"
                .parse::<Platform>()
                .unwrap()
                .to_string(),
            "manylinux_2_17_x86_64"
        );
    }
}
