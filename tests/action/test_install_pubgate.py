"""The GitHub Action's install step (scripts/install-pubgate.sh) against a file server on
loopback: a good hash installs, a wrong hash or an unknown version installs nothing.

Standard library only; run by .ci/run:

    python3 -m unittest discover -s tests/action -v
"""

import hashlib
import http.server
import io
import os
import stat
import subprocess
import tarfile
import tempfile
import threading
import unittest
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "scripts" / "install-pubgate.sh"
ADD_HASHES = ROOT / "scripts" / "add-release-hashes.py"
ALL_TARGETS = [
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
]
LINUX = "x86_64-unknown-linux-musl"
WINDOWS = "x86_64-pc-windows-msvc"
MAC_ARM = "aarch64-apple-darwin"


def fake_binary(reports: str) -> bytes:
    """A stand-in for the pubgate binary: prints what `pubgate --version` would."""
    return f'#!/bin/sh\necho "{reports}"\n'.encode()


def tar_gz(top: str, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as tar:
        info = tarfile.TarInfo(f"{top}/{name}")
        info.size = len(content)
        info.mode = 0o755
        tar.addfile(info, io.BytesIO(content))
    return out.getvalue()


def zip_file(top: str, name: str, content: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr(f"{top}/{name}", content)
    return out.getvalue()


class Release:
    """Release assets served under /vVERSION/, and the requests the server saw."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.requests: list[str] = []

    def add(self, version: str, target: str, reports: str | None = None) -> tuple[str, str]:
        """Writes the archive of `version` for `target`; returns its name and sha256."""
        top = f"pubgate-{version}-{target}"
        binary = fake_binary(reports or f"pubgate {version}")
        if "windows" in target:
            name, data = f"{top}.zip", zip_file(top, "pubgate.exe", binary)
        else:
            name, data = f"{top}.tar.gz", tar_gz(top, "pubgate", binary)
        folder = self.directory / f"v{version}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / name).write_bytes(data)
        return name, hashlib.sha256(data).hexdigest()


class LoopbackRelease(unittest.TestCase):
    """A release served on loopback, a table, and the install script to run."""

    def setUp(self):
        self.tmp = Path(tempfile.mkdtemp(prefix="install-pubgate-"))
        self.release = Release(self.tmp / "release")
        self.release.directory.mkdir()
        self.dest = self.tmp / "dest"
        self.table = self.tmp / "table.sha256"
        release = self.release

        class Handler(http.server.SimpleHTTPRequestHandler):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, directory=str(release.directory), **kwargs)

            def do_GET(self):
                release.requests.append(self.path)
                super().do_GET()

            def log_message(self, *args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        thread.start()

    def tearDown(self):
        self.server.shutdown()
        self.server.server_close()
        subprocess.run(["rm", "-rf", str(self.tmp)], check=True)

    def write_table(self, *lines: str):
        self.table.write_text("# test table\n" + "".join(f"{line}\n" for line in lines))

    def install(self, *args: str, url: str | None = None) -> subprocess.CompletedProcess:
        env = dict(os.environ, PUBGATE_DOWNLOAD_URL=url or self.url)
        return subprocess.run(
            ["bash", str(SCRIPT), "--dest", str(self.dest), "--table", str(self.table), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )

    def assert_nothing_installed(self):
        self.assertFalse((self.dest / "bin").exists(), "a binary was installed")
        leftovers = list(self.dest.glob(".install.*")) if self.dest.exists() else []
        self.assertEqual(leftovers, [], "the staging directory was left behind")



class InstallScriptTest(LoopbackRelease):
    # -- the three cases the issue names ------------------------------------------------

    def test_good_hash_installs_the_binary(self):
        name, digest = self.release.add("1.2.3", LINUX)
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 0, result.stderr)
        installed = Path(result.stdout.strip())
        self.assertEqual(installed, self.dest / "bin" / "pubgate")
        self.assertTrue(installed.stat().st_mode & stat.S_IXUSR)
        run = subprocess.run([str(installed), "--version"], capture_output=True, text=True)
        self.assertEqual(run.stdout.strip(), "pubgate 1.2.3")
        self.assertEqual(self.release.requests, [f"/v1.2.3/{name}"])
        self.assertIn(digest, result.stderr)

    def test_wrong_hash_installs_nothing(self):
        name, digest = self.release.add("1.2.3", LINUX)
        wrong = hashlib.sha256(b"something else").hexdigest()
        self.write_table(f"{wrong}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn(f"has sha256 `{digest}`", result.stderr)
        self.assertIn(f"says `{wrong}`", result.stderr)
        self.assertIn("refusing to install it", result.stderr)
        self.assertEqual(self.release.requests, [f"/v1.2.3/{name}"])
        self.assert_nothing_installed()

    def test_unknown_version_fails_before_any_download(self):
        name, digest = self.release.add("1.2.3", LINUX)
        self.release.add("9.9.9", LINUX)  # served, but the table does not know it
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "9.9.9", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("no sha256 is known for pubgate `9.9.9`", result.stderr)
        self.assertIn("this action knows 1.2.3", result.stderr)
        self.assertEqual(self.release.requests, [])
        self.assert_nothing_installed()

    # -- the rest of the contract ------------------------------------------------------

    def test_default_version_is_the_last_listed(self):
        old_name, old_digest = self.release.add("1.2.3", LINUX)
        new_name, new_digest = self.release.add("1.3.0", LINUX)
        self.write_table(f"{old_digest}  {old_name}", f"{new_digest}  {new_name}")
        result = self.install("--target", LINUX)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.release.requests, [f"/v1.3.0/{new_name}"])

    def test_a_leading_v_is_accepted(self):
        name, digest = self.release.add("1.2.3", LINUX)
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "v1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 0, result.stderr)

    def test_no_binary_for_this_target_exits_3_without_downloading(self):
        name, digest = self.release.add("1.2.3", LINUX)
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", MAC_ARM)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn(f"no released binary for `{MAC_ARM}`", result.stderr)
        self.assertEqual(self.release.requests, [])
        self.assert_nothing_installed()

    def test_an_empty_table_exits_3_when_no_version_is_asked(self):
        self.write_table()
        result = self.install("--target", LINUX)
        self.assertEqual(result.returncode, 3, result.stderr)
        self.assertIn("no pubgate release is listed", result.stderr)

    def test_an_empty_table_fails_for_an_explicit_version(self):
        self.write_table()
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)

    def test_windows_archives_are_zip_files(self):
        name, digest = self.release.add("1.2.3", WINDOWS)
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", WINDOWS)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(Path(result.stdout.strip()), self.dest / "bin" / "pubgate.exe")

    def test_a_binary_of_another_version_is_not_installed(self):
        name, digest = self.release.add("1.2.3", LINUX, reports="pubgate 1.0.0")
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("says `pubgate 1.0.0`, expected `pubgate 1.2.3`", result.stderr)
        self.assert_nothing_installed()

    def test_a_missing_asset_fails(self):
        name, digest = self.release.add("1.2.3", LINUX)
        (self.release.directory / "v1.2.3" / name).unlink()
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("cannot download", result.stderr)
        self.assert_nothing_installed()

    def test_a_damaged_table_is_an_error(self):
        name, digest = self.release.add("1.2.3", LINUX)
        for bad in (
            f"{digest[:-1]}  {name}",
            f"{digest}  {name} extra",
            f"{digest}  pubgate-1.2.3-sparc-sun-solaris.tar.gz",
            f"{digest}  ../../pubgate-1.2.3-{LINUX}.tar.gz",
            f"{digest}  pubgate-1.2.3/../../x-{LINUX}.tar.gz",
        ):
            with self.subTest(line=bad):
                self.write_table(f"{digest}  {name}", bad)
                result = self.install("--version", "1.2.3", "--target", LINUX)
                self.assertEqual(result.returncode, 1, result.stderr)
                self.assertIn("table.sha256:3:", result.stderr)
                self.assertEqual(self.release.requests, [])

    def test_two_hashes_for_one_archive_is_an_error(self):
        name, digest = self.release.add("1.2.3", LINUX)
        other = hashlib.sha256(b"other").hexdigest()
        self.write_table(f"{digest}  {name}", f"{other}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("twice with different hashes", result.stderr)

    def test_plain_http_is_refused_off_loopback(self):
        name, digest = self.release.add("1.2.3", LINUX)
        self.write_table(f"{digest}  {name}")
        result = self.install("--version", "1.2.3", "--target", LINUX, url="http://mirror.invalid/pubgate")
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("must be an https URL", result.stderr)

    def test_a_version_with_path_characters_is_refused(self):
        self.write_table()
        result = self.install("--version", "1.2.3/../../x", "--target", LINUX)
        self.assertEqual(result.returncode, 1, result.stderr)
        self.assertIn("is not a version", result.stderr)


class AddReleaseHashesTest(LoopbackRelease):
    """scripts/add-release-hashes.py writes the lines the install script reads."""

    def release_with_checksums(self, version: str) -> Path:
        folder = self.release.directory / f"v{version}"
        for target in ALL_TARGETS:
            name, digest = self.release.add(version, target)
            (folder / f"{name}.sha256").write_text(f"{digest}  {name}\n")
        return folder

    def add(self, version: str, folder: Path) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["python3", str(ADD_HASHES), version, str(folder), "--table", str(self.table)],
            capture_output=True,
            text=True,
        )

    def test_added_hashes_install(self):
        self.write_table()
        folder = self.release_with_checksums("2.0.0")
        added = self.add("v2.0.0", folder)
        self.assertEqual(added.returncode, 0, added.stderr)
        self.assertEqual(len(added.stdout.splitlines()), len(ALL_TARGETS))
        result = self.install("--target", LINUX)
        self.assertEqual(result.returncode, 0, result.stderr)
        self.assertEqual(self.release.requests, [f"/v2.0.0/pubgate-2.0.0-{LINUX}.tar.gz"])

    def test_a_listed_version_is_never_changed(self):
        self.write_table()
        folder = self.release_with_checksums("2.0.0")
        self.assertEqual(self.add("2.0.0", folder).returncode, 0)
        before = self.table.read_text()
        again = self.add("2.0.0", folder)
        self.assertNotEqual(again.returncode, 0)
        self.assertIn("already lists pubgate 2.0.0", again.stderr)
        self.assertEqual(self.table.read_text(), before)

    def test_a_checksum_file_that_disagrees_is_refused(self):
        self.write_table()
        folder = self.release_with_checksums("2.0.0")
        name = f"pubgate-2.0.0-{LINUX}.tar.gz"
        (folder / f"{name}.sha256").write_text(f"{'0' * 64}  {name}\n")
        result = self.add("2.0.0", folder)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("but `" + name + "` has sha256", result.stderr)
        self.assertEqual(self.table.read_text(), "# test table\n")

    def test_a_missing_asset_is_refused(self):
        self.write_table()
        folder = self.release_with_checksums("2.0.0")
        (folder / "pubgate-2.0.0-x86_64-pc-windows-msvc.zip").unlink()
        result = self.add("2.0.0", folder)
        self.assertNotEqual(result.returncode, 0)
        self.assertIn("are both needed", result.stderr)


if __name__ == "__main__":
    unittest.main()
