"""Differential driver: what pip 26.3 makes of a pylock.toml (`pip install -r pylock.toml`).

pip reads the file with `Pylock.from_dict` (a file it cannot read is refused), selects one
artifact per package for the machine it runs on, and turns it into a requirement with
`install_req_from_pylock_package`: the hashes it accepts and the locked link it downloads
(a `path` wins over a `url`). pubgate examines every artifact, for every machine, so this
driver turns *every* artifact of every package into a requirement the same way, instead of
only the ones this machine would select. Nothing is fetched.
"""

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import pip  # noqa: E402
from pip._internal.req.constructors import install_req_from_pylock_package  # noqa: E402
from pip._internal.utils.compat import tomllib  # noqa: E402
from pip._vendor.packaging import pylock  # noqa: E402

from common import file, package, serve  # noqa: E402


def hashes_of(ireq):
    return [f"{alg}:{digest}" for alg, digests in ireq.hash_options.items() for digest in digests]


def run(path):
    with open(path, "rb") as handle:
        lock = pylock.Pylock.from_dict(tomllib.load(handle))
    base = os.path.dirname(os.path.abspath(path))
    packages = []
    indexes = []
    for pkg in lock.packages:
        name = str(pkg.name)
        version = str(pkg.version) if pkg.version is not None else None
        dists = []
        for kind in ("vcs", "directory", "archive", "sdist"):
            if getattr(pkg, kind) is not None:
                dists.append(getattr(pkg, kind))
        dists.extend(pkg.wheels or [])
        files = []
        kind = "index"
        source = pkg.index
        for dist in dists:
            ireq, link = install_req_from_pylock_package(pkg, dist, path, user_supplied=True)
            if isinstance(dist, pylock.PackageVcs):
                kind, source = "git", ireq.req.url
            elif isinstance(dist, pylock.PackageDirectory):
                kind = "editable" if dist.editable else "path"
                source = dist.path
            elif isinstance(dist, pylock.PackageArchive):
                kind, source = ("url", dist.url) if dist.url else ("path", dist.path)
                files.append(file(dist_name(dist), local(ireq.req.url, base), hashes_of(ireq)))
            else:
                url = local(link.url, base)
                if dist.path is not None:
                    # pip downloads the local file, whatever `url` or `index` say
                    kind, source = "path", dist.path
                files.append(file(dist.filename, url, hashes_of(ireq)))
        if source and source not in indexes and kind == "index":
            indexes.append(source)
        packages.append(package(name, version, kind, source, files))
    return packages, indexes


def dist_name(dist):
    target = dist.url or dist.path or ""
    return target.split("?")[0].split("#")[0].rstrip("/").rsplit("/", 1)[-1]


def local(url, base):
    """A file:// URL shown as a path relative to the lock's directory (as the lock writes it)."""
    if url.startswith("file://"):
        from urllib.request import url2pathname

        return "path:" + os.path.relpath(url2pathname(url[len("file://"):]), base)
    return url


if __name__ == "__main__":
    serve("pip", pip.__version__, run)
