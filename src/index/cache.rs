//! The on-disk cache: project pages (short TTL), provenance objects (kept indefinitely),
//! and verification results keyed by the provenance bytes, the trust root and the tool
//! version.
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

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The first line of every entry.
const MAGIC: &[u8] = b"pubgate-cache-entry 1\n";
/// The layout version: bump it to abandon every older entry.
const LAYOUT: &str = "v1";
/// Makes temporary file names unique within the process (the pid separates processes).
static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);
/// Largest header accepted.
const MAX_HEADER: usize = 4096;

/// What an entry holds; each kind lives in its own directory.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EntryKind {
    Page,
    Provenance,
    Verification,
}

impl EntryKind {
    fn dir(self) -> &'static str {
        match self {
            EntryKind::Page => "pages",
            EntryKind::Provenance => "provenance",
            EntryKind::Verification => "verified",
        }
    }
}

/// A cached response or result.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub status: u16,
    pub content_type: String,
    pub body: Vec<u8>,
    /// Unix seconds when it was stored.
    pub stored_at: u64,
}

#[derive(Serialize, Deserialize)]
struct Header {
    kind: EntryKind,
    key: String,
    /// Where the entry came from, credentials removed (for people browsing the cache).
    label: String,
    stored_at: u64,
    status: u16,
    content_type: String,
    len: usize,
    sha256: String,
}

/// An open cache directory.
#[derive(Debug)]
pub struct Cache {
    root: PathBuf,
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
    /// Opens (creating if needed) the cache rooted at `dir`.
    pub fn open(dir: &Path) -> std::io::Result<Cache> {
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
        })
    }

    /// The cache's root directory.
    pub fn root(&self) -> &Path {
        &self.root
    }

    /// Where the entry for (`kind`, `key`) lives.
    pub fn path(&self, kind: EntryKind, key: &str) -> PathBuf {
        let shard = key.get(..2).unwrap_or("00");
        self.root
            .join(LAYOUT)
            .join(kind.dir())
            .join(shard)
            .join(key)
    }

    /// Reads an entry. A missing entry is `None`; a damaged one is deleted and `None`.
    pub fn read(&self, kind: EntryKind, key: &str) -> Option<Entry> {
        let path = self.path(kind, key);
        let bytes = fs::read(&path).ok()?;
        match decode(&bytes, kind, key) {
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
    pub fn write(&self, kind: EntryKind, key: &str, label: &str, entry: &Entry) {
        let _ = self.try_write(kind, key, label, entry);
    }

    fn try_write(
        &self,
        kind: EntryKind,
        key: &str,
        label: &str,
        entry: &Entry,
    ) -> std::io::Result<()> {
        let path = self.path(kind, key);
        let dir = path.parent().unwrap_or(&self.root);
        fs::create_dir_all(dir)?;
        let header = Header {
            kind,
            key: key.to_string(),
            label: label.to_string(),
            stored_at: entry.stored_at,
            status: entry.status,
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
        let mut file = fs::File::create(&tmp)?;
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

fn decode(bytes: &[u8], kind: EntryKind, key: &str) -> Option<Entry> {
    let rest = bytes.strip_prefix(MAGIC)?;
    let newline = rest.iter().take(MAX_HEADER).position(|&b| b == b'\n')?;
    let header: Header = serde_json::from_slice(&rest[..newline]).ok()?;
    let body = &rest[newline + 1..];
    if header.kind != kind || header.key != key || header.len != body.len() {
        return None;
    }
    if hex::encode(Sha256::digest(body)) != header.sha256 {
        return None;
    }
    // An entry from the future is a clock jump or a forgery; either way, do not trust its age.
    if header.stored_at > now() + 300 {
        return None;
    }
    Some(Entry {
        status: header.status,
        content_type: header.content_type,
        body: body.to_vec(),
        stored_at: header.stored_at,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(body: &[u8]) -> Entry {
        Entry {
            status: 200,
            content_type: "application/json".into(),
            body: body.to_vec(),
            stored_at: now(),
        }
    }

    #[test]
    fn round_trips_entries() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key(&["page", "https://example/simple/a/"]);
        assert_eq!(cache.read(EntryKind::Page, &k), None);
        cache.write(
            EntryKind::Page,
            &k,
            "https://example/simple/a/",
            &entry(b"{\"files\":[]}"),
        );
        let got = cache.read(EntryKind::Page, &k).unwrap();
        assert_eq!(got.body, b"{\"files\":[]}");
        assert_eq!(got.status, 200);
        // The same key under another kind is a different entry.
        assert_eq!(cache.read(EntryKind::Provenance, &k), None);
        assert!(dir.path().join("CACHEDIR.TAG").exists());
    }

    #[test]
    fn corrupt_entries_are_discarded() {
        let dir = tempfile::tempdir().unwrap();
        let cache = Cache::open(dir.path()).unwrap();
        let k = key(&["x"]);
        cache.write(
            EntryKind::Provenance,
            &k,
            "label",
            &entry(b"{\"version\":1}"),
        );
        let path = cache.path(EntryKind::Provenance, &k);
        let mut bytes = fs::read(&path).unwrap();
        let last = bytes.len() - 2;
        bytes[last] ^= 0x01;
        fs::write(&path, &bytes).unwrap();
        assert_eq!(cache.read(EntryKind::Provenance, &k), None);
        assert!(!path.exists(), "a corrupt entry is deleted");

        // Truncated.
        cache.write(
            EntryKind::Provenance,
            &k,
            "label",
            &entry(b"{\"version\":1}"),
        );
        let bytes = fs::read(&path).unwrap();
        fs::write(&path, &bytes[..bytes.len() - 3]).unwrap();
        assert_eq!(cache.read(EntryKind::Provenance, &k), None);

        // An entry copied under another key.
        let other = key(&["y"]);
        cache.write(EntryKind::Provenance, &k, "label", &entry(b"{}"));
        fs::create_dir_all(cache.path(EntryKind::Provenance, &other).parent().unwrap()).unwrap();
        fs::copy(&path, cache.path(EntryKind::Provenance, &other)).unwrap();
        assert_eq!(cache.read(EntryKind::Provenance, &other), None);
        assert!(cache.read(EntryKind::Provenance, &k).is_some());

        // Garbage.
        fs::write(&path, b"garbage").unwrap();
        assert_eq!(cache.read(EntryKind::Provenance, &k), None);
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
                    let cache = Cache::open(&root).unwrap();
                    for _ in 0..50 {
                        cache.write(
                            EntryKind::Page,
                            &k,
                            "l",
                            &entry(format!("body {i}").as_bytes()),
                        );
                    }
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap();
        }
        let cache = Cache::open(dir.path()).unwrap();
        let got = cache.read(EntryKind::Page, &k).unwrap();
        assert!(got.body.starts_with(b"body "));
        let leftovers: Vec<_> = fs::read_dir(cache.path(EntryKind::Page, &k).parent().unwrap())
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
