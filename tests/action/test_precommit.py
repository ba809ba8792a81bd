"""The pre-commit hooks: the `files` pattern (what pre-commit passes to pubgate), and the
wheel-installing hooks of pre-commit-mirror/ run by pre-commit itself.

Needs PyYAML. The end-to-end tests also need, from .ci/run:

    PUBGATE_FIND_LINKS  a directory with the pubgate-cli wheel and a setuptools wheel
    PRE_COMMIT          the pre-commit command

and are skipped without them. pre-commit installs the hooks with `PIP_NO_INDEX=1`, so the
wheel can only come from that directory, and no sdist is there to compile.
"""

import os
import re
import shutil
import subprocess
import tempfile
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
HOOK_FILES = [ROOT / ".pre-commit-hooks.yaml", ROOT / "pre-commit-mirror" / ".pre-commit-hooks.yaml"]

# What pre-commit must hand to pubgate, and what it must not.
LOCKFILES = [
    "uv.lock",
    "sub/uv.lock",
    "script.py.lock",
    "poetry.lock",
    "pdm.lock",
    "Pipfile.lock",
    "pylock.toml",
    "pylock.dev.toml",
    "requirements.txt",
    "requirements-dev.txt",
    "requirements_test.txt",
    "requirements.lock.txt",
    "dev-requirements.txt",
    "test_requirements.txt",
    "ci.requirements.txt",
    "requirements/base.txt",
    "requirements/dev/extra.txt",
    "services/api/requirements/prod.txt",
    "services/api/dev-requirements.txt",
]
NOT_LOCKFILES = [
    "requirements.in",
    "requirements-dev.in",
    "myrequirements.txt",
    "requirementsfoo.txt",
    "notes.txt",
    "docs/requirements.md",
    "requirements/README.md",
    "requirements.txt.bak",
    "uv.lock.orig",
    "pylock.a.b.toml",
    "pyproject.toml",
    "Pipfile",
]


def hooks():
    for path in HOOK_FILES:
        for hook in yaml.safe_load(path.read_text(encoding="utf-8")):
            yield path, hook


class FilesPatternTest(unittest.TestCase):
    def test_every_hook_has_the_same_pattern(self):
        patterns = {(str(path), hook["id"]): hook["files"] for path, hook in hooks()}
        self.assertEqual(len(patterns), 4)
        self.assertEqual(len(set(patterns.values())), 1, patterns)

    def test_the_pattern_matches_lockfiles_and_nothing_else(self):
        # pre-commit's own test: re.search on the path relative to the repository root.
        for path, hook in hooks():
            files = re.compile(hook["files"])
            for name in LOCKFILES:
                with self.subTest(hooks=str(path), hook=hook["id"], lockfile=name):
                    self.assertIsNotNone(files.search(name))
            for name in NOT_LOCKFILES:
                with self.subTest(hooks=str(path), hook=hook["id"], other=name):
                    self.assertIsNone(files.search(name))

    def test_the_mirror_installs_python_and_the_offline_hook_is_offline(self):
        for path, hook in hooks():
            with self.subTest(hooks=str(path), hook=hook["id"]):
                expected = "python" if "mirror" in str(path) else "rust"
                self.assertEqual(hook["language"], expected)
                self.assertTrue(hook["pass_filenames"])
                if hook["id"] == "pubgate-offline":
                    self.assertEqual(hook["entry"], "pubgate check --offline")
                    self.assertEqual(hook["args"], ["--provenance-dir", "vendor/pubgate"])
                else:
                    self.assertEqual(hook["entry"], "pubgate check")


FIND_LINKS = os.environ.get("PUBGATE_FIND_LINKS")
PRE_COMMIT = os.environ.get("PRE_COMMIT")


def git(cwd: Path, *args: str) -> str:
    env = dict(
        os.environ,
        GIT_AUTHOR_NAME="t",
        GIT_AUTHOR_EMAIL="t@example.invalid",
        GIT_COMMITTER_NAME="t",
        GIT_COMMITTER_EMAIL="t@example.invalid",
    )
    return subprocess.run(
        ["git", "-c", "init.defaultBranch=main", *args],
        cwd=cwd,
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout


@unittest.skipUnless(
    (FIND_LINKS and PRE_COMMIT) or os.environ.get("CI") == "true",
    "needs PUBGATE_FIND_LINKS and PRE_COMMIT (.ci/run sets them)",
)
class MirrorHooksTest(unittest.TestCase):
    """pre-commit installs the mirror's hooks from the wheel and runs them on the demo."""

    @classmethod
    def setUpClass(cls):
        cls.tmp = Path(tempfile.mkdtemp(prefix="pubgate-pre-commit-"))
        wheels = sorted(Path(FIND_LINKS).glob("pubgate_cli-*.whl"))
        if len(wheels) != 1:
            raise AssertionError(f"expected one pubgate-cli wheel in {FIND_LINKS}, found {wheels}")
        version = wheels[0].name.split("-")[1]

        cls.mirror = cls.tmp / "mirror"
        subprocess.run(
            ["python3", str(ROOT / "scripts" / "render-pre-commit-mirror.py"), version, str(cls.mirror)],
            check=True,
            capture_output=True,
        )
        git(cls.mirror, "init", "-q")
        git(cls.mirror, "add", ".")
        git(cls.mirror, "commit", "-q", "-m", "mirror")
        cls.rev = git(cls.mirror, "rev-parse", "HEAD").strip()

        # A project: the demo's lockfile under the names the pattern must catch.
        cls.project = cls.tmp / "project"
        demo = ROOT / "fixtures" / "demo"
        shutil.copytree(demo / "vendor", cls.project / "vendor")
        shutil.copy(demo / "pubgate.toml", cls.project / "pubgate.toml")
        shutil.copy(ROOT / "policies" / "strict.toml", cls.project / "strict.toml")
        lock = (demo / "requirements.txt").read_text(encoding="utf-8")
        for name in ("requirements.txt", "requirements/base.txt", "dev-requirements.txt", "requirements-test.txt"):
            (cls.project / name).parent.mkdir(parents=True, exist_ok=True)
            (cls.project / name).write_text(lock, encoding="utf-8")
        (cls.project / "notes.txt").write_text("not a lockfile: pubgate must never see it\n")
        git(cls.project, "init", "-q")
        git(cls.project, "add", ".")
        git(cls.project, "commit", "-q", "-m", "project")
        cls.home = cls.tmp / "pre-commit-home"

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def run_hooks(self, config: str) -> subprocess.CompletedProcess:
        (self.project / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
        env = dict(
            os.environ,
            PRE_COMMIT_HOME=str(self.home),
            PIP_NO_INDEX="1",
            PIP_FIND_LINKS=FIND_LINKS,
            PIP_DISABLE_PIP_VERSION_CHECK="1",
            NO_COLOR="1",
        )
        env.pop("PUBGATE_INDEX_URL", None)
        return subprocess.run(
            [PRE_COMMIT, "run", "--all-files", "--verbose", "--color", "never"],
            cwd=self.project,
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )

    def mirror_config(self, hook_id: str, args: list[str]) -> str:
        return yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": str(self.mirror),
                        "rev": self.rev,
                        "hooks": [{"id": hook_id, "args": args}],
                    }
                ]
            }
        )

    def installed_from_the_wheel(self):
        dist_infos = list(self.home.glob("repo*/py_env-*/lib/python*/site-packages/pubgate_cli-*.dist-info"))
        self.assertTrue(dist_infos, "pubgate-cli is not installed in a hook environment")
        for dist_info in dist_infos:
            wheel = (dist_info / "WHEEL").read_text()
            self.assertIn("Root-Is-Purelib: false", wheel)
            self.assertIn("Tag: py3-none-", wheel)

    def test_the_offline_hook_passes_the_demo_and_sees_every_requirements_name(self):
        result = self.run_hooks(self.mirror_config("pubgate-offline", ["--provenance-dir", "vendor"]))
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        self.assertIn("Passed", output)
        for name in ("requirements.txt", "requirements/base.txt", "dev-requirements.txt", "requirements-test.txt"):
            self.assertIn(f"{name} (requirements, 6 packages)", output)
        self.assertNotIn("notes.txt", output)
        self.assertIn("PASS: no finding at deny, 8 warnings", output)
        self.installed_from_the_wheel()

    def test_the_offline_hook_fails_a_commit_the_policy_rejects(self):
        result = self.run_hooks(
            self.mirror_config("pubgate-offline", ["--provenance-dir", "vendor", "--policy", "strict.toml"])
        )
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 1, output)
        self.assertIn("Failed", output)
        self.assertIn("FAIL: 12 findings at deny", output)

    def test_a_local_hook_installs_the_wheel_from_additional_dependencies(self):
        version = next(Path(FIND_LINKS).glob("pubgate_cli-*.whl")).name.split("-")[1]
        config = yaml.safe_dump(
            {
                "repos": [
                    {
                        "repo": "local",
                        "hooks": [
                            {
                                "id": "pubgate",
                                "name": "pubgate check",
                                "entry": "pubgate check --offline --provenance-dir vendor",
                                "language": "python",
                                "additional_dependencies": [f"pubgate-cli=={version}"],
                                "files": next(hooks())[1]["files"],
                                "pass_filenames": True,
                                "require_serial": True,
                            }
                        ],
                    }
                ]
            }
        )
        result = self.run_hooks(config)
        output = result.stdout + result.stderr
        self.assertEqual(result.returncode, 0, output)
        self.assertIn("PASS: no finding at deny, 8 warnings", output)


if __name__ == "__main__":
    unittest.main()
