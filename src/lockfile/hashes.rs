//! Locked hashes, checked the way each installer reads them. An installer takes a file when
//! *any* of its accepted hashes matches, so every accepted hash is recorded: sha256 in
//! [`Artifact::sha256`](super::Artifact), every other algorithm in `other_hashes`. Which
//! algorithms each installer accepts (and where in its source that is decided) is listed
//! in `docs/lockfiles.md`.

use super::LockedHash;

/// The algorithms an installer accepts for a locked file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Accepted {
    /// pip's `--hash` (`STRONG_HASHES` in `pip/_internal/utils/hashes.py`); pipenv hands
    /// Pipfile.lock hashes to pip as `--hash`, so they are read the same way.
    PipOption,
    /// uv's `HashAlgorithm` (`uv-pypi-types/src/simple_json.rs`): uv refuses a uv.lock
    /// naming any other.
    Uv,
    /// Any `hashlib` algorithm: poetry (`get_file_hash` → `hashlib.new`), pdm
    /// (`convert_hashes`, checked by `hashlib.new`), pylock `hashes` tables.
    Hashlib,
}

/// A checked, lowercased digest.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Digest {
    Sha256(String),
    Other(LockedHash),
}

impl Digest {
    /// `(sha256, other_hashes)` of an artifact locked with this one digest.
    pub(super) fn into_fields(self) -> (Option<String>, Vec<LockedHash>) {
        match self {
            Digest::Sha256(sha256) => (Some(sha256), Vec::new()),
            Digest::Other(other) => (None, vec![other]),
        }
    }
}

/// The `hashlib` algorithms an installer may be asked for, with the hex length of their
/// digest (`None`: variable, the `shake` family). Names outside this list are refused
/// rather than guessed: pubgate could not say which file they admit.
const HASHLIB: &[(&str, Option<&[usize]>)] = &[
    ("md5", Some(&[32])),
    ("sha1", Some(&[40])),
    ("sha224", Some(&[56])),
    ("sha256", Some(&[64])),
    ("sha384", Some(&[96])),
    ("sha512", Some(&[128])),
    ("sha512_224", Some(&[56])),
    ("sha512_256", Some(&[64])),
    ("sha3_224", Some(&[56])),
    ("sha3_256", Some(&[64])),
    ("sha3_384", Some(&[96])),
    ("sha3_512", Some(&[128])),
    // hashlib's blake2b is 64 bytes; PyPI publishes a 32-byte `blake2b_256`, which uv's
    // `blake2b` reads
    ("blake2b", Some(&[128, 64])),
    ("blake2s", Some(&[64])),
    ("ripemd160", Some(&[40])),
    ("sm3", Some(&[64])),
    ("md5-sha1", Some(&[72])),
    ("shake_128", None),
    ("shake_256", None),
];

const PIP_OPTION: [&str; 3] = ["sha256", "sha384", "sha512"];
const UV: [&str; 5] = ["md5", "sha256", "sha384", "sha512", "blake2b"];

/// Checks `algorithm` (as written) and `digest` for an installer. `Err` says why, for a
/// message that names the file and line.
pub(super) fn check(algorithm: &str, digest: &str, accepted: Accepted) -> Result<Digest, String> {
    let name = match accepted {
        // pip and uv compare the name exactly
        Accepted::PipOption | Accepted::Uv => algorithm.to_string(),
        // hashlib.new() takes any case
        Accepted::Hashlib => algorithm.to_ascii_lowercase(),
    };
    let allowed: &[&str] = match accepted {
        Accepted::PipOption => &PIP_OPTION,
        Accepted::Uv => &UV,
        Accepted::Hashlib => &[],
    };
    let known = HASHLIB.iter().find(|(known, _)| *known == name);
    let Some((_, lengths)) = known.filter(|_| allowed.is_empty() || allowed.contains(&&*name))
    else {
        let list = if allowed.is_empty() {
            HASHLIB
                .iter()
                .map(|(name, _)| *name)
                .collect::<Vec<_>>()
                .join(", ")
        } else {
            allowed.join(", ")
        };
        return Err(format!(
            "hash algorithm `{algorithm}` is not one the installer checks ({list})"
        ));
    };
    let hex = digest.bytes().all(|b| b.is_ascii_hexdigit());
    let length_ok = match lengths {
        Some(lengths) => lengths.contains(&digest.len()),
        None => !digest.is_empty() && digest.len().is_multiple_of(2),
    };
    if !hex || !length_ok {
        let expected = match lengths {
            Some(lengths) => lengths
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
            None => "an even number of".to_string(),
        };
        return Err(format!(
            "{name} `{digest}` is not {expected} hexadecimal digits"
        ));
    }
    let digest = digest.to_ascii_lowercase();
    Ok(if name == "sha256" {
        Digest::Sha256(digest)
    } else {
        Digest::Other(LockedHash {
            algorithm: name,
            digest,
        })
    })
}

/// `ALGORITHM:HEX`, the form every lockfile but pylock uses.
pub(super) fn check_colon(hash: &str, accepted: Accepted) -> Result<Digest, String> {
    match hash.split_once(':') {
        Some((algorithm, digest)) => check(algorithm, digest, accepted),
        None => Err(format!(
            "hash `{hash}` is not `ALGORITHM:HEX` (e.g. `sha256:…`)"
        )),
    }
}

/// The algorithms pip reads from a link's URL (`_SUPPORTED_HASHES` in
/// `pip/_internal/models/link.py`), in the order its pattern tries them.
const PIP_LINK: [&str; 6] = ["sha512", "sha384", "sha256", "sha224", "sha1", "md5"];

/// The hash pip takes from a requirement's URL: the first `[#&](ALGORITHM)=([^&]*)` anywhere
/// in it (query included; later ones are ignored, as `LinkHash.find_hash_url_fragment` does).
/// `Ok(None)` when there is none; `Err` when the digest is malformed.
pub(super) fn pip_link_hash(url: &str) -> Result<Option<Digest>, String> {
    let bytes = url.as_bytes();
    for at in memchr::memchr2_iter(b'#', b'&', bytes) {
        let rest = &url[at + 1..];
        let Some(name) = PIP_LINK.iter().find(|name| {
            rest.strip_prefix(**name)
                .is_some_and(|after| after.starts_with('='))
        }) else {
            continue;
        };
        let value = &rest[name.len() + 1..];
        let value = &value[..value.find('&').unwrap_or(value.len())];
        return check(name, value, Accepted::Hashlib).map(Some);
    }
    Ok(None)
}

/// The artifacts for `digests` of one file (or of no known file, `filename` empty): one per
/// digest, since the installer takes a file matching any one of them.
pub(super) fn artifacts(
    filename: &str,
    url: Option<&crate::url::SecretUrl>,
    digests: impl IntoIterator<Item = Digest>,
) -> Vec<super::Artifact> {
    let mut out: Vec<super::Artifact> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for digest in digests {
        let (sha256, other_hashes) = digest.into_fields();
        let artifact = super::Artifact {
            filename: filename.to_string(),
            sha256,
            other_hashes,
            url: url.cloned(),
        };
        if seen.insert(artifact.clone()) {
            out.push(artifact);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn other(algorithm: &str, digest: &str) -> Digest {
        Digest::Other(LockedHash {
            algorithm: algorithm.into(),
            digest: digest.into(),
        })
    }

    #[test]
    fn algorithms_per_installer() {
        let sha512 = "A".repeat(128);
        assert_eq!(
            check("sha512", &sha512, Accepted::PipOption).unwrap(),
            other("sha512", &"a".repeat(128))
        );
        assert!(check("md5", &"a".repeat(32), Accepted::PipOption).is_err());
        assert!(check("SHA256", &"a".repeat(64), Accepted::PipOption).is_err());
        assert!(check("blake2b", &"a".repeat(64), Accepted::Uv).is_ok());
        assert!(check("sha1", &"a".repeat(40), Accepted::Uv).is_err());
        assert_eq!(
            check("SHA3_256", &"b".repeat(64), Accepted::Hashlib).unwrap(),
            other("sha3_256", &"b".repeat(64))
        );
        assert!(check("whirlpool", "ab", Accepted::Hashlib).is_err());
        assert!(check("shake_128", "abcd", Accepted::Hashlib).is_ok());
        assert!(check("shake_128", "abc", Accepted::Hashlib).is_err());
    }

    #[test]
    fn malformed_digests_are_errors() {
        assert!(check("sha384", &"a".repeat(95), Accepted::PipOption).is_err());
        assert!(check("sha384", &"g".repeat(96), Accepted::PipOption).is_err());
        assert_eq!(
            check("sha256", &"C".repeat(64), Accepted::Uv).unwrap(),
            Digest::Sha256("c".repeat(64))
        );
        assert!(check_colon("sha256=abc", Accepted::Hashlib).is_err());
    }

    #[test]
    fn pip_reads_the_first_hash_anywhere_in_a_link() {
        let md5 = "a".repeat(32);
        let sha256 = "b".repeat(64);
        assert_eq!(
            pip_link_hash(&format!("https://h/x.whl#md5={md5}&sha256={sha256}")).unwrap(),
            Some(other("md5", &md5))
        );
        assert_eq!(
            pip_link_hash(&format!("https://h/x.whl?a=1&sha1={}", "c".repeat(40))).unwrap(),
            Some(other("sha1", &"c".repeat(40)))
        );
        // the digest runs to the next `&`, a `#` included: it matches no file
        assert!(pip_link_hash(&format!("https://h/x?a=1&sha1={}#egg=x", "c".repeat(40))).is_err());
        assert_eq!(
            pip_link_hash(&format!("https://h/x.whl#egg=x&sha256={sha256}")).unwrap(),
            Some(Digest::Sha256(sha256.clone()))
        );
        assert_eq!(pip_link_hash("https://h/x.whl#sha256x=1").unwrap(), None);
        assert_eq!(pip_link_hash("https://h/x.whl#sha3_256=1").unwrap(), None);
        assert!(pip_link_hash("https://h/x.whl#sha512=zz").is_err());
    }
}
