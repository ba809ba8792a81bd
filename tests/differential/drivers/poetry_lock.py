"""Differential driver: what Poetry makes of a poetry.lock, from Poetry itself.

`Locker.locked_repository()` is the reader `poetry install` uses (it refuses what Poetry
refuses: no `[metadata]`, no or an unsupported `lock-version`, missing keys). The files
Poetry would accept for a package are then decided as its installer decides them: the
chooser takes the index links of the package's repository (resolved from the project's
`[tool.poetry.source]` by the source's `reference`, else PyPI, else the first source), and
`Executor._validate_archive_hash` accepts a downloaded archive only if its name is among
the package's `files`, checking the strongest algorithm listed for that name
(`get_highest_priority_hash_type`); a package with no `files` is installed unchecked. The
driver reports each file with the hashes of that algorithm. Nothing is fetched.
"""

import os
import sys
from pathlib import Path

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import file, package, serve  # noqa: E402

import poetry.__version__ as poetry_version  # noqa: E402
from poetry.packages.locker import Locker  # noqa: E402
from poetry.utils.helpers import get_highest_priority_hash_type  # noqa: E402

PYPI = "https://pypi.org/simple"


def sources_of(project_dir):
    """Poetry's pool from `[tool.poetry.source]`: (name → url, default repository URL)."""
    import tomllib

    pyproject = Path(project_dir) / "pyproject.toml"
    configured = []
    if pyproject.is_file():
        with open(pyproject, "rb") as handle:
            configured = tomllib.load(handle).get("tool", {}).get("poetry", {}).get("source", [])
    urls = {}
    primary = []
    explicit_pypi = False
    for source in configured:
        name = source["name"].lower()
        url = PYPI if name == "pypi" else source["url"]
        urls[name] = url
        explicit_pypi = explicit_pypi or name == "pypi"
        if source.get("priority", "primary").lower() == "primary":
            primary.append(url)
    if not explicit_pypi and not primary:
        urls["pypi"] = PYPI
        primary.append(PYPI)
    default = urls["pypi"] if "pypi" in urls else (primary[0] if primary else None)
    return urls, default


def run(path):
    locker = Locker(Path(path), {})
    repository = locker.locked_repository()
    project = os.path.dirname(os.path.abspath(path))
    if os.path.isfile(os.path.join(project, "pyproject.toml")):
        urls, default = sources_of(project)
    else:
        # Poetry cannot install without the project; pubgate then takes the lock's own
        # source URLs, and PyPI for packages without a source (docs/lockfiles.md)
        urls = {p.source_reference.lower(): p.source_url for p in repository.packages
                if p.source_type == "legacy" and p.source_reference}
        default = PYPI
    packages = []
    for pkg in repository.packages:
        kind = pkg.source_type
        if kind in (None, "legacy"):
            if kind is None:
                source = default
            else:
                source = urls.get(pkg.source_reference.lower())
                if source is None:
                    raise RuntimeError(f"Repository {pkg.source_reference!r} does not exist")
            by_name = {}
            for entry in pkg.files:
                by_name.setdefault(entry["file"], set()).add(entry["hash"])
            files = []
            for name, hashes in sorted(by_name.items()):
                best = get_highest_priority_hash_type({h.split(":")[0] for h in hashes}, name)
                accepted = [h for h in hashes if best is not None and h.split(":")[0] == best]
                files.append(file(name, None, accepted))
            packages.append(package(pkg.name, pkg.version.text, "index", source, files))
            continue
        files = [file(e["file"], None, [e["hash"]]) for e in pkg.files]
        if kind == "git":
            packages.append(package(pkg.name, pkg.version.text, "git", pkg.source_url, files))
        elif kind == "url":
            packages.append(package(pkg.name, pkg.version.text, "url", pkg.source_url, files))
        elif kind == "directory":
            editable = "editable" if pkg.develop else "path"
            packages.append(package(pkg.name, pkg.version.text, editable, pkg.source_url, files))
        elif kind == "file":
            packages.append(package(pkg.name, pkg.version.text, "path", pkg.source_url, files))
        else:
            raise RuntimeError(f"unknown source type {kind!r}")
    return packages, []


if __name__ == "__main__":
    serve("poetry", poetry_version.__version__, run)
