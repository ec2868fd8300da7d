#!/usr/bin/env bash
# The whole suite, as run by `make test` and CI (.ci/run).
#
# Stages: system deps, venv, ruff, mypy, migrations check, pytest on SQLite, pytest on
# a throwaway PostgreSQL, browser (e2e) tests on SQLite. A failing stage does
# not stop the later ones; a summary is printed at the end and the exit status
# is 1 if anything failed.
#
# Every Django process started here gets FANGKONG_VAR_DIR set to a fresh temp
# dir, so the developer's var/ (database, keys, media) is never touched, and
# DATABASE_URL is set only for the PostgreSQL stage.
#
# Tunables (environment): FANGKONG_STAGE_TIMEOUT (seconds per stage, default
# 1500), PYTEST_WORKERS (default 2), FANGKONG_CHROMIUM (browser binary for the
# e2e tests, exported; default /usr/bin/chromium).
set -uo pipefail # no -e: stage failures are collected, not fatal

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT" || exit 1

BIN=.venv/bin
STAGE_TIMEOUT=${FANGKONG_STAGE_TIMEOUT:-1500}
WORKERS=${PYTEST_WORKERS:-2}
export FANGKONG_CHROMIUM=${FANGKONG_CHROMIUM:-/usr/bin/chromium}
# Each run gets its own PostgreSQL state file, so parallel runs in one checkout don't collide.
RUN_TMP=$(mktemp -d "${TMPDIR:-/tmp}/fangkong-test.XXXXXX")
export FANGKONG_PG_STATE=$RUN_TMP/pg-test.env
# One migrated test database per run, copied by every pytest process (tests/testdb.py):
# built beside the single-core lint and type-check stages, reused by the SQLite and browser
# stages (the PostgreSQL stage keeps its own in its throwaway cluster).
export FANGKONG_TEST_DB_CACHE=$RUN_TMP/test-db
# Settings from the developer's shell must not leak into the tests.
unset DATABASE_URL FANGKONG_SQLITE_PATH FANGKONG_PRODUCTION

pg_started=0
cleanup() {
    if [ "$pg_started" -eq 1 ]; then
        bash scripts/pg-test.sh stop || true
    fi
    rm -rf "$RUN_TMP"
}
trap cleanup EXIT
trap 'echo "test-all: interrupted" >&2; exit 130' INT TERM

results=()
failed=0
suite_start=$SECONDS

# stage NAME CMD...: run one stage, record PASS/FAIL and its duration.
stage() {
    local name=$1 start=$SECONDS rc=0
    shift
    echo
    echo "==================== stage: $name ===================="
    "$@" || rc=$?
    local took=$((SECONDS - start))
    if [ "$rc" -eq 0 ]; then
        results+=("PASS  $name (${took}s)")
    else
        results+=("FAIL  $name (exit $rc, ${took}s)")
        failed=1
    fi
    return 0
}

skip() {
    results+=("SKIP  $1 ($2)")
    failed=1
}

# A fresh var dir per Django invocation: no state shared between stages.
fresh_var() {
    mktemp -d "$RUN_TMP/var.XXXXXX"
}

# Does this tree have test files? (Used to judge pytest's exit 5, "no tests collected".)
have_tests() { # have_tests DIR [EXCLUDED_SUBDIR]
    local dir=$1 exclude=${2:-}
    [ -d "$dir" ] || return 1
    if [ -n "$exclude" ]; then
        find "$dir" -path "$exclude" -prune -o \( -name 'test_*.py' -o -name '*_test.py' \) -print | grep -q .
    else
        find "$dir" \( -name 'test_*.py' -o -name '*_test.py' \) -print | grep -q .
    fi
}

# run_pytest TESTS_EXPECTED PYTEST_ARGS...: exit 5 counts as success only when
# there really is nothing to run yet.
run_pytest() {
    local expected=$1 rc=0
    shift
    FANGKONG_VAR_DIR=$(fresh_var) timeout --foreground -k 30 "$STAGE_TIMEOUT" \
        "$BIN/pytest" "$@" || rc=$?
    if [ "$rc" -eq 5 ] && [ "$expected" -eq 0 ]; then
        echo "test-all: no tests collected (and none exist yet); not a failure"
        return 0
    fi
    [ "$rc" -eq 124 ] && echo "test-all: pytest timed out after ${STAGE_TIMEOUT}s" >&2
    return "$rc"
}

unit_expected=0
have_tests tests tests/e2e && unit_expected=1
e2e_expected=0
have_tests tests/e2e && e2e_expected=1

lint() {
    local rc=0
    "$BIN/ruff" check . || rc=1
    "$BIN/ruff" format --check . || rc=1
    return "$rc"
}

typecheck() {
    FANGKONG_VAR_DIR=$(fresh_var) "$BIN/mypy"
}

migrations_check() {
    FANGKONG_VAR_DIR=$(fresh_var) "$BIN/fangkong" makemigrations --check --dry-run
}

pytest_sqlite() {
    run_pytest "$unit_expected" -m "not e2e" -n "$WORKERS" -q
}

pytest_postgres() {
    bash scripts/pg-test.sh start || return 1
    pg_started=1
    local url rc=0
    url=$(bash scripts/pg-test.sh url) || return 1
    DATABASE_URL=$url run_pytest "$unit_expected" -m "not e2e" -n "$WORKERS" -q || rc=$?
    if ! bash scripts/pg-test.sh stop; then
        [ "$rc" -ne 0 ] || rc=1
    fi
    pg_started=0
    return "$rc"
}

pytest_e2e() {
    run_pytest "$e2e_expected" -m e2e -q -p no:xdist
}

stage "system packages" bash scripts/system-deps.sh
stage "python venv" make --no-print-directory install

if [ -x "$BIN/pytest" ] && [ -x "$BIN/ruff" ]; then
    FANGKONG_VAR_DIR=$(fresh_var) "$BIN/python" -m tests.testdb >"$RUN_TMP/testdb.log" 2>&1 &
    testdb_pid=$!
    stage "ruff" lint
    stage "mypy" typecheck
    if [ -x "$BIN/fangkong" ]; then
        stage "migrations up to date" migrations_check
    else
        skip "migrations up to date" "no $BIN/fangkong"
    fi
    if ! wait "$testdb_pid"; then # not fatal: each pytest process then migrates its own
        echo "test-all: the template test database was not built beforehand:" >&2
        cat "$RUN_TMP/testdb.log" >&2
    fi
    stage "pytest (SQLite)" pytest_sqlite
    stage "pytest (PostgreSQL)" pytest_postgres
    stage "pytest e2e (Chromium, SQLite)" pytest_e2e
else
    skip "remaining stages" "the venv could not be installed"
fi

echo
echo "==================== summary ($((SECONDS - suite_start))s) ===================="
printf '%s\n' "${results[@]}"
if [ "$failed" -ne 0 ]; then
    echo "test-all: FAILED"
    exit 1
fi
echo "test-all: all stages passed"
