"""The `pubgate` command the wheel installs runs the README's demo as the README shows.

Needs PUBGATE_COMMAND, the `pubgate` of a fresh virtual environment the wheel was installed
into (.ci/run sets it; skipped without it, except in CI).
"""

import os
import re
import shlex
import subprocess
import unittest
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
COMMAND = os.environ.get("PUBGATE_COMMAND")
IN_CI = os.environ.get("CI") == "true"


def readme_demo(name: str) -> tuple[list[str], list[str]]:
    """The command (after `$ pubgate`) and the output lines of the README's demo block."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(rf"<!-- demo: {name} -->\n```text\n(.*?)```", readme, re.S)
    assert block, f"no `<!-- demo: {name} -->` block in README.md"
    first, *output = block.group(1).splitlines()
    assert first.startswith("$ pubgate check "), first
    return shlex.split(first[len("$ pubgate ") :]), output


@unittest.skipUnless(COMMAND or IN_CI, "needs PUBGATE_COMMAND (.ci/run sets it)")
class InstalledCommandTest(unittest.TestCase):
    def run_pubgate(self, args: list[str]) -> subprocess.CompletedProcess:
        env = dict(os.environ, NO_COLOR="1")
        env.pop("PUBGATE_INDEX_URL", None)
        return subprocess.run(
            [COMMAND, *args, "--no-cache"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300
        )

    def test_the_command_is_the_version_cargo_builds(self):
        version = re.search(r'^version = "(.*)"$', (ROOT / "Cargo.toml").read_text(), re.M).group(1)
        result = subprocess.run([COMMAND, "--version"], capture_output=True, text=True)
        self.assertEqual(result.stdout.strip(), f"pubgate {version}")

    def test_the_readme_demo_passes_with_the_output_the_readme_shows(self):
        args, expected = readme_demo("pass")
        result = self.run_pubgate(args)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(result.stdout.splitlines(), expected)

    def test_the_readme_demo_fails_under_the_strict_policy(self):
        args, expected = readme_demo("fail")
        result = self.run_pubgate(args)
        self.assertEqual(result.returncode, 1, result.stderr)
        lines = result.stdout.splitlines()
        shown = [line for line in expected if line != "…"]
        self.assertTrue(shown)
        for line in shown:  # the README elides the top of the report
            self.assertIn(line, lines)
        self.assertEqual(lines[-1], "FAIL: 3 findings at deny")


if __name__ == "__main__":
    unittest.main()
