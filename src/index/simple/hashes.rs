//! The hashes an index lists for one file, from every place an installer reads them: the
//! PEP 691 `hashes` object and the `#<alg>=<hex>` URL fragment (pip also reads `&<alg>=`
//! anywhere in the URL; uv reads the percent-decoded fragment). Two different values for
//! one algorithm make the entry contradict itself: which file the installer checks
//! against cannot be known.

use super::scan::{count, find_either, percent_decode};

/// The most hash algorithms kept for one file (indexes list one to three).
pub(super) const MAX_HASHES: usize = 16;

/// Algorithm names looked for in URLs (pip's and uv's, and `hashlib`'s other SHA-2, SHA-3
/// and BLAKE2 names, which a lockfile may carry).
const URL_ALGORITHMS: [&str; 12] = [
    "sha512", "sha384", "sha256", "sha224", "sha1", "md5", "blake2b", "blake2s", "sha3_224",
    "sha3_256", "sha3_384", "sha3_512",
];

/// The hashes listed for one file, by algorithm (lowercase), in algorithm order. At most
/// [`MAX_HASHES`] entries, so a sorted vector rather than a map: a page of thousands of
/// files keeps one of these per file, and a map node costs about half a KiB.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHashes(Vec<(String, String)>);

impl FileHashes {
    pub fn get(&self, algorithm: &str) -> Option<&String> {
        self.position(algorithm).ok().map(|i| &self.0[i].1)
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// `(algorithm, digest)` in algorithm order.
    pub fn iter(&self) -> impl Iterator<Item = (&String, &String)> {
        self.0.iter().map(|(algorithm, digest)| (algorithm, digest))
    }

    fn position(&self, algorithm: &str) -> Result<usize, usize> {
        self.0
            .binary_search_by(|(known, _)| known.as_str().cmp(algorithm))
    }

    fn insert(&mut self, algorithm: String, digest: String) {
        match self.position(&algorithm) {
            Ok(i) => self.0[i].1 = digest,
            Err(i) => self.0.insert(i, (algorithm, digest)),
        }
    }

    /// Drops spare capacity: what is kept is kept for the page's lifetime.
    pub(crate) fn shrink(mut self) -> FileHashes {
        self.0.shrink_to_fit();
        self
    }
}

impl<'a> IntoIterator for &'a FileHashes {
    type Item = (&'a String, &'a String);
    type IntoIter = std::iter::Map<
        std::slice::Iter<'a, (String, String)>,
        fn(&'a (String, String)) -> (&'a String, &'a String),
    >;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(algorithm, digest)| (algorithm, digest))
    }
}

/// Hashes being collected for one file.
#[derive(Debug, Default)]
pub(super) struct HashSet {
    pub hashes: FileHashes,
    /// Why the listed hashes contradict each other, when they do.
    pub conflict: Option<String>,
}

impl HashSet {
    /// Adds `value` for `algorithm` (lowercased). Values that are not hex digits are
    /// ignored, as for a missing hash: they can never equal a real digest.
    pub(super) fn add(&mut self, algorithm: &str, value: &str, filename: &str) {
        count(algorithm.len() + value.len());
        let algorithm = algorithm.trim().to_ascii_lowercase();
        let value = value.trim();
        let valid_name = !algorithm.is_empty()
            && algorithm.len() <= 32
            && algorithm
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_');
        let valid_value =
            !value.is_empty() && value.len() <= 256 && value.bytes().all(|b| b.is_ascii_hexdigit());
        if !valid_name || !valid_value {
            return;
        }
        let value = value.to_ascii_lowercase();
        match self.hashes.get(&algorithm) {
            Some(existing) if *existing != value => {
                self.conflict.get_or_insert_with(|| {
                    format!(
                        "the index lists two {algorithm} digests for `{filename}` (`{existing}` and `{value}`)"
                    )
                });
            }
            Some(_) => {}
            None if self.hashes.len() >= MAX_HASHES => {
                self.conflict.get_or_insert_with(|| {
                    format!("the index lists more than {MAX_HASHES} hashes for `{filename}`")
                });
            }
            None => {
                self.hashes.insert(algorithm, value);
            }
        }
    }

    /// Adds every `<alg>=<value>` a URL carries where an installer would read one.
    pub(super) fn add_from_url(&mut self, url: &str, filename: &str) {
        self.scan(url, filename);
        if let Some((_, fragment)) = url.split_once('#') {
            let decoded = percent_decode(fragment);
            if decoded != fragment {
                self.scan(&format!("#{decoded}"), filename);
            }
        }
    }

    /// pip's rule, `[#&](alg)=([^&]*)` anywhere in the URL, every occurrence (pip uses the
    /// first, uv the fragment: collecting all of them is the union of what either reads).
    fn scan(&mut self, url: &str, filename: &str) {
        let bytes = url.as_bytes();
        let mut at = 0;
        while let Some(mark) = find_either(bytes, at, b'#', b'&') {
            at = mark + 1;
            let rest = &url[at..];
            for algorithm in URL_ALGORITHMS {
                count(algorithm.len() + 1);
                let Some(value) = rest
                    .strip_prefix(algorithm)
                    .and_then(|r| r.strip_prefix('='))
                else {
                    continue;
                };
                // pip reads up to the next `&` (a `#…` tail then never matches); the value
                // is cut at `#` too, so a fragment after it is read on its own.
                let end = value.find(['&', '#']).unwrap_or(value.len());
                count(end);
                self.add(algorithm, &value[..end], filename);
                at += algorithm.len() + 1 + end;
                break;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn collect(url: &str) -> HashSet {
        let mut set = HashSet::default();
        set.add_from_url(url, "f");
        set
    }

    #[test]
    fn reads_fragments_and_query_hashes_like_pip_and_uv() {
        let a = "ab".repeat(32);
        let b = "cd".repeat(64);
        let set = collect(&format!("https://h/f.tar.gz#sha256={a}"));
        assert_eq!(set.hashes.get("sha256"), Some(&a));
        assert_eq!(set.conflict, None);
        let set = collect(&format!("https://h/f.tar.gz?x=1&sha512={b}#sha256={a}"));
        assert_eq!(set.hashes.len(), 2);
        let set = collect(&format!("https://h/f.tar.gz#%73ha256={a}"));
        assert_eq!(
            set.hashes.get("sha256"),
            Some(&a),
            "uv decodes the fragment"
        );
        let set = collect("https://h/f.tar.gz#egg=f&md5=zz");
        assert!(set.hashes.is_empty(), "not hex: ignored");
    }

    #[test]
    fn two_values_for_one_algorithm_contradict() {
        let a = "ab".repeat(32);
        let c = "ef".repeat(32);
        let set = collect(&format!(
            "https://h/f.tar.gz?sha256={c}&sha256={c}#sha256={a}"
        ));
        assert!(set.conflict.unwrap().contains("two sha256"));
        let mut set = HashSet::default();
        set.add("SHA256", &a.to_uppercase(), "f");
        set.add("sha256", &a, "f");
        assert_eq!(set.conflict, None, "case is not a difference");
    }
}
