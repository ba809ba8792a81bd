"""The composite action (action.yml) run step by step as the GitHub runner would: the
install step downloads a release archive from a file server on loopback and checks it
against the action's table, the check step runs the installed pubgate on the demo in a
subdirectory, and the outputs and the SARIF name files from the repository root.

Needs PyYAML and, from .ci/run, PUBGATE_WHEEL (the built pubgate-cli wheel, whose binary
becomes the release archive); skipped without it.
"""

import hashlib
import http.server
import json
import os
import platform
import re
import shutil
import subprocess
import tempfile
import threading
import unittest
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
WHEEL = os.environ.get("PUBGATE_WHEEL")
EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def this_target() -> str:
    arch = {"x86_64": "x86_64", "amd64": "x86_64", "aarch64": "aarch64", "arm64": "aarch64"}[
        platform.machine().lower()
    ]
    return f"{arch}-unknown-linux-musl"


class Runner:
    """Runs the steps of a composite action with bash, like `shell: bash` on a runner."""

    def __init__(self, action_path: Path, workspace: Path, temp: Path, download_url: str):
        self.action = yaml.safe_load((action_path / "action.yml").read_text(encoding="utf-8"))
        self.action_path = action_path
        self.workspace = workspace
        self.temp = temp
        self.download_url = download_url

    def evaluate(self, text: str, inputs: dict, steps: dict) -> str:
        def value(match: re.Match) -> str:
            expression = match.group(1)
            parts = expression.split(".")
            if parts[0] == "inputs" and len(parts) == 2:
                return inputs[parts[1]]
            if parts[0] == "steps" and len(parts) == 4 and parts[2] == "outputs":
                return steps.get(parts[1], {}).get(parts[3], "")
            raise AssertionError(f"the test runner does not evaluate `{expression}`")

        return EXPRESSION.sub(value, str(text))

    def run(self, given: dict) -> dict:
        """Runs every step (stopping at the first that fails, as GitHub does); returns the
        action's outputs, each step's exit code and the log."""
        declared = self.action["inputs"]
        unknown = set(given) - set(declared)
        assert not unknown, f"not inputs of the action: {unknown}"
        inputs = {name: given.get(name, spec.get("default", "")) for name, spec in declared.items()}
        steps: dict = {}
        codes: dict = {}
        log = ""
        for step in self.action["runs"]["steps"]:
            assert step["shell"] == "bash"
            output = self.temp / f"output-{step['id']}"
            output.write_text("")
            env = {
                "PATH": os.environ["PATH"],
                "HOME": os.environ.get("HOME", str(self.temp)),
                "GITHUB_ACTION_PATH": str(self.action_path),
                "GITHUB_WORKSPACE": str(self.workspace),
                "GITHUB_OUTPUT": str(output),
                "GITHUB_STEP_SUMMARY": str(self.temp / "summary.md"),
                "RUNNER_TEMP": str(self.temp),
                "PUBGATE_DOWNLOAD_URL": self.download_url,
                "NO_COLOR": "1",
                "XDG_CACHE_HOME": str(self.temp / "cache"),
            }
            for name, text in step.get("env", {}).items():
                env[name] = self.evaluate(text, inputs, steps)
            cwd = self.workspace / self.evaluate(step.get("working-directory", "."), inputs, steps)
            script = self.temp / f"step-{step['id']}.sh"
            script.write_text(step["run"], encoding="utf-8")
            result = subprocess.run(
                ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                cwd=cwd,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
            )
            log += result.stdout + result.stderr
            codes[step["id"]] = result.returncode
            steps[step["id"]] = dict(
                line.split("=", 1) for line in output.read_text().splitlines() if "=" in line
            )
            if result.returncode != 0:
                break
        outputs = {
            name: self.evaluate(spec["value"], inputs, steps)
            for name, spec in self.action["outputs"].items()
        }
        return {"outputs": outputs, "codes": codes, "log": log}


@unittest.skipUnless(WHEEL or os.environ.get("CI") == "true", "needs PUBGATE_WHEEL (.ci/run sets it)")
class ActionStepsTest(unittest.TestCase):
    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="pubgate-action-"))
        version = Path(WHEEL).name.split("-")[1]
        self.version = version

        # The release: the wheel's binary as this machine's archive, served on loopback.
        release = self.tmp / "release" / f"v{version}"
        subprocess.run(
            [
                "python3",
                str(ROOT / "scripts" / "package-release-binary.py"),
                WHEEL,
                "--version",
                version,
                "--target",
                this_target(),
                "--out",
                str(release),
            ],
            check=True,
            capture_output=True,
        )
        checksum = next(release.glob("*.sha256")).read_text()

        # The action as a workflow gets it: action.yml and scripts/, with a table that
        # lists this release.
        self.action_path = self.tmp / "action"
        (self.action_path / "scripts").mkdir(parents=True)
        shutil.copy(ROOT / "action.yml", self.action_path)
        shutil.copy(ROOT / "scripts" / "install-pubgate.sh", self.action_path / "scripts")
        self.table = self.action_path / "scripts" / "pubgate-release.sha256"
        committed = (ROOT / "scripts" / "pubgate-release.sha256").read_text()
        self.table.write_text(committed + checksum)

        # The repository being checked: the demo in a subdirectory, and the policies.
        self.workspace = self.tmp / "workspace"
        shutil.copytree(ROOT / "fixtures" / "demo", self.workspace / "fixtures" / "demo")
        shutil.copytree(ROOT / "policies", self.workspace / "policies")

        self.requests: list[str] = []
        requests = self.requests

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(release.parent), **kwargs)

            def do_GET(self):
                requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.temp = self.tmp / "runner-temp"
        self.temp.mkdir()
        self.runner = Runner(self.action_path, self.workspace, self.temp, url)

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        shutil.rmtree(self.tmp, ignore_errors=True)

    DEMO = {
        "working-directory": "fixtures/demo",
        "lockfiles": "requirements.txt",
        "args": "--offline --provenance-dir vendor --no-cache",
    }

    def sarif_uris(self, path: str) -> set:
        log = json.loads(Path(path).read_text())
        return {
            location["physicalLocation"]["artifactLocation"]["uri"]
            for run in log["runs"]
            for result in run["results"]
            for location in result["locations"]
        }

    def test_the_demo_passes_with_the_outputs_and_paths_from_the_repository_root(self):
        run = self.runner.run({**self.DEMO, "policy": "pubgate.toml", "sarif": "reports/pubgate.sarif"})
        self.assertEqual(run["codes"], {"install": 0, "check": 0}, run["log"])
        outputs = run["outputs"]
        self.assertEqual(outputs["exit-code"], "0")
        self.assertEqual((outputs["deny"], outputs["warn"], outputs["exempted"]), ("0", "2", "1"))
        self.assertEqual(outputs["report"], str(self.workspace / "fixtures" / "demo" / "reports" / "pubgate.sarif"))
        self.assertEqual(self.sarif_uris(outputs["report"]), {"fixtures/demo/requirements.txt"})
        # The annotations come from the same run, named from the repository root.
        self.assertIn("::warning file=fixtures/demo/requirements.txt,line=14,title=PG101", run["log"])
        self.assertIn("::notice file=fixtures/demo/requirements.txt,line=11,title=PG202", run["log"])
        self.assertIn("exempted by fixtures/demo/pubgate.toml:25", run["log"])
        self.assertIn("pubgate: pass", run["log"])
        self.assertIn("| fixtures/demo/requirements.txt:14 |", (self.temp / "summary.md").read_text())
        # Installed from the release, checked against the table.
        self.assertEqual(len(self.requests), 1, self.requests)
        self.assertIn(f"pubgate {self.version} ({this_target()})", run["log"])

    def test_a_failing_policy_fails_the_step_with_counts_and_a_report(self):
        run = self.runner.run({**self.DEMO, "policy": "../../policies/strict.toml"})
        self.assertEqual(run["codes"], {"install": 0, "check": 1}, run["log"])
        outputs = run["outputs"]
        self.assertEqual(outputs["exit-code"], "1")
        self.assertEqual((outputs["deny"], outputs["warn"], outputs["exempted"]), ("3", "0", "0"))
        self.assertTrue(outputs["report"].startswith(str(self.temp)), outputs["report"])
        self.assertEqual(self.sarif_uris(outputs["report"]), {"fixtures/demo/requirements.txt"})
        self.assertIn("::error file=fixtures/demo/requirements.txt,line=11,title=PG202", run["log"])
        self.assertIn("::error title=pubgate::the dependency publishing policy failed", run["log"])

    def test_a_run_that_cannot_be_judged_has_no_counts_and_no_report(self):
        run = self.runner.run({**self.DEMO, "policy": "no-such-policy.toml"})
        self.assertEqual(run["codes"], {"install": 0, "check": 2}, run["log"])
        outputs = run["outputs"]
        self.assertEqual(outputs["exit-code"], "2")
        self.assertEqual((outputs["deny"], outputs["warn"], outputs["exempted"], outputs["report"]), ("", "", "", ""))
        self.assertIn("could not judge this run (exit 2); failing closed", run["log"])

    def test_an_unknown_version_fails_before_downloading_or_checking(self):
        run = self.runner.run({**self.DEMO, "version": "0.0.0-unknown"})
        self.assertEqual(run["codes"], {"install": 1}, run["log"])
        self.assertEqual(self.requests, [])
        self.assertEqual(run["outputs"]["exit-code"], "")
        self.assertIn("no sha256 is known for pubgate `0.0.0-unknown`", run["log"])

    def test_a_tampered_archive_fails_the_install(self):
        self.table.write_text(re.sub(r"^[0-9a-f]{64}", "0" * 64, self.table.read_text(), flags=re.M))
        run = self.runner.run({**self.DEMO, "version": self.version})
        self.assertEqual(run["codes"], {"install": 1}, run["log"])
        self.assertIn("refusing to install it", run["log"])
        self.assertFalse((self.temp / "pubgate" / "bin" / "pubgate").exists())

    def test_a_second_use_in_the_same_job_reuses_the_installed_binary(self):
        first = self.runner.run({**self.DEMO, "policy": "pubgate.toml"})
        second = self.runner.run({**self.DEMO, "policy": "pubgate.toml"})
        self.assertEqual(first["codes"], {"install": 0, "check": 0}, first["log"])
        self.assertEqual(second["codes"], {"install": 0, "check": 0}, second["log"])
        self.assertEqual(len(self.requests), 1, self.requests)

    def test_a_check_from_the_repository_root_needs_no_prefix(self):
        run = self.runner.run(
            {
                "lockfiles": "fixtures/demo/requirements.txt",
                "policy": "fixtures/demo/pubgate.toml",
                "args": "--offline --provenance-dir fixtures/demo/vendor --no-cache",
            }
        )
        self.assertEqual(run["codes"], {"install": 0, "check": 0}, run["log"])
        self.assertEqual(self.sarif_uris(run["outputs"]["report"]), {"fixtures/demo/requirements.txt"})


@unittest.skipUnless(
    shutil.which("shellcheck") or os.environ.get("CI") == "true", "needs shellcheck (.ci/run installs it)"
)
class StepScriptsTest(unittest.TestCase):
    def test_every_step_script_passes_shellcheck(self):
        action = yaml.safe_load((ROOT / "action.yml").read_text(encoding="utf-8"))
        for step in action["runs"]["steps"]:
            with self.subTest(step=step["id"]):
                self.assertNotIn("${{", step["run"], "expressions go through env, never into the script")
                result = subprocess.run(
                    ["shellcheck", "--shell=bash", "-"], input=step["run"], capture_output=True, text=True
                )
                self.assertEqual(result.returncode, 0, result.stdout)


if __name__ == "__main__":
    unittest.main()
