#!/usr/bin/env bash
# A throwaway PostgreSQL 15 cluster for tests: fresh temp dir, random free port,
# loopback only, trust auth, durability off (speed over safety: it is deleted
# on stop).
#
#   scripts/pg-test.sh start    # initdb + start + create database "fangkong"
#   scripts/pg-test.sh url      # postgres://postgres@127.0.0.1:PORT/fangkong
#   scripts/pg-test.sh status   # exit 0 if running
#   scripts/pg-test.sh stop     # stop and delete the cluster
#
# State (dir, port) goes to var/pg-test.env, or $FANGKONG_PG_STATE if set, so
# separate checkouts/runs don't trip over each other.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STATE=${FANGKONG_PG_STATE:-$ROOT/var/pg-test.env}
PG_BIN=${PG_BIN:-/usr/lib/postgresql/15/bin}
DB_NAME=fangkong
DIR_PREFIX=fangkong-pg.

die() {
    echo "pg-test: $*" >&2
    exit 1
}

# PostgreSQL refuses to run as root, so the server side runs as "postgres" then.
# cd / because postgres may not be allowed into the caller's directory.
as_pg() {
    if [ "$(id -u)" -eq 0 ]; then
        (cd / && runuser -u postgres -- "$@")
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

load_state() {
    [ -f "$STATE" ] || return 1
    PG_DIR=$(sed -n 's/^PG_TEST_DIR=//p' "$STATE")
    PG_PORT=$(sed -n 's/^PG_TEST_PORT=//p' "$STATE")
    if [ -z "$PG_DIR" ] || [ -z "$PG_PORT" ]; then
        die "corrupt state file $STATE"
    fi
}

is_running() {
    [ -d "$1/data" ] && as_pg "$PG_BIN/pg_ctl" -D "$1/data" status >/dev/null 2>&1
}

# Stop a cluster by directory and delete it; tolerant of half-made clusters.
destroy() {
    local dir=$1
    # Guard the rm -rf: only ever delete a directory this script made.
    case "$(basename "$dir")" in
        "$DIR_PREFIX"*) ;;
        *) die "refusing to delete unexpected directory '$dir'" ;;
    esac
    if is_running "$dir"; then
        as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 ||
            as_pg "$PG_BIN/pg_ctl" -D "$dir/data" -m immediate -w -t 30 stop >/dev/null 2>&1 ||
            true
    fi
    rm -rf "$dir"
}

start_failed() {
    local rc=$?
    if [ "$rc" -ne 0 ]; then
        echo "pg-test: start failed; removing $PG_DIR" >&2
        destroy "$PG_DIR"
        rm -f "$STATE"
    fi
}

cmd_start() {
    [ -x "$PG_BIN/initdb" ] || die "$PG_BIN/initdb not found; run scripts/system-deps.sh"
    if [ "$(id -u)" -eq 0 ]; then
        id postgres >/dev/null 2>&1 || die "running as root needs a 'postgres' user (from the postgresql package)"
    fi

    # A previous run that was killed hard may have left its cluster behind.
    if load_state; then
        echo "pg-test: removing previous cluster $PG_DIR" >&2
        destroy "$PG_DIR"
        rm -f "$STATE"
    fi

    PG_DIR=$(mktemp -d "${TMPDIR:-/tmp}/${DIR_PREFIX}XXXXXX")
    # Undo everything if any later step fails (or we are interrupted).
    trap start_failed EXIT
    trap 'exit 130' INT TERM
    if [ "$(id -u)" -eq 0 ]; then
        chown postgres: "$PG_DIR"
    fi

    local initdb_args=(-D "$PG_DIR/data" -A trust -U postgres --encoding=UTF8)
    if ! as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C.UTF-8 >"$PG_DIR/initdb.log" 2>&1; then
        # Minimal images may lack C.UTF-8; plain C still gives UTF8 encoding.
        rm -rf "$PG_DIR/data"
        as_pg "$PG_BIN/initdb" "${initdb_args[@]}" --locale=C >"$PG_DIR/initdb.log" 2>&1 ||
            {
                cat "$PG_DIR/initdb.log" >&2
                die "initdb failed"
            }
    fi

    # The port is free when probed but could be taken before the server binds: retry.
    local attempt started=0
    for attempt in 1 2 3; do
        PG_PORT=$(free_port)
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/postgres.log" -w -t 60 \
            -o "-h 127.0.0.1 -p $PG_PORT -k $PG_DIR -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100" \
            start >/dev/null; then
            started=1
            break
        fi
        echo "pg-test: start attempt $attempt on port $PG_PORT failed" >&2
    done
    if [ "$started" -ne 1 ]; then
        tail -n 30 "$PG_DIR/postgres.log" >&2 || true
        die "could not start PostgreSQL"
    fi

    # pg_ctl -w already waited; this also proves TCP (not just the socket) works.
    local i
    for i in $(seq 1 60); do
        "$PG_BIN/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" -U postgres && break
        [ "$i" -eq 60 ] && die "server did not accept TCP connections on port $PG_PORT"
        sleep 0.5
    done

    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$DB_NAME"

    mkdir -p "$(dirname "$STATE")"
    printf 'PG_TEST_DIR=%s\nPG_TEST_PORT=%s\n' "$PG_DIR" "$PG_PORT" >"$STATE"
    trap - EXIT INT TERM
    echo "pg-test: running on 127.0.0.1:$PG_PORT (data in $PG_DIR)" >&2
}

cmd_stop() {
    if ! load_state; then
        echo "pg-test: no cluster recorded in $STATE; nothing to stop" >&2
        return 0
    fi
    destroy "$PG_DIR"
    rm -f "$STATE"
    echo "pg-test: stopped and removed $PG_DIR" >&2
}

cmd_url() {
    load_state || die "not started (no $STATE); run: scripts/pg-test.sh start"
    echo "postgres://postgres@127.0.0.1:$PG_PORT/$DB_NAME"
}

cmd_status() {
    load_state || die "not started"
    is_running "$PG_DIR" || die "recorded in $STATE but not running"
    echo "pg-test: running on 127.0.0.1:$PG_PORT (data in $PG_DIR)"
}

case "${1:-}" in
    start) cmd_start ;;
    stop) cmd_stop ;;
    url) cmd_url ;;
    status) cmd_status ;;
    *)
        echo "usage: $0 start|stop|url|status" >&2
        exit 2
        ;;
esac
