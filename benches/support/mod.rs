//! What the evidence benchmarks share: their knobs from the environment, the peak memory of
//! the measuring child process, and the index options a measured run starts from.

use std::path::{Path, PathBuf};

use pubgate::index::IndexOptions;
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

/// A number from the environment, or `default`.
pub fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Peak resident set size of this process (VmHWM), in KiB.
pub fn peak_rss_kib() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|status| {
            let line = status
                .lines()
                .find(|l| l.starts_with("VmHWM:"))?
                .to_string();
            line.split_whitespace().nth(1)?.parse().ok()
        })
        .unwrap_or(0)
}

/// A measured run's options: the fake index, a cache directory, the trust root (the
/// production one when `root_file` is empty) and the request concurrency.
pub fn child_options(
    index_url: &str,
    cache: &str,
    root_file: &str,
    concurrency: &str,
) -> IndexOptions {
    let trust_root = if root_file.is_empty() {
        TrustRoot::production().expect("trust root")
    } else {
        TrustRoot::from_file(Path::new(root_file)).expect("trust root")
    };
    let mut options = IndexOptions::new(trust_root);
    options.index_url = SecretUrl::new(index_url);
    options.cache_dir = Some(PathBuf::from(cache));
    options.http.concurrency = concurrency.parse().expect("concurrency");
    options
}
