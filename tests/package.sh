#!/usr/bin/env bash
# The Debian package as an agent gets it (SPEC §15): what it declares, what it holds, and the
# installed binary's command line working on a book of its own. Run by `make test-package`
# (part of `make test`) on the .deb Tauri's bundler made:
#
#   tests/package.sh target/debug/bundle/deb/Leadbook_0.1.0_amd64.deb
#
# The package is unpacked into a scratch root (dpkg -x), not installed: the test needs no root,
# leaves the machine as it was, and runs the files exactly as `apt install` would place them.
set -euo pipefail

deb=${1:?usage: tests/package.sh PATH/TO/Leadbook_VERSION_amd64.deb}
version=${2:-0.1.0}
[ -f "$deb" ] || { echo "package: no such file: $deb" >&2; exit 1; }

root=$(mktemp -d -t leadbook-package.XXXXXX)
trap 'rm -rf "$root"' EXIT
failures=0
ok() { echo "  ok   $1"; }
fail() { echo "  FAIL $1" >&2; failures=$((failures + 1)); }
check() { local name=$1; shift; if "$@" >/dev/null 2>&1; then ok "$name"; else fail "$name"; fi; }

echo "==> package $deb"

# What the package declares.
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = leadbook ] && ok "it is the package leadbook" || fail "Package is '$(field Package)', not leadbook"
[ "$(field Version)" = "$version" ] && ok "its version is $version" || fail "Version is '$(field Version)', not $version"
[ "$(field Architecture)" = amd64 ] && ok "it is for amd64" || fail "Architecture is '$(field Architecture)'"
depends=$(field Depends)
for dep in libwebkit2gtk-4.1-0 libgtk-3-0 libdbus-1-3; do
  # Each declared once, as a whole name (libgtk-3-0 is not libgtk-3-0-dev).
  n=$(tr ',' '\n' <<<"$depends" | sed 's/^ *//; s/ .*//' | grep -cx -- "$dep" || true)
  [ "$n" = 1 ] && ok "it depends on $dep" || fail "Depends ('$depends') names $dep $n times, not once"
done
[ -n "$(field Description)" ] && ok "it has a description" || fail "no Description"

# What it holds, unpacked where apt would put it.
dpkg -x "$deb" "$root"
bin="$root/usr/bin/leadbook"
desktop="$root/usr/share/applications/Leadbook.desktop"
check "the binary is /usr/bin/leadbook, executable" test -x "$bin"
check "the binary is an x86-64 ELF executable" bash -c "file -b '$bin' | grep -q 'ELF 64-bit.*x86-64'"
check "the desktop entry is /usr/share/applications/Leadbook.desktop" test -f "$desktop"
if [ -f "$desktop" ]; then
  entry() { sed -n "s/^$1=//p" "$desktop" | head -n1; }
  [ "$(entry Type)" = Application ] && ok "the entry is an application" || fail "Type=$(entry Type)"
  [ "$(entry Name)" = Leadbook ] && ok "the entry is named Leadbook" || fail "Name=$(entry Name)"
  exec_cmd=$(entry Exec | awk '{print $1}')
  [ -x "$root/usr/bin/$exec_cmd" ] && ok "its Exec ($exec_cmd) is the installed binary" || fail "Exec=$(entry Exec) is not in /usr/bin"
  icon=$(entry Icon)
  icons=$(find "$root/usr/share/icons/hicolor" -path "*/apps/$icon.png" 2>/dev/null | sort)
  [ -n "$icons" ] && ok "its icon '$icon' is installed in $(wc -l <<<"$icons") sizes" || fail "no icon $icon.png under /usr/share/icons/hicolor"
  for size in 32x32 128x128; do
    f="$root/usr/share/icons/hicolor/$size/apps/$icon.png"
    check "the $size icon is a ${size/x/ x } PNG" bash -c "file -b '$f' | grep -q 'PNG image data, ${size/x/ x }'"
  done
fi

# The installed binary's command line, on a book in the scratch root (never the user's).
if [ -x "$bin" ]; then
  book="$root/book/leadbook.db"
  run() { "$bin" --db "$book" "$@"; }
  check "leadbook --help says what it is" bash -c "'$bin' --help | grep -q 'offline-first CRM'"
  check "leadbook --version is $version" bash -c "'$bin' --version | grep -qx 'leadbook $version'"
  out=$(run --create lead add --name "Aisha Khan" --phone "050-123 4567" --budget-max 2500000 --locations "JVC" 2>&1) || true
  grep -q '"created":true' <<<"$out" && ok "lead add makes a lead in a new book" || fail "lead add: $out"
  out=$(run lead list 2>&1) || true
  grep -q '"phone":"+971501234567"' <<<"$out" && ok "lead list shows it, its phone in E.164" || fail "lead list: $out"
  out=$(run property add --title "2BR Marina Gate" --location JVC --price 1950000 2>&1) || true
  grep -q '"matched":1' <<<"$out" && ok "property add matches the buyer" || fail "property add: $out"
  out=$(run export "$root/book.xlsx" 2>&1) || true
  grep -q '"leads":1' <<<"$out" && file -b "$root/book.xlsx" | grep -q 'Excel 2007' \
    && ok "export writes the book to xlsx" || fail "export: $out"
  out=$(run backup --to "$root/backup.db" 2>&1) || true
  [ -s "$root/backup.db" ] && ok "backup writes a copy" || fail "backup: $out"
  out=$(run lead show 999 2>&1) && code=0 || code=$?
  [ "$code" = 1 ] && grep -q '"code":"not_found"' <<<"$out" && ok "a missing lead is not_found, exit 1" || fail "lead show 999: exit $code, $out"
fi

if [ "$failures" -gt 0 ]; then
  echo "==> package: $failures check(s) failed" >&2
  exit 1
fi
echo "==> package: every check passed"
