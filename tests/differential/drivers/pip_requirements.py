"""Differential driver: what pip's own requirements-file parser makes of files.

Reads a JSON list of {"case": ID, "path": FILE} on stdin and writes one JSON object per
case on stdout: the requirements pip would install (constraint-file ones are validated and
left out, as pubgate leaves them out), their hashes by algorithm, and the sources pip ends
up using, or {"ok": false, "error": ...} when pip refuses the file.

It drives `pip._internal.req.req_file.parse_requirements` with a `PipSession` and a
`PackageFinder`, and builds each `InstallRequirement` with
`install_req_from_parsed_requirement`, as `pip install -r` does. Nothing is fetched.
"""

import json
import os
import re
import sys

import pip
from pip._internal.index.collector import LinkCollector
from pip._internal.index.package_finder import PackageFinder
from pip._internal.models.search_scope import SearchScope
from pip._internal.models.selection_prefs import SelectionPreferences
from pip._internal.exceptions import InstallationError
from pip._internal.network.session import PipSession
from pip._internal.req.constructors import install_req_from_parsed_requirement
from pip._internal.req.req_file import parse_requirements
from pip._internal.req.req_install import check_invalid_constraint_type
from pip._internal.resolution.resolvelib.base import Constraint
from pip._vendor.packaging.utils import canonicalize_name

PYPI = "https://pypi.org/simple"
COMES_FROM = re.compile(r"^-[rc] (.*) \(line (\d+)\)$")


def record(ireq):
    match = COMES_FROM.match(ireq.comes_from or "")
    file, line = (os.path.basename(match.group(1)), int(match.group(2))) if match else ("?", 0)
    link = ireq.original_link if ireq.original_link is not None else ireq.link
    hashes = ireq.hashes(trust_internet=False)._allowed
    if link is not None:
        kind = "vcs" if link.is_vcs else ("editable-path" if ireq.editable else "direct")
    else:
        specs = list(ireq.req.specifier) if ireq.req is not None else []
        pinned = (
            len(specs) == 1
            and specs[0].operator in ("==", "===")
            and not (specs[0].operator == "==" and specs[0].version.endswith(".*"))
        )
        kind = "pin" if pinned else "unpinned"
    specifier = sorted(str(s) for s in ireq.req.specifier) if ireq.req is not None else []
    return {
        "file": file,
        "line": line,
        "kind": kind,
        "name": canonicalize_name(ireq.name) if ireq.name else "",
        "specifier": specifier,
        "url": link.url if link is not None and kind == "direct" else None,
        "hashes": sorted(f"{alg}:{digest}" for alg, digests in hashes.items() for digest in digests),
        "marker": ireq.markers is not None,
    }


def unique(items):
    seen = []
    for item in items:
        if item not in seen:
            seen.append(item)
    return seen


def run(path):
    session = PipSession()
    trusted = []
    add_trusted_host = session.add_trusted_host

    def recording(host, source=None, suppress_logging=False):
        add_trusted_host(host, source=source, suppress_logging=suppress_logging)
        # pip trusts host[:port]; pubgate records that, without any userinfo
        trusted.append(host.rpartition("@")[2])

    session.add_trusted_host = recording
    scope = SearchScope.create(find_links=[], index_urls=[PYPI], no_index=False)
    finder = PackageFinder.create(
        link_collector=LinkCollector(session=session, search_scope=scope),
        selection_prefs=SelectionPreferences(allow_yanked=True),
    )
    # pip reads `-e ./dir` relative to where it runs: the project, beside the file
    os.chdir(os.path.dirname(os.path.abspath(path)))
    requirements = []
    constraints = {}
    for parsed in parse_requirements(path, session, finder=finder):
        ireq = install_req_from_parsed_requirement(parsed, user_supplied=True)
        if not parsed.constraint:
            requirements.append((ireq, record(ireq)))
            continue
        # the resolver's `collect_root_requirements`: invalid constraint forms fail the
        # install; constraints whose markers do not match are skipped
        problem = check_invalid_constraint_type(ireq)
        if problem:
            raise InstallationError(problem)
        if not ireq.match_markers():
            continue
        name = canonicalize_name(ireq.name)
        if name in constraints:
            constraints[name] &= ireq
        else:
            constraints[name] = Constraint.from_ireq(ireq)
    # `_iter_found_candidates`: a constraint's hash options become those of a requirement
    # found on an index that has none of its own
    for ireq, rec in requirements:
        constraint = constraints.get(rec["name"])
        if (
            rec["kind"] in ("pin", "unpinned")
            and not ireq.hash_options
            and constraint is not None
            and any(constraint.hash_options.values())
        ):
            rec["hashes"] = sorted(
                f"{alg}:{digest.lower()}"
                for alg, digests in constraint.hash_options.items()
                for digest in digests
            )
            rec["constrained"] = True
    requirements = [rec for _, rec in requirements]
    return {
        "ok": True,
        "requirements": requirements,
        "index_urls": unique(finder.index_urls),
        "find_links": unique(finder.find_links),
        "trusted_hosts": unique(trusted),
    }


def main():
    cases = json.load(sys.stdin)
    out = sys.stdout
    out.write(json.dumps({"pip": pip.__version__}) + "\n")
    for case in cases:
        try:
            result = run(case["path"])
        except (Exception, SystemExit) as err:  # noqa: BLE001 (pip's refusal, whatever its type)
            result = {"ok": False, "error": f"{type(err).__name__}: {err}"}
        result["case"] = case["case"]
        out.write(json.dumps(result) + "\n")


if __name__ == "__main__":
    main()
