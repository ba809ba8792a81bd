//! The on-disk cache: provenance objects, and nothing else.
//!
//! Whoever can write the cache directory (a shared runner, a CI cache restored from another
//! workflow) controls every byte in it, and a digest in an envelope is no signature. So the
//! cache holds only what is checked again on every use: provenance bytes, which are
//! verified on every run like an answer from the network (they are self-authenticating).
//! Project pages, "no such project" and "no provenance" answers, and verification results
//! are never cached: each of them could make a file look better than its bytes do.
//!
//! Every entry is one file, written atomically (temporary file + rename), holding a
//! one-line JSON header (kind, key, length, sha256 of the body) and the body. An entry
//! whose header, key or digest does not check out is deleted and treated as a miss, so a
//! corrupt entry costs a re-fetch and nothing else. The layout and threat model are in
//! `docs/index-and-cache.md`.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first line of every entry.
const MAGIC: &[u8] = b"pubgate-cache-entry 2\n";
/// The layout version: bump it to abandon every older entry. `v1` also held project pages,
/// negative answers and verification results, which a writer of the directory could forge.
pub const LAYOUT: &str = "v2";
/// Where provenance entries live under the layout directory.
const PROVENANCE_DIR: &str = "provenance";
/// The only kind of entry.
const KIND: &str = "provenance";
/// Makes temporary file names unique within the process (the pid separates processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
/// Largest header accepted.
const MAX_HEADER: usize = 4096;

/// A cached provenance object, as the index served it with status 200.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub content_type: String,
    pub body: Bytes,
}

#[derive(Serialize, Deserialize)]
struct Header {
    kind: String,
    key: String,
    /// Where the entry came from, credentials removed (for people browsing the cache).
    label: String,
    /// Unix seconds when it was stored: for people browsing the cache; nothing depends on it.
    stored_at: u64,
    content_type: String,
    len: usize,
    sha256: String,
}

/// An open cache directory.
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
    /// Largest body read back.
    limit: usize,
}

/// The default cache directory: `$XDG_CACHE_HOME/pubgate`, else `~/.cache/pubgate`.
pub fn default_dir() -> Option<PathBuf> {
    let xdg = std::env::var_os("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute());
    let base = xdg.or_else(|| {
        std::env::var_os("HOME")
            .map(PathBuf::from)
            .filter(|p| p.is_absolute())
            .map(|home| home.join(".cache"))
    })?;
    Some(base.join("pubgate"))
}

/// Seconds since the Unix epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// A cache key: lowercase hex sha256 over the parts, each length-prefixed so that no two
/// different part lists collide.
pub fn key(parts: &[&str]) -> String {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update((part.len() as u64).to_le_bytes());
        hasher.update(part.as_bytes());
    }
    hex::encode(hasher.finalize())
}

impl Cache {
    /// Opens (creating if needed) the cache rooted at `dir`; bodies larger than `limit`
    /// bytes are never read back.
    pub fn open(dir: &Path, limit: usize) -> std::io::Result<Cache> {
        fs::create_dir_all(dir.join(LAYOUT))?;
        let tag = dir.join("CACHEDIR.TAG");
        if !tag.exists() {
            // Tells backup tools this directory is a cache. Best effort.
            let _ = fs::write(
                &tag,
                "Signature: 8a477f597d28d172789f06886806bc55\n# This file is a cache directory tag created by pubgate.\n",
            );
        }
        Ok(Cache {
            root: dir.to_path_buf(),
            limit,
        })
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry for `key` lives.
    pub fn path(&self, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root
            .join(LAYOUT)
            .join(PROVENANCE_DIR)
            .join(shard)
            .join(key)
    }

    /// Reads an entry. A missing entry is `None`; a damaged one is deleted and `None`. Only
    /// a regular file inside the cache is read, and only up to the limit: the directory may
    /// hold a FIFO, a device or a symlink planted by whoever else can write it.
    pub fn read(&self, key: &str) -> Option<Entry> {
        let path = self.path(key);
        let limit = (MAGIC.len() + MAX_HEADER + 1 + self.limit) as u64;
        let bytes = match crate::input::read(&path, &self.root, limit) {
            Ok(bytes) => Bytes::from(bytes),
            Err(crate::input::InputError::Io(e)) if e.kind() == std::io::ErrorKind::NotFound => {
                return None
            }
            Err(_) => {
                let _ = fs::remove_file(&path);
                return None;
            }
        };
        match decode(bytes, key).filter(|e| e.body.len() <= self.limit) {
            Some(entry) => Some(entry),
            None => {
                // Corrupt, truncated, or renamed from another key: drop it and re-fetch.
                let _ = fs::remove_file(&path);
                None
            }
        }
    }

    /// Stores an entry atomically. Failures are ignored: the cache is an optimization and a
    /// read-only or full disk must not fail the run.
    pub fn write(&self, key: &str, label: &str, entry: &Entry) {
        let _ = self.try_write(key, label, entry);
    }

    fn try_write(&self, key: &str, label: &str, entry: &Entry) -> std::io::Result<()> {
        let path = self.path(key);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        // A directory swapped for a symlink would carry the write out of the cache.
        let root = fs::canonicalize(&self.root)?;
        if !fs::canonicalize(dir)?.starts_with(&root) {
            return Err(std::io::Error::other("the cache directory leads outside"));
        }
        let header = Header {
            kind: KIND.to_string(),
            key: key.to_string(),
            label: label.to_string(),
            stored_at: now(),
            content_type: entry.content_type.clone(),
            len: entry.body.len(),
            sha256: hex::encode(Sha256::digest(&entry.body)),
        };
        let header = serde_json::to_vec(&header).map_err(std::io::Error::other)?;
        write_atomic(&path, |file| {
            file.write_all(MAGIC)?;
            file.write_all(&header)?;
            file.write_all(b"\n")?;
            file.write_all(&entry.body)
        })
    }
}

/// Writes `path` through a uniquely named temporary file in the same directory and a
/// rename, so readers (and a second pubgate process) see either nothing or a whole file.
pub(crate) fn write_atomic(
    path: &Path,
    fill: impl FnOnce(&mut fs::File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let tmp = path.with_file_name(format!(
        ".{name}.tmp.{}.{}",
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    let result = (|| {
        // `create_new` never follows a symlink planted under the temporary name.
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        fill(&mut file)?;
        file.flush()?;
        drop(file);
        fs::rename(&tmp, path)
    })();
    if result.is_err() {
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// The entry in `bytes` (the body is shared with them, not copied), if it checks out.
fn decode(bytes: Bytes, key: &str) -> Option<Entry> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let newline = rest.iter().take(MAX_HEADER).position(|&b| b == b'\n')?;
    let header: Header = serde_json::from_slice(&rest[..newline]).ok()?;
    let body_start = MAGIC.len() + newline + 1;
    let body = bytes.slice(body_start..);
    if header.kind != KIND || header.key != key || header.len != body.len() {
        return None;
    }
    if hex::encode(Sha256::digest(&body)) != header.sha256 {
        return None;
    }
    Some(Entry {
        content_type: header.content_type,
        body,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &[u8]) -> Entry {
        Entry {
            content_type: "application/json".into(),
            body: Bytes::copy_from_slice(body),
        }
    }

    fn open(dir: &Path) -> Cache {
        Cache::open(dir, 1024).unwrap()
    }

    #[test]
    fn round_trips_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let k = key(&["provenance", "https://example/integrity/a"]);
        assert_eq!(cache.read(&k), None);
        cache.write(
            &k,
            "https://example/integrity/a",
            &entry(b"{\"version\":1}"),
        );
        let got = cache.read(&k).unwrap();
        assert_eq!(&got.body[..], b"{\"version\":1}");
        assert!(dir.path().join("CACHEDIR.TAG").exists());
        assert!(cache.path(&k).starts_with(dir.path().join("v2/provenance")));
    }

    #[test]
    fn corrupt_entries_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let k = key(&["x"]);
        cache.write(&k, "label", &entry(b"{\"version\":1}"));
        let path = cache.path(&k);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.read(&k), None);
        assert!(!path.exists(), "a corrupt entry is deleted");

        // Truncated.
        cache.write(&k, "label", &entry(b"{\"version\":1}"));
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(cache.read(&k), None);

        // An entry copied under another key.
        let other = key(&["y"]);
        cache.write(&k, "label", &entry(b"{}"));
        fs::create_dir_all(cache.path(&other).parent().unwrap()).unwrap();
        fs::copy(&path, cache.path(&other)).unwrap();
        assert_eq!(cache.read(&other), None);
        assert!(cache.read(&k).is_some());

        // Garbage.
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(cache.read(&k), None);

        // Over the limit.
        cache.write(&k, "label", &entry(&[b' '; 4096]));
        assert_eq!(cache.read(&k), None);
    }

    #[test]
    fn a_first_layout_entry_is_never_read() {
        let dir = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let k = key(&["x"]);
        cache.write(&k, "label", &entry(b"{}"));
        let path = cache.path(&k);
        let text = fs::read(&path).unwrap();
        let old = [b"pubgate-cache-entry 1\n".as_slice(), &text[MAGIC.len()..]].concat();
        fs::write(&path, old).unwrap();
        assert_eq!(cache.read(&k), None);
    }

    #[cfg(unix)]
    #[test]
    fn special_files_and_symlinks_out_of_the_cache_are_not_read() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let k = key(&["x"]);
        // A whole entry, but outside the cache, reached through a symlink.
        let elsewhere = open(outside.path());
        elsewhere.write(&k, "label", &entry(b"{}"));
        fs::create_dir_all(cache.path(&k).parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(elsewhere.path(&k), cache.path(&k)).unwrap();
        assert_eq!(cache.read(&k), None);
        // A FIFO would block a plain read forever.
        let fifo = key(&["fifo"]);
        fs::create_dir_all(cache.path(&fifo).parent().unwrap()).unwrap();
        let status = std::process::Command::new("mkfifo")
            .arg(cache.path(&fifo))
            .status();
        if status.is_ok_and(|s| s.success()) {
            assert_eq!(cache.read(&fifo), None);
        }
    }

    #[cfg(unix)]
    #[test]
    fn writes_never_leave_the_cache_through_a_symlinked_directory() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let cache = open(dir.path());
        let k = key(&["x"]);
        let shard = cache.path(&k).parent().unwrap().to_path_buf();
        fs::create_dir_all(shard.parent().unwrap()).unwrap();
        std::os::unix::fs::symlink(outside.path(), &shard).unwrap();
        cache.write(&k, "label", &entry(b"{}"));
        assert_eq!(fs::read_dir(outside.path()).unwrap().count(), 0);
    }

    #[test]
    fn keys_are_unambiguous() {
        assert_ne!(key(&["ab", "c"]), key(&["a", "bc"]));
        assert_eq!(key(&["a"]).len(), 64);
    }

    #[test]
    fn concurrent_writers_leave_a_whole_entry() {
        let dir = tempfile::tempdir().unwrap();
        let k = key(&["race"]);
        let handles: Vec<_> = (0..8)
            .map(|i| {
                let root = dir.path().to_path_buf();
                let k = k.clone();
                std::thread::spawn(move || {
                    let cache = open(&root);
                    for _ in 0..50 {
                        cache.write(&k, "l", &entry(format!("body {i}").as_bytes()));
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let cache = open(dir.path());
        let got = cache.read(&k).unwrap();
        assert!(got.body.starts_with(b"body "));
        let leftovers: Vec<_> = fs::read_dir(cache.path(&k).parent().unwrap())
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .contains(".tmp.")
            })
            .collect();
        assert!(leftovers.is_empty());
    }
}
