//! Reading a lockfile as it was at a git revision, for `pubgate diff --base REF`: `git show
//! REF:path` with the path relative to the repository root, no checkout. git runs as a
//! child process with a fixed argument list (never a shell), and the revision is checked
//! first so it can never be read as an option.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::lockfile::MAX_LOCKFILE_BYTES;

/// Why the base version of a lockfile could not be read (exit 2: the change cannot be
/// judged).
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error(
        "cannot run `git`: {0}; install git, or compare two files with `pubgate diff OLD NEW`"
    )]
    Spawn(std::io::Error),
    #[error("`{}` is not inside a git repository: compare two files with `pubgate diff OLD NEW` instead", .0.display())]
    NotARepository(PathBuf),
    #[error("`{}` is outside the git repository at `{}`", .path.display(), .root.display())]
    OutsideRepository { path: PathBuf, root: PathBuf },
    #[error("`{0}` is not a revision pubgate accepts: name a branch, tag or commit (e.g. `origin/main`), without a leading `-`, `:` or spaces")]
    BadRevision(String),
    #[error("git does not know the revision `{rev}`: {message}; fetch it first (e.g. `git fetch origin main`, or `fetch-depth: 0` in actions/checkout)")]
    UnknownRevision { rev: String, message: String },
    #[error("`{rev}:{path}` is {size} bytes, more than the {MAX_LOCKFILE_BYTES}-byte limit for a lockfile")]
    TooLarge {
        rev: String,
        path: String,
        size: u64,
    },
    #[error("`{rev}:{path}` is not a file")]
    NotAFile { rev: String, path: String },
    #[error("`git {command}` failed: {message}")]
    Failed { command: String, message: String },
}

/// A lockfile's place in its repository: the root, and the path from it (`/`-separated).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RepositoryPath {
    pub root: PathBuf,
    pub path: String,
}

/// Finds the repository holding `file` and the path of `file` from its root.
pub fn repository_path(file: &Path) -> Result<RepositoryPath, GitError> {
    let absolute =
        std::fs::canonicalize(file).map_err(|_| GitError::NotARepository(file.into()))?;
    let dir = absolute.parent().unwrap_or(Path::new("/")).to_path_buf();
    let output = git(&dir, &["rev-parse", "--show-toplevel"])?;
    if !output.status.success() {
        return Err(GitError::NotARepository(file.to_path_buf()));
    }
    let top = String::from_utf8_lossy(&output.stdout)
        .trim_end_matches(['\n', '\r'])
        .to_string();
    let root = std::fs::canonicalize(&top).map_err(|_| GitError::NotARepository(file.into()))?;
    let relative = absolute
        .strip_prefix(&root)
        .map_err(|_| GitError::OutsideRepository {
            path: file.to_path_buf(),
            root: root.clone(),
        })?;
    let path = relative
        .components()
        .map(|c| c.as_os_str().to_string_lossy().to_string())
        .collect::<Vec<_>>()
        .join("/");
    Ok(RepositoryPath { root, path })
}

/// Checks a revision: something git reads as a revision and never as an option or a path.
pub fn check_revision(rev: &str) -> Result<(), GitError> {
    let bad = rev.is_empty()
        || rev.len() > 256
        || rev.starts_with('-')
        || rev.contains(':')
        || rev.chars().any(|c| c.is_whitespace() || c.is_control());
    if bad {
        return Err(GitError::BadRevision(rev.to_string()));
    }
    Ok(())
}

/// The bytes of `path` (from the repository root) at `rev`; `None` when the file did not
/// exist there (a lockfile the change adds).
pub fn show(root: &Path, rev: &str, path: &str) -> Result<Option<Vec<u8>>, GitError> {
    check_revision(rev)?;
    let commit = format!("{rev}^{{commit}}");
    let verify = git(
        root,
        &[
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            &commit,
        ],
    )?;
    if !verify.status.success() {
        return Err(GitError::UnknownRevision {
            rev: rev.to_string(),
            message: "it names no commit here".into(),
        });
    }
    let object = format!("{rev}:{path}");
    let kind = git(root, &["cat-file", "-t", &object])?;
    if !kind.status.success() {
        return Ok(None);
    }
    if String::from_utf8_lossy(&kind.stdout).trim() != "blob" {
        return Err(GitError::NotAFile {
            rev: rev.to_string(),
            path: path.to_string(),
        });
    }
    let size = git(root, &["cat-file", "-s", &object])?;
    let size: u64 = String::from_utf8_lossy(&size.stdout)
        .trim()
        .parse()
        .map_err(|_| GitError::Failed {
            command: format!("cat-file -s {object}"),
            message: "no size".into(),
        })?;
    if size > MAX_LOCKFILE_BYTES {
        return Err(GitError::TooLarge {
            rev: rev.to_string(),
            path: path.to_string(),
            size,
        });
    }
    // Plain blob contents: no textconv (a `.gitattributes` of the base must not run a
    // conversion), no replace refs.
    let shown = git(root, &["show", "--no-textconv", &object])?;
    if !shown.status.success() {
        return Err(GitError::Failed {
            command: format!("show {object}"),
            message: String::from_utf8_lossy(&shown.stderr).trim().to_string(),
        });
    }
    Ok(Some(shown.stdout))
}

/// Runs `git -C dir ARGS…` (no pager, no prompt, no replace refs), capturing its output.
fn git(dir: &Path, args: &[&str]) -> Result<std::process::Output, GitError> {
    Command::new("git")
        .arg("--no-pager")
        .arg("--no-replace-objects")
        .arg("-C")
        .arg(dir)
        .args(args)
        .env("GIT_TERMINAL_PROMPT", "0")
        .stdin(Stdio::null())
        .output()
        .map_err(GitError::Spawn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revisions_that_could_be_options_or_paths_are_refused() {
        for bad in ["", "-p", "--output=x", "main:uv.lock", "a b", "a\nb"] {
            assert!(check_revision(bad).is_err(), "{bad:?}");
        }
        for good in ["main", "origin/main", "v1.0", "HEAD~1", "abc123", "HEAD^"] {
            assert!(check_revision(good).is_ok(), "{good:?}");
        }
    }
}
