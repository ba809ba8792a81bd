#!/usr/bin/env bash
# Installs a released pubgate binary for this machine, checked against the sha256 table
# committed beside this script: the GitHub Action's install step (action.yml).
#
#   scripts/install-pubgate.sh --dest DIR [--version X.Y.Z] [--target TRIPLE] [--table FILE]
#
# --version   a release listed in the table; empty (the default) means the last one listed
# --target    the Rust target triple of the binary (default: this machine's)
# --dest      the binary goes to DIR/bin/pubgate (pubgate.exe on Windows)
# --table     the sha256 table (default: pubgate-release.sha256 beside this script)
#
# Exit codes: 0 installed (the binary's path is printed on stdout); 1 failed, nothing
# installed (a version the table does not know, a download error, a hash mismatch, ...);
# 3 there is no released binary for this target, or no release is listed at all: the
# caller may build from source instead.
#
# The archives come from the GitHub release unless PUBGATE_DOWNLOAD_URL names another place
# that serves the same files (a mirror); wherever they come from, an archive is unpacked
# only if its sha256 is the one in the table. Plain http is accepted for loopback only.
# Written for bash 3.2 (macOS), Git Bash (Windows) and Linux.
set -euo pipefail

readonly DEFAULT_DOWNLOAD_URL="https://github.com/pubgate/pubgate/releases/download"
readonly MAX_ARCHIVE_BYTES=209715200 # 200 MiB: the archives are a few MiB
# Every target a release ships an archive for (see .github/workflows/release.yml).
readonly KNOWN_TARGETS="x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-apple-darwin aarch64-apple-darwin x86_64-pc-windows-msvc"

die() {
  echo "install-pubgate: $*" >&2
  exit 1
}

no_binary() {
  echo "install-pubgate: $*" >&2
  exit 3
}

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
table="$here/pubgate-release.sha256"
version=""
target=""
dest=""

while [ $# -gt 0 ]; do
  case "$1" in
    --version | --target | --dest | --table)
      [ $# -ge 2 ] || die "\`$1\` needs a value"
      case "$1" in
        --version) version=$2 ;;
        --target) target=$2 ;;
        --dest) dest=$2 ;;
        --table) table=$2 ;;
      esac
      shift 2
      ;;
    *) die "unknown argument \`$1\` (usage: install-pubgate.sh --dest DIR [--version X.Y.Z] [--target TRIPLE] [--table FILE])" ;;
  esac
done

[ -n "$dest" ] || die "\`--dest DIR\` is required"
[ -f "$table" ] || die "the sha256 table \`$table\` does not exist"

version=${version#v}
case "$version" in
  *[!0-9A-Za-z.+-]*) die "\`$version\` is not a version: use one like \`0.2.0\`" ;;
esac

# This machine's target, in the names the release uses.
if [ -z "$target" ]; then
  os=$(uname -s)
  arch=$(uname -m)
  case "$arch" in
    x86_64 | amd64 | AMD64) arch=x86_64 ;;
    aarch64 | arm64 | ARM64) arch=aarch64 ;;
  esac
  case "$os" in
    Linux) target="$arch-unknown-linux-musl" ;;
    Darwin) target="$arch-apple-darwin" ;;
    MINGW* | MSYS* | CYGWIN* | Windows_NT) target="$arch-pc-windows-msvc" ;;
    *) target="$arch-$os" ;;
  esac
fi
case "$target" in
  *[!0-9A-Za-z_.-]*) die "\`$target\` is not a target triple" ;;
  *-windows-*) ext=zip exe=pubgate.exe ;;
  *) ext=tar.gz exe=pubgate ;;
esac

# Reads the table: `SHA256  pubgate-VERSION-TARGET.EXT` lines (sha256sum's format), `#`
# comments and blank lines. A line that is neither is an error: the table decides what
# may run, so a damaged one must not be read halfway.
versions="" # every version listed, in table order, space-separated
entries=""  # `NAME HASH` per line, validated
lineno=0
while IFS= read -r line || [ -n "$line" ]; do
  lineno=$((lineno + 1))
  line=${line%$'\r'}
  case "$line" in '' | '#'*) continue ;; esac
  set -f # the fields are data: no globbing
  # shellcheck disable=SC2086 # split on whitespace on purpose
  set -- $line
  set +f
  [ $# -eq 2 ] || die "$table:$lineno: expected \`SHA256  FILE\`, found \`$line\`"
  hash=$1
  name=${2#\*}
  case "$hash" in
    *[!0-9a-fA-F]*) die "$table:$lineno: \`$hash\` is not a sha256" ;;
  esac
  [ ${#hash} -eq 64 ] || die "$table:$lineno: \`$hash\` is not a sha256 (64 hex digits)"
  listed=""
  for known in $KNOWN_TARGETS; do
    for known_ext in tar.gz zip; do
      case "$name" in
        pubgate-?*-"$known.$known_ext")
          listed=${name#pubgate-}
          listed=${listed%-"$known.$known_ext"}
          ;;
      esac
    done
  done
  case "$listed" in
    '' | *[!0-9A-Za-z.+-]*) die "$table:$lineno: \`$name\` is not a pubgate release archive (pubgate-VERSION-TARGET.tar.gz or .zip)" ;;
  esac
  case " $versions " in *" $listed "*) ;; *) versions="${versions:+$versions }$listed" ;; esac
  entries="$entries$name $(printf '%s' "$hash" | tr 'A-F' 'a-f')
"
done <"$table"

if [ -z "$version" ]; then
  [ -n "$versions" ] || no_binary "no pubgate release is listed in \`$table\`"
  version=${versions##* } # the last one listed: releases are appended
fi
case " $versions " in
  *" $version "*) ;;
  *) die "no sha256 is known for pubgate \`$version\`: this action knows ${versions:-no release}; pin one of those, or \`version: source\` to build from the action's pinned source" ;;
esac

archive="pubgate-$version-$target.$ext"
expected=""
while read -r name hash; do
  if [ "$name" = "$archive" ]; then
    [ -z "$expected" ] || [ "$expected" = "$hash" ] || die "\`$table\` lists \`$archive\` twice with different hashes"
    expected=$hash
  fi
done <<EOF_ENTRIES
$entries
EOF_ENTRIES
[ -n "$expected" ] || no_binary "pubgate \`$version\` has no released binary for \`$target\`"

# The download location: https, or plain http to a loopback address only.
base=${PUBGATE_DOWNLOAD_URL:-$DEFAULT_DOWNLOAD_URL}
base=${base%/}
case "$base" in
  https://*) scheme=https ;;
  http://127.* | http://localhost | http://localhost[:/]* | "http://[::1]"*) scheme=http ;;
  *) die "PUBGATE_DOWNLOAD_URL \`$base\` must be an https URL (plain http only on loopback)" ;;
esac
url="$base/v$version/$archive"

command -v curl >/dev/null 2>&1 || die "curl is needed to download pubgate"
mkdir -p "$dest"
staging=$(mktemp -d "$dest/.install.XXXXXX")
trap 'rm -rf "$staging"' EXIT

curl --fail --silent --show-error --location \
  --proto "=$scheme" --proto-redir "=$scheme" \
  --retry 3 --retry-delay 2 --connect-timeout 20 --max-time 300 \
  --max-filesize "$MAX_ARCHIVE_BYTES" \
  --output "$staging/$archive" "$url" ||
  die "cannot download \`$url\` (curl exit $?)"

if command -v sha256sum >/dev/null 2>&1; then
  actual=$(sha256sum "$staging/$archive")
elif command -v shasum >/dev/null 2>&1; then
  actual=$(shasum -a 256 "$staging/$archive")
else
  actual=$(openssl dgst -sha256 -r "$staging/$archive")
fi
actual=$(printf '%s' "${actual%% *}" | tr 'A-F' 'a-f')
[ "$actual" = "$expected" ] ||
  die "\`$url\` has sha256 \`$actual\`, but \`$table\` says \`$expected\`: refusing to install it"

# Unpacked only now that the bytes are the released ones.
mkdir "$staging/unpacked"
case "$ext" in
  tar.gz) tar -xzf "$staging/$archive" -C "$staging/unpacked" ;;
  zip)
    if command -v unzip >/dev/null 2>&1; then
      unzip -q "$staging/$archive" -d "$staging/unpacked"
    else
      # Git Bash without unzip: PowerShell needs Windows paths.
      powershell -NoProfile -NonInteractive -Command \
        "Expand-Archive -LiteralPath '$(cygpath -w "$staging/$archive")' -DestinationPath '$(cygpath -w "$staging/unpacked")'"
    fi
    ;;
esac
binary="$staging/unpacked/pubgate-$version-$target/$exe"
if [ ! -f "$binary" ] || [ -L "$binary" ]; then
  die "\`$archive\` has no \`pubgate-$version-$target/$exe\`"
fi
chmod +x "$binary"

reported=$("$binary" --version 2>&1) || die "the downloaded pubgate does not run on this machine: $reported"
[ "$reported" = "pubgate $version" ] ||
  die "the downloaded binary says \`$reported\`, expected \`pubgate $version\`"

mkdir -p "$dest/bin"
mv -f "$binary" "$dest/bin/$exe"
echo "install-pubgate: pubgate $version ($target) from \`$url\`, sha256 $actual" >&2
echo "$dest/bin/$exe"
