//! Reading files that untrusted input names: lockfiles, their `-r`/`-c` includes and
//! policies all come from the repository under review, which may hold symlinks and paths
//! chosen by an attacker. Only regular files are read (a FIFO would hang the gate, a device
//! would never end), never a pseudo-filesystem (`/proc/self/environ` would print the
//! environment, `/proc/self/fd/N` whatever the process holds open), never outside the tree the file belongs to (its repository, else its
//! directory), and never more than a bound.

use std::io::Read;
use std::path::{Path, PathBuf};

/// Pseudo-filesystems whose regular-looking files are views of the running system (devices
/// under `/dev` are refused as not regular; `/dev/shm` holds ordinary files).
const SPECIAL_ROOTS: [&str; 2] = ["/proc", "/sys"];

/// Why a file was not read.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{0}")]
    Io(#[from] std::io::Error),
    #[error("is a directory")]
    Directory,
    #[error("is not a regular file (a pipe, socket or device): pubgate reads only regular files")]
    NotRegular,
    #[error("resolves to `{0}`, a special file of the running system: pubgate does not read it")]
    Special(PathBuf),
    #[error("resolves to `{target}`, outside `{root}` (through a symlink or `..`): pubgate reads only files inside the tree they belong to")]
    Outside { target: PathBuf, root: PathBuf },
    #[error("is {0} bytes or more, over the limit")]
    TooLarge(u64),
}

/// The tree a file named on the command line (or found in a directory) belongs to: the
/// nearest enclosing repository (a directory holding `.git`) of its directory, else that
/// directory. Git refuses to track a `.git` entry, so a reviewed change cannot move it.
pub fn tree_root(path: &Path) -> PathBuf {
    let parent = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let dir = std::fs::canonicalize(parent).unwrap_or_else(|_| parent.to_path_buf());
    dir.ancestors()
        .find(|a| a.join(".git").exists())
        .map(Path::to_path_buf)
        .unwrap_or(dir)
}

/// Checks that `path` is a regular file inside `root` (after resolving symlinks) and not on
/// a pseudo-filesystem. A path that does not resolve is left to the read to report.
pub fn check(path: &Path, root: &Path) -> Result<(), InputError> {
    // `metadata` follows symlinks (and /proc's magic links such as `/dev/stdin`) without
    // opening anything: opening a FIFO would block.
    let Ok(metadata) = std::fs::metadata(path) else {
        return Ok(());
    };
    let lexical = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let target = std::fs::canonicalize(path).unwrap_or_else(|_| lexical.clone());
    for candidate in [&lexical, &target] {
        if SPECIAL_ROOTS.iter().any(|r| candidate.starts_with(r)) {
            return Err(InputError::Special(candidate.clone()));
        }
    }
    if metadata.is_dir() {
        return Err(InputError::Directory);
    }
    if !metadata.is_file() {
        return Err(InputError::NotRegular);
    }
    let root = std::fs::canonicalize(root).unwrap_or_else(|_| root.to_path_buf());
    if !target.starts_with(&root) {
        return Err(InputError::Outside { target, root });
    }
    Ok(())
}

/// [`check`]s `path`, then reads at most `limit` bytes of it (the length on disk can lie or
/// change between the check and the read, so the read is bounded too).
pub fn read(path: &Path, root: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    check(path, root)?;
    let file = std::fs::File::open(path)?;
    let metadata = file.metadata()?;
    if metadata.is_dir() {
        return Err(InputError::Directory);
    }
    if !metadata.is_file() {
        return Err(InputError::NotRegular);
    }
    if metadata.len() > limit {
        return Err(InputError::TooLarge(metadata.len()));
    }
    let mut bytes = Vec::with_capacity(metadata.len().min(limit) as usize);
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge(bytes.len() as u64));
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tree_is_the_enclosing_repository_else_the_directory() {
        let dir = tempfile::tempdir().unwrap();
        let repo = dir.path().join("repo");
        std::fs::create_dir_all(repo.join(".git")).unwrap();
        std::fs::create_dir_all(repo.join("services/api")).unwrap();
        let canonical = std::fs::canonicalize(&repo).unwrap();
        assert_eq!(
            tree_root(&repo.join("services/api/requirements.txt")),
            canonical
        );
        let loose = dir.path().join("loose");
        std::fs::create_dir_all(&loose).unwrap();
        assert_eq!(
            tree_root(&loose.join("requirements.txt")),
            std::fs::canonicalize(&loose).unwrap()
        );
    }

    #[test]
    fn special_files_are_refused() {
        if Path::new("/proc/self/environ").exists() {
            assert!(matches!(
                check(Path::new("/proc/self/environ"), Path::new("/")),
                Err(InputError::Special(_))
            ));
        }
        for device in ["/dev/null", "/dev/zero", "/dev/stdin"] {
            if Path::new(device).exists() {
                assert!(
                    matches!(
                        check(Path::new(device), Path::new("/")),
                        Err(InputError::NotRegular | InputError::Special(_))
                    ),
                    "{device}"
                );
            }
        }
    }
}
