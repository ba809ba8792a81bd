//! Turns the shared `IndexArgs` flags into `pubgate::index::IndexOptions`, and finds
//! lockfiles in the current directory when none are named (`check`, `fetch`).

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::bail;
use pubgate::index::{cache, network, IndexOptions};
use pubgate::url::SecretUrl;
use pubgate::verify::TrustRoot;

use crate::cli::IndexArgs;

/// The options every index-asking command runs with.
#[allow(
    clippy::print_stderr,
    reason = "notes on which index the environment chose: diagnostics, on stderr"
)]
pub(crate) fn index_options(args: &IndexArgs) -> anyhow::Result<IndexOptions> {
    let trust_root = match &args.trusted_root {
        Some(path) => TrustRoot::from_file(path)?,
        None => TrustRoot::production()?,
    };
    let mut options = IndexOptions::new(trust_root);
    if let Some(index) = &args.index_url {
        options.index_url = http_url("--index-url", index)?;
    }
    for note in network::apply_environment(&mut options, args.index_url.is_some(), &|name| {
        std::env::var(name).ok()
    })? {
        eprintln!("note: {note}");
    }
    if let Some(index) = &args.provenance_index {
        options.provenance_index = Some(http_url("--provenance-index", index)?);
    }
    for mirror in &args.mirrors {
        options.mirrors.push(http_url("--mirror", mirror)?);
    }
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
    if let Some(mib) = args.max_page_size {
        options.page_limit = mib as usize * 1024 * 1024;
    }
    options.scope = pubgate::index::scope::ArtifactScope {
        python: args.python,
        platforms: args.platform.clone(),
    };
    // One budget for the whole gathering: requests with their retries and queueing, page
    // parsing and verification.
    let deadline = Duration::from_secs(
        args.deadline
            .unwrap_or_else(|| (args.timeout * 10).clamp(30, 900)),
    );
    options.deadline = deadline;
    options.http.overall_timeout = deadline;
    if args.verbose {
        options.http.log = Some(pubgate::index::log::RequestLog::stderr());
    }
    Ok(options)
}

/// The policy's `[sources]` mirrors (added to `--mirror`) and provenance index (unless
/// `--provenance-index` named one).
pub(crate) fn apply_policy_sources(options: &mut IndexOptions, sources: &pubgate::policy::Sources) {
    if options.provenance_index.is_none() {
        options.provenance_index = sources
            .provenance_index
            .as_ref()
            .map(|s| SecretUrl::new(s.text.clone()));
    }
    options.mirrors.extend(
        sources
            .mirrors
            .iter()
            .map(|m| SecretUrl::new(m.text.clone())),
    );
}

/// `text` as an http(s) URL with a host, or an error naming `flag`.
fn http_url(flag: &str, text: &str) -> anyhow::Result<SecretUrl> {
    let url = SecretUrl::new(text.trim());
    match pubgate::index::client::split_credentials(url.expose()) {
        Ok((parsed, _))
            if matches!(parsed.scheme(), "http" | "https") && parsed.host_str().is_some() =>
        {
            Ok(url)
        }
        Ok(_) => bail!("{flag} `{url}` must be an http(s) URL, e.g. `https://pypi.org/simple`"),
        Err(message) => bail!("{flag}: {message}"),
    }
}

/// The lockfiles named on the command line, else every supported lockfile in `dir` (shown
/// relative to it, as a user would type them).
pub(crate) fn lockfile_paths(named: &[PathBuf], dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    if !named.is_empty() {
        return Ok(named.to_vec());
    }
    let found: Vec<PathBuf> = pubgate::lockfile::discover(dir)
        .into_iter()
        .map(|p| p.strip_prefix(dir).map(Path::to_path_buf).unwrap_or(p))
        .collect();
    if found.is_empty() {
        bail!(
            "no supported lockfile in `{}` (looked for uv.lock, *.py.lock, poetry.lock, pylock.toml, pylock.*.toml, Pipfile.lock, pdm.lock, requirements*.txt): name one, e.g. `pubgate check uv.lock`",
            dir.display()
        );
    }
    Ok(found)
}
