"""Differential driver: what pipenv hands to pip for a Pipfile.lock, and what pip makes of it.

pipenv (`pipenv sync` / `pipenv install --deploy`) reads the lock as JSON (`utf-8-sig`),
installs every category it is told to (`default`, `develop`, and any other category with
`--categories`: every top-level object but `_meta`), writes one pip line per entry with
`requirement_from_lockfile` (hashes and markers included; a `file` or `path` entry is the
location alone, without hashes), and runs its vendored pip on those lines with the lock's
`_meta.sources` (else the Pipfile's `[[source]]`) as `-i`/`--extra-index-url`/
`--trusted-host` (`prepare_pip_source_args`). The driver does exactly that and parses the
lines with pipenv's pip (`parse_requirements`, `install_req_from_parsed_requirement`), as
that pip would. Nothing is fetched.
"""

import json
import os
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import file, package, serve  # noqa: E402

import pipenv  # noqa: E402
from pipenv.patched.pip._internal.index.collector import LinkCollector  # noqa: E402
from pipenv.patched.pip._internal.index.package_finder import PackageFinder  # noqa: E402
from pipenv.patched.pip._internal.models.search_scope import SearchScope  # noqa: E402
from pipenv.patched.pip._internal.models.selection_prefs import SelectionPreferences  # noqa: E402
from pipenv.patched.pip._internal.network.session import PipSession  # noqa: E402
from pipenv.patched.pip._internal.req.constructors import (  # noqa: E402
    install_req_from_parsed_requirement,
)
from pipenv.patched.pip._internal.req.req_file import parse_requirements  # noqa: E402
from pipenv.utils.dependencies import requirement_from_lockfile  # noqa: E402
from pipenv.utils.indexes import prepare_pip_source_args  # noqa: E402

PYPI = "https://pypi.org/simple"


def pipfile_sources(directory):
    import tomllib

    pipfile = os.path.join(directory, "Pipfile")
    if not os.path.isfile(pipfile):
        return [{"name": "pypi", "url": PYPI, "verify_ssl": True}]
    with open(pipfile, "rb") as handle:
        return tomllib.load(handle).get("source", []) or [
            {"name": "pypi", "url": PYPI, "verify_ssl": True}
        ]


def run(path):
    with open(path, encoding="utf-8-sig") as handle:
        lock = json.load(handle)
    meta = lock.get("_meta") or {}
    sources = meta.get("sources") or pipfile_sources(os.path.dirname(path))
    lines = []
    args = prepare_pip_source_args(sources)
    for option, value in zip(args[::2], args[1::2]):
        lines.append(f"{option} {value}")
    for category, entries in lock.items():
        if category == "_meta" or not isinstance(entries, dict):
            continue
        for name, info in entries.items():
            lines.append(requirement_from_lockfile(name, info, include_hashes=True, include_markers=True))
    with tempfile.TemporaryDirectory() as work:
        reqs = os.path.join(work, "pipenv-hashed-reqs.txt")
        with open(reqs, "w", encoding="utf-8") as handle:
            handle.write("\n".join(lines) + "\n")
        session = PipSession()
        scope = SearchScope.create(find_links=[], index_urls=[PYPI], no_index=False)
        finder = PackageFinder.create(
            link_collector=LinkCollector(session=session, search_scope=scope),
            selection_prefs=SelectionPreferences(allow_yanked=True),
        )
        # pipenv runs pip in the project: paths are relative to the lock's directory
        cwd = os.getcwd()
        os.chdir(os.path.dirname(os.path.abspath(path)))
        try:
            parsed = [
                install_req_from_parsed_requirement(p, user_supplied=True)
                for p in parse_requirements(reqs, session, finder=finder)
            ]
        finally:
            os.chdir(cwd)
        index_urls = list(dict.fromkeys(finder.index_urls))
    packages = []
    for ireq in parsed:
        hashes = [
            f"{alg}:{digest}"
            for alg, digests in ireq.hashes(trust_internet=False)._allowed.items()
            for digest in digests
        ]
        link = ireq.original_link if ireq.original_link is not None else ireq.link
        name = ireq.name or ""
        if link is not None:
            if link.is_vcs:
                packages.append(package(name, None, "git", link.url))
            elif ireq.editable:
                packages.append(package(name, None, "editable", link.url))
            elif link.scheme == "file":
                packages.append(package(name, None, "path", link.url, [file(link.filename, None, hashes)]))
            else:
                packages.append(package(name, None, "url", link.url, [file(link.filename, link.url, hashes)]))
            continue
        specs = list(ireq.req.specifier)
        pinned = len(specs) == 1 and specs[0].operator in ("==", "===") and not specs[0].version.endswith(".*")
        if not pinned:
            packages.append(package(name, str(ireq.req.specifier), "unpinned", None))
            continue
        files = [file("", None, [h]) for h in hashes]
        packages.append(package(name, specs[0].version, "index", index_urls[0] if index_urls else None, files))
    return packages, index_urls


if __name__ == "__main__":
    serve("pipenv", pipenv.__version__, run)
