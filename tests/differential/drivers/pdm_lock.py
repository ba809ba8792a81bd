"""Differential driver: what pdm makes of a pdm.lock, from pdm itself.

The project's `lockfile.compatibility()` decides whether pdm reads the lock at all (its
major must be pdm's, its minor not newer), and `Project.get_locked_repository()` is the
reader `pdm sync`/`pdm install` use (it refuses file URLs without the `static_urls`
strategy). Every locked candidate is reported, for every group and platform, with the
hashes its installer checks: pdm finds the file on the project's sources (or at the
locked URLs with `static_urls`) by *any* of the candidate's hashes (`convert_hashes`), so
the accepted hashes are the candidate's, whichever file they name. Nothing is fetched.
"""

import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from common import file, package, serve  # noqa: E402

os.environ.setdefault("PDM_IGNORE_SAVED_PYTHON", "1")
os.environ.setdefault("PDM_CHECK_UPDATE", "false")
os.environ["PDM_USE_VENV"] = "false"
os.environ["PDM_PYTHON"] = sys.executable

from pdm.__version__ import __version__ as pdm_version  # noqa: E402
from pdm.core import Core  # noqa: E402
from pdm.project.lockfile.base import Compatibility  # noqa: E402

PYPI = "https://pypi.org/simple"
CORE = Core()


def run(path):
    with tempfile.TemporaryDirectory() as root:
        shutil.copy(path, os.path.join(root, "pdm.lock"))
        source = os.path.join(os.path.dirname(os.path.abspath(path)), "pyproject.toml")
        if os.path.isfile(source):
            shutil.copy(source, os.path.join(root, "pyproject.toml"))
        else:
            with open(os.path.join(root, "pyproject.toml"), "w") as handle:
                handle.write('[project]\nname = "case"\nversion = "0"\n')
        project = CORE.create_project(root, global_config=os.devnull)
        if project.lockfile.compatibility() == Compatibility.NONE:
            raise RuntimeError(
                f"lock file version {project.lockfile.file_version} is not compatible with pdm {pdm_version}"
            )
        repository = project.get_locked_repository()
        indexes = [s.url for s in project.sources if s.url and s.type != "find_links"]
        packages = []
        for entry in repository.packages.values():
            can = entry.candidate
            req = can.req
            hashes = sorted({h["hash"] if ":" in h["hash"] else "sha256:" + h["hash"] for h in can.hashes})
            files = [
                file(h.get("file") or name_of(h.get("url", "")), h.get("url"), hashes) for h in can.hashes
            ]
            if req.is_vcs:
                kind, where = "git", req.repo
            elif req.is_file_or_url:
                url = getattr(req, "url", None)
                path_ = getattr(req, "path", None)
                if path_ is not None or (url or "").startswith("file:"):
                    kind = "editable" if req.editable else "path"
                    where = str(getattr(req, "str_path", None) or path_ or url)
                else:
                    kind, where = "url", url
            else:
                kind, where = "index", indexes[0] if indexes else PYPI
            packages.append(package(can.name, can.version, kind, where, files))
    return packages, indexes


def name_of(url):
    from urllib.parse import unquote

    return unquote(url.split("?")[0].split("#")[0].rsplit("/", 1)[-1])


if __name__ == "__main__":
    serve("pdm", pdm_version, run)
