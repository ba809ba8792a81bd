//! Writing inside a directory without ever following a symlink: `pubgate fetch --into DIR`
//! may run on a checkout where `DIR` (or anything under it) was planted by the change
//! under review, and a symlinked `DIR/<host>/simple/<name>` must not turn a vendored page
//! into attacker-chosen bytes written elsewhere.
//!
//! On Unix every step is relative to an open directory handle (`openat` with
//! `O_NOFOLLOW`): the directory itself, each component below it, the temporary file
//! (created exclusively, so a pre-planted name is never opened) and the final rename. A
//! symlink anywhere on the way is an error that names it. Elsewhere the same checks are
//! made on paths (`symlink_metadata` before each step), which a concurrent attacker could
//! race; the planted-in-advance case is closed there too.

use std::ffi::OsStr;
use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

static TEMP_COUNTER: AtomicU64 = AtomicU64::new(0);

/// A symlink found where pubgate was about to write.
fn symlink_error(path: &Path) -> io::Error {
    io::Error::other(format!(
        "`{}` is a symlink: pubgate never writes through one (remove it, or write into another directory)",
        path.display()
    ))
}

fn not_a_directory(path: &Path) -> io::Error {
    io::Error::other(format!(
        "`{}` is not a directory (remove it, or write into another directory)",
        path.display()
    ))
}

/// The directory as given, without a trailing `/` or `/.` (which would make the last
/// component resolve through a symlink).
pub(super) fn normalized(root: &Path) -> PathBuf {
    let clean: PathBuf = root.components().collect();
    if clean.as_os_str().is_empty() {
        PathBuf::from(".")
    } else {
        clean
    }
}

/// The plain names of `relative`; anything else (`..`, a root) is refused.
fn names(relative: &Path) -> io::Result<Vec<&OsStr>> {
    relative
        .components()
        .map(|c| match c {
            Component::Normal(name) => Ok(name),
            _ => Err(io::Error::other(format!(
                "`{}` is not a plain relative path",
                relative.display()
            ))),
        })
        .collect()
}

fn temp_name(name: &OsStr) -> String {
    format!(
        ".{}.tmp.{}.{}",
        name.to_string_lossy(),
        std::process::id(),
        TEMP_COUNTER.fetch_add(1, Ordering::Relaxed)
    )
}

#[cfg(unix)]
mod imp {
    use std::ffi::OsStr;
    use std::io::{self, Write};
    use std::os::fd::OwnedFd;
    use std::path::{Path, PathBuf};

    use rustix::fs::{self as rfs, AtFlags, FileType, Mode, OFlags, CWD};
    use rustix::io::Errno;

    use super::{names, normalized, not_a_directory, symlink_error, temp_name};

    const DIRECTORY: OFlags = OFlags::RDONLY
        .union(OFlags::DIRECTORY)
        .union(OFlags::NOFOLLOW)
        .union(OFlags::CLOEXEC);

    /// What `name` is inside `dir`, without following it.
    fn kind(dir: &OwnedFd, name: &OsStr) -> io::Result<Option<FileType>> {
        match rfs::statat(dir, name, AtFlags::SYMLINK_NOFOLLOW) {
            Ok(stat) => Ok(Some(FileType::from_raw_mode(stat.st_mode))),
            Err(Errno::NOENT) => Ok(None),
            Err(e) => Err(e.into()),
        }
    }

    /// Opens a directory entry of `dir` as a directory, never through a symlink.
    fn open_dir(dir: &OwnedFd, name: &OsStr, shown: &Path, create: bool) -> io::Result<OwnedFd> {
        for _ in 0..2 {
            match rfs::openat(dir, name, DIRECTORY, Mode::empty()) {
                Ok(fd) => return Ok(fd),
                Err(Errno::NOENT) if create => match rfs::mkdirat(dir, name, Mode::from(0o777)) {
                    // Created now, or by a concurrent writer: open it (again, without following).
                    Ok(()) | Err(Errno::EXIST) => continue,
                    Err(e) => return Err(e.into()),
                },
                Err(Errno::LOOP | Errno::NOTDIR | Errno::MLINK) => {
                    return Err(match kind(dir, name)? {
                        Some(FileType::Symlink) => symlink_error(shown),
                        _ => not_a_directory(shown),
                    })
                }
                Err(e) => return Err(e.into()),
            }
        }
        Err(not_a_directory(shown))
    }

    /// The directory `root` itself: a symlinked `root` is refused like any other.
    fn open_root(root: &Path) -> io::Result<OwnedFd> {
        match rfs::openat(CWD, root, DIRECTORY, Mode::empty()) {
            Ok(fd) => Ok(fd),
            Err(Errno::LOOP | Errno::NOTDIR | Errno::MLINK) => {
                Err(match std::fs::symlink_metadata(root) {
                    Ok(m) if m.file_type().is_symlink() => symlink_error(root),
                    _ => not_a_directory(root),
                })
            }
            Err(e) => Err(e.into()),
        }
    }

    /// The directory holding `relative`'s last component (created as needed), and that
    /// component's name.
    fn parent<'a>(root: &Path, relative: &'a Path) -> io::Result<(OwnedFd, &'a OsStr, PathBuf)> {
        let root = normalized(root);
        let mut parts = names(relative)?;
        let last = parts
            .pop()
            .ok_or_else(|| io::Error::other("an empty path names no file"))?;
        let mut dir = open_root(&root)?;
        let mut shown = root;
        for part in parts {
            shown.push(part);
            dir = open_dir(&dir, part, &shown, true)?;
        }
        shown.push(last);
        Ok((dir, last, shown))
    }

    pub(super) fn write(root: &Path, relative: &Path, body: &[u8]) -> io::Result<()> {
        let (dir, name, shown) = parent(root, relative)?;
        match kind(&dir, name)? {
            Some(FileType::Symlink) => return Err(symlink_error(&shown)),
            Some(FileType::Directory) => {
                return Err(io::Error::other(format!(
                    "`{}` is a directory",
                    shown.display()
                )))
            }
            _ => {}
        }
        let tmp = temp_name(name);
        // Exclusive and not following: a name planted in advance is an error, not a target.
        let fd = rfs::openat(
            &dir,
            tmp.as_str(),
            OFlags::WRONLY
                .union(OFlags::CREATE)
                .union(OFlags::EXCL)
                .union(OFlags::NOFOLLOW)
                .union(OFlags::CLOEXEC),
            Mode::from(0o666),
        )?;
        let result = (|| {
            let mut file = std::fs::File::from(fd);
            file.write_all(body)?;
            file.flush()?;
            drop(file);
            // `rename` replaces the final entry itself; it never follows it.
            rfs::renameat(&dir, tmp.as_str(), &dir, name)?;
            Ok(())
        })();
        if result.is_err() {
            let _ = rfs::unlinkat(&dir, tmp.as_str(), AtFlags::empty());
        }
        result
    }

    pub(super) fn remove(root: &Path, relative: &Path) -> io::Result<()> {
        let (dir, name, shown) = parent(root, relative)?;
        match kind(&dir, name)? {
            None => Ok(()),
            Some(FileType::Symlink) => Err(symlink_error(&shown)),
            Some(_) => match rfs::unlinkat(&dir, name, AtFlags::empty()) {
                Ok(()) | Err(Errno::NOENT) => Ok(()),
                Err(e) => Err(e.into()),
            },
        }
    }

    pub(super) fn exists(root: &Path, relative: &Path) -> io::Result<bool> {
        let (dir, name, shown) = parent(root, relative)?;
        match kind(&dir, name)? {
            None => Ok(false),
            Some(FileType::Symlink) => Err(symlink_error(&shown)),
            Some(_) => Ok(true),
        }
    }
}

#[cfg(not(unix))]
mod imp {
    use std::fs;
    use std::io::{self, Write};
    use std::path::{Path, PathBuf};

    use super::{names, normalized, not_a_directory, symlink_error, temp_name};

    fn check_dir(path: &Path, create: bool) -> io::Result<()> {
        match fs::symlink_metadata(path) {
            Ok(m) if m.file_type().is_symlink() => Err(symlink_error(path)),
            Ok(m) if m.is_dir() => Ok(()),
            Ok(_) => Err(not_a_directory(path)),
            Err(e) if e.kind() == io::ErrorKind::NotFound && create => match fs::create_dir(path) {
                Ok(()) => Ok(()),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists => check_dir(path, false),
                Err(e) => Err(e),
            },
            Err(e) => Err(e),
        }
    }

    fn parent(root: &Path, relative: &Path) -> io::Result<(PathBuf, PathBuf)> {
        let root = normalized(root);
        let mut parts = names(relative)?;
        let last = parts
            .pop()
            .ok_or_else(|| io::Error::other("an empty path names no file"))?;
        check_dir(&root, false)?;
        let mut dir = root;
        for part in parts {
            dir.push(part);
            check_dir(&dir, true)?;
        }
        let path = dir.join(last);
        Ok((dir, path))
    }

    pub fn write(root: &Path, relative: &Path, body: &[u8]) -> io::Result<()> {
        let (dir, path) = parent(root, relative)?;
        if let Ok(m) = fs::symlink_metadata(&path) {
            if m.file_type().is_symlink() {
                return Err(symlink_error(&path));
            }
        }
        let name = path.file_name().unwrap_or_default();
        let tmp = dir.join(temp_name(name));
        let mut file = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&tmp)?;
        let result = (|| {
            file.write_all(body)?;
            file.flush()?;
            fs::rename(&tmp, &path)
        })();
        if result.is_err() {
            let _ = fs::remove_file(&tmp);
        }
        result
    }

    pub fn remove(root: &Path, relative: &Path) -> io::Result<()> {
        let (_, path) = parent(root, relative)?;
        match fs::symlink_metadata(&path) {
            Err(_) => Ok(()),
            Ok(m) if m.file_type().is_symlink() => Err(symlink_error(&path)),
            Ok(_) => fs::remove_file(&path),
        }
    }

    pub fn exists(root: &Path, relative: &Path) -> io::Result<bool> {
        let (_, path) = parent(root, relative)?;
        match fs::symlink_metadata(&path) {
            Err(_) => Ok(false),
            Ok(m) if m.file_type().is_symlink() => Err(symlink_error(&path)),
            Ok(_) => Ok(true),
        }
    }
}

/// Writes `body` to `root/relative` (creating directories as needed) through a temporary
/// file and a rename, following no symlink at or below `root`, `root` included.
pub(super) fn write(root: &Path, relative: &Path, body: &[u8]) -> io::Result<()> {
    imp::write(root, relative, body)
}

/// Removes the file `root/relative` if there is one; a symlink there is an error.
pub(super) fn remove(root: &Path, relative: &Path) -> io::Result<()> {
    imp::remove(root, relative)
}

/// Whether `root/relative` exists (a symlink there is an error).
pub(super) fn exists(root: &Path, relative: &Path) -> io::Result<bool> {
    imp::exists(root, relative)
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    #[test]
    fn a_planted_temporary_name_is_never_opened() {
        let dir = tempfile::tempdir().unwrap();
        let outside = tempfile::tempdir().unwrap();
        let victim = outside.path().join("victim");
        // The name the next write will use for its temporary file.
        let next = format!(
            ".page.tmp.{}.{}",
            std::process::id(),
            TEMP_COUNTER.load(Ordering::Relaxed)
        );
        std::os::unix::fs::symlink(&victim, dir.path().join(&next)).unwrap();
        assert!(write(dir.path(), Path::new("page"), b"bytes").is_err());
        assert!(!victim.exists());
        // The next name is fresh: the write goes through, into the directory.
        write(dir.path(), Path::new("page"), b"bytes").unwrap();
        assert_eq!(std::fs::read(dir.path().join("page")).unwrap(), b"bytes");
    }

    #[test]
    fn only_plain_relative_paths_are_written() {
        let dir = tempfile::tempdir().unwrap();
        for bad in ["../x", "/etc/x", "a/../../x", ""] {
            assert!(write(dir.path(), Path::new(bad), b"x").is_err(), "{bad}");
        }
        write(dir.path(), Path::new("a/b/c"), b"x").unwrap();
        assert!(exists(dir.path(), Path::new("a/b/c")).unwrap());
        remove(dir.path(), Path::new("a/b/c")).unwrap();
        assert!(!exists(dir.path(), Path::new("a/b/c")).unwrap());
    }
}
