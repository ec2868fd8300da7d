#!/usr/bin/env bash
# Install the Debian packages the test suite needs, only when something is
# missing, so repeated runs cost nothing and need no network.
#
#   scripts/system-deps.sh [extra-debian-package ...]
#
# Always checked: chromium (browser tests), fonts-noto-cjk (Chinese text in
# screenshots/PDFs), PostgreSQL 15 server binaries (scripts/pg-test.sh), and
# python3-venv when the system python3 lacks ensurepip. Extra arguments are
# further packages to ensure (e.g. `make`, `gettext`).
set -euo pipefail

PG_BIN=/usr/lib/postgresql/15/bin

is_installed() {
    [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]
}

missing=()
need_pg=0

[ -x /usr/bin/chromium ] || missing+=(chromium)
is_installed fonts-noto-cjk || missing+=(fonts-noto-cjk)
# Check the binary rather than a package name: any package providing it will do.
if [ ! -x "$PG_BIN/initdb" ] || [ ! -x "$PG_BIN/pg_ctl" ] || [ ! -x "$PG_BIN/psql" ]; then
    need_pg=1
fi
# Debian's python3 ships venv support separately; other pythons (pyenv, etc.) bundle it.
if ! python3 -c 'import ensurepip, venv' >/dev/null 2>&1; then
    missing+=(python3-venv)
fi
for pkg in "$@"; do
    is_installed "$pkg" || missing+=("$pkg")
done

if [ ${#missing[@]} -eq 0 ] && [ "$need_pg" -eq 0 ]; then
    echo "system-deps: all present"
    exit 0
fi

if [ "$(id -u)" -eq 0 ]; then
    SUDO=()
elif command -v sudo >/dev/null 2>&1; then
    SUDO=(sudo)
else
    [ "$need_pg" -eq 1 ] && missing+=(postgresql-15)
    echo "system-deps: missing Debian packages: ${missing[*]}" >&2
    echo "system-deps: not root and no sudo; as root run:" >&2
    echo "  apt-get update && apt-get install -y ${missing[*]}" >&2
    exit 1
fi

export DEBIAN_FRONTEND=noninteractive
log=$(mktemp /tmp/fangkong-system-deps.XXXXXX.log)
# Keep the terminal quiet; show apt's own output only when it fails.
apt_quiet() {
    if ! "${SUDO[@]}" "$@" >>"$log" 2>&1; then
        echo "system-deps: '$*' failed; log follows:" >&2
        tail -n 50 "$log" >&2
        exit 1
    fi
}

apt_quiet apt-get update -q

if [ "$need_pg" -eq 1 ]; then
    # Bookworm calls it postgresql-15; elsewhere the `postgresql` metapackage may be the one.
    if apt-cache show postgresql-15 >/dev/null 2>&1; then
        missing+=(postgresql-15)
    else
        missing+=(postgresql)
    fi
    # The tests run their own throwaway cluster (scripts/pg-test.sh); don't let the
    # package create and start a system-wide "main" cluster on port 5432.
    "${SUDO[@]}" mkdir -p /etc/postgresql-common/createcluster.d
    echo "create_main_cluster = false" |
        "${SUDO[@]}" tee /etc/postgresql-common/createcluster.d/fangkong-no-main.conf >/dev/null
fi

echo "system-deps: installing ${missing[*]}"
apt_quiet apt-get install -y -q --no-install-recommends "${missing[@]}"

if [ "$need_pg" -eq 1 ] && [ ! -x "$PG_BIN/initdb" ]; then
    echo "system-deps: installed ${missing[*]} but $PG_BIN/initdb is still missing" >&2
    exit 1
fi
rm -f "$log"
echo "system-deps: done"
