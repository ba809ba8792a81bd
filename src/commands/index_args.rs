//! Turns the shared `IndexArgs` flags into `pubgate::index::IndexOptions`, and finds
//! lockfiles in the current directory when none are named.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context};
use pubgate::index::{cache, IndexOptions};
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

use crate::cli::IndexArgs;

/// The options every index-asking command runs with.
pub(crate) fn index_options(args: &IndexArgs) -> anyhow::Result<IndexOptions> {
    let trust_root = match &args.trusted_root {
        Some(path) => TrustRoot::from_file(path)?,
        None => TrustRoot::production()?,
    };
    let mut options = IndexOptions::new(trust_root);
    let index = SecretUrl::new(args.index_url.trim());
    match pubgate::index::client::split_credentials(index.expose()) {
        Ok((url, _)) if matches!(url.scheme(), "http" | "https") && url.host_str().is_some() => {}
        Ok(_) => {
            bail!("--index-url `{index}` must be an http(s) URL, e.g. `https://pypi.org/simple`")
        }
        Err(message) => bail!("--index-url: {message}"),
    }
    options.index_url = index;
    options.offline = args.offline;
    if let Some(dir) = &args.provenance_dir {
        if !dir.is_dir() {
            bail!(
                "--provenance-dir `{}` is not a directory (write one with `pubgate fetch --into {}`)",
                dir.display(),
                dir.display()
            );
        }
        options.provenance_dir = Some(dir.clone());
    }
    options.cache_dir = if args.no_cache {
        None
    } else {
        args.cache_dir.clone().or_else(cache::default_dir)
    };
    options.http.concurrency = usize::from(args.concurrency);
    options.http.request_timeout = Duration::from_secs(args.timeout);
    // Retries and queueing share one budget for the whole run.
    options.http.overall_timeout = Duration::from_secs((args.timeout * 10).clamp(30, 900));
    Ok(options)
}

/// File names `pubgate` recognizes as lockfiles, for commands run without paths.
fn is_lockfile_name(name: &str) -> bool {
    matches!(
        name,
        "uv.lock" | "poetry.lock" | "Pipfile.lock" | "pdm.lock" | "pylock.toml"
    ) || (name.starts_with("pylock.") && name.ends_with(".toml"))
        || (name.starts_with("requirements") && name.ends_with(".txt"))
}

/// The lockfiles in `dir`, sorted by name.
pub(crate) fn find_lockfiles(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut found: Vec<PathBuf> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot list `{}`", dir.display()))?
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter(|e| is_lockfile_name(&e.file_name().to_string_lossy()))
        .map(|e| e.path())
        .collect();
    found.sort();
    if found.is_empty() {
        bail!(
            "no lockfile in `{}` (looked for uv.lock, poetry.lock, pylock.toml, Pipfile.lock, pdm.lock, requirements*.txt); name one on the command line",
            dir.display()
        );
    }
    Ok(found)
}
