"""Differential driver: what uv makes of a uv.lock, from uv itself.

`uv export --frozen --offline --format pylock.toml --all-packages --all-extras --all-groups`
is uv's own lock reader turning every package it can be told to install (every member,
extra and group, on every platform) into the files it would download, with their URLs and
the hashes it checks. Nothing is fetched. uv needs the project's `pyproject.toml` to find
the workspace; the driver writes a minimal one (and one per member) from the lock's own
`[manifest]` and root entries, since the cases are lockfiles alone. uv refusing the lock
(an unknown version, a malformed table, an unknown hash algorithm) is a refusal.
"""

import os
import shutil
import subprocess
import sys
import tempfile
import tomllib

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import file, package, serve  # noqa: E402

UV = shutil.which("uv", path=os.path.dirname(sys.executable))


def uv_version():
    out = subprocess.run([UV, "--version"], capture_output=True, text=True, check=True)
    return out.stdout.split()[1]


def project_files(lock, root):
    """Writes the pyproject.toml files uv needs to find the workspace of `lock`."""
    members = lock.get("manifest", {}).get("members", [])
    packages = lock.get("package", [])
    local = {}
    for entry in packages:
        source = entry.get("source", {})
        where = source.get("editable", source.get("virtual"))
        if where is not None and entry.get("name") in members or where == ".":
            local.setdefault(where, entry)
    if "." not in local:
        # no root entry: a workspace whose root is not a package
        local["."] = None
    for where, entry in local.items():
        directory = os.path.normpath(os.path.join(root, where))
        os.makedirs(directory, exist_ok=True)
        lines = []
        if entry is not None:
            lines += [
                "[project]",
                f'name = "{entry["name"]}"',
                f'version = "{entry.get("version", "0")}"',
            ]
            if lock.get("requires-python"):
                lines.append(f'requires-python = "{lock["requires-python"]}"')
            if "virtual" in entry.get("source", {}):
                lines += ["[tool.uv]", "package = false"]
        if where == ".":
            paths = sorted(w for w in local if w != ".")
            lines += ["[tool.uv.workspace]", "members = [" + ", ".join(f'"{p}"' for p in paths) + "]"]
        with open(os.path.join(directory, "pyproject.toml"), "w") as handle:
            handle.write("\n".join(lines) + "\n")


def run(path):
    with open(path, "rb") as handle:
        text = handle.read()
    try:
        lock = tomllib.loads(text.decode("utf-8"))
    except Exception:  # noqa: BLE001 (uv decides what it refuses)
        lock = {}
    with tempfile.TemporaryDirectory() as root:
        shutil.copy(path, os.path.join(root, "uv.lock"))
        project_files(lock, root)
        try:
            exported = [export(root, ["--all-extras", "--all-groups"])]
        except RuntimeError as err:
            if "conflicts" not in str(err):
                raise
            # extras (or groups) declared as conflicting cannot be installed together:
            # every one the installer can be told to install, one at a time
            exported = [export(root, ["--extra", extra]) for extra in extras(lock)]
            exported += [export(root, ["--group", group]) for group in groups(lock)]
    seen = {}
    for one in exported:
        for pkg in one.get("packages", []):
            key = (pkg["name"], pkg.get("version"), str(sorted(pkg.items())))
            seen.setdefault(key, pkg)
    packages = []
    indexes = []
    for pkg in seen.values():
        files = []
        kind, source = "index", pkg.get("index")
        if "vcs" in pkg:
            kind, source = "git", pkg["vcs"].get("url")
        elif "directory" in pkg:
            kind = "editable" if pkg["directory"].get("editable") else "path"
            source = pkg["directory"]["path"]
        elif "archive" in pkg:
            archive = pkg["archive"]
            kind, source = ("url", archive["url"]) if "url" in archive else ("path", archive["path"])
            files.append(file(name_of(archive), archive.get("url"), hashes(archive)))
        for dist in ([pkg["sdist"]] if "sdist" in pkg else []) + pkg.get("wheels", []):
            files.append(file(name_of(dist), dist.get("url") or path_of(dist), hashes(dist)))
        if kind == "index" and source and source not in indexes:
            indexes.append(source)
        packages.append(package(pkg["name"], pkg.get("version"), kind, source, files))
    return packages, indexes


def export(root, selection):
    out = subprocess.run(
        [UV, "export", "--frozen", "--offline", "--no-cache", "--no-config",
         "--format", "pylock.toml", "--all-packages", *selection,
         "--quiet", "--directory", root],
        capture_output=True, text=True,
        env={**os.environ, "UV_NO_PROGRESS": "1"},
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr.strip() or f"uv exited {out.returncode}")
    return tomllib.loads(out.stdout)


def workspace(lock):
    for entry in lock.get("package", []):
        source = entry.get("source", {})
        if "editable" in source or "virtual" in source:
            yield entry


def extras(lock):
    names = set()
    for entry in workspace(lock):
        names.update(entry.get("optional-dependencies", {}))
    return sorted(names)


def groups(lock):
    names = set()
    for entry in workspace(lock):
        names.update(entry.get("dev-dependencies", {}))
    return sorted(names)


def hashes(dist):
    return [f"{alg}:{digest}" for alg, digest in dist.get("hashes", {}).items()]


def path_of(dist):
    return "path:" + dist["path"] if "path" in dist else None


def name_of(dist):
    if dist.get("name"):
        return dist["name"]
    target = dist.get("url") or dist.get("path") or ""
    from urllib.parse import unquote

    return unquote(target.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1])


if __name__ == "__main__":
    serve("uv", uv_version(), run)
