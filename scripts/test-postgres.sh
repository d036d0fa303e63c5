#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the storage tests and print its URL on stdout.
# Installs Debian's server when it is missing (needs root). Prints nothing and exits 1 when a
# server cannot be had, so callers can fall back to SQLite-only tests.
# `scripts/test-postgres.sh stop` stops the server again if this script started it.
#
# A server started here must not inherit the caller's stdout: `url=$(this script)` waits until
# every holder of that pipe has closed it, so a postmaster keeping it would hang the caller for
# ever. Hence the URL goes out on a saved descriptor (3), and commands that may start a server
# get none of ours.
set -euo pipefail
exec 3>&1 1>&2

detached() { "$@" </dev/null >/dev/null 2>&1 3>&-; }
started="${TMPDIR:-/tmp}/mythbot-test-postgres.started"  # "version cluster", if we started it

if [ "${1-}" = stop ]; then
    if [ -f "$started" ]; then
        read -r version cluster < "$started"
        detached pg_ctlcluster "$version" "$cluster" stop || true
        rm -f "$started"
    fi
    exit 0
fi

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || exit 1
    detached apt-get update -qq
    DEBIAN_FRONTEND=noninteractive detached apt-get install -y -qq postgresql
    installed=yes  # its package may have started a server already: ours to stop too
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v {print $2; exit}')
if [ -z "$cluster" ]; then
    detached pg_createcluster "$version" main
    cluster=main
fi
status=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $4}')
if [ "$status" != online ]; then
    detached pg_ctlcluster "$version" "$cluster" start || true
fi
if [ "$status" != online ] || [ "${installed-}" = yes ]; then
    echo "$version $cluster" > "$started"
fi
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')
psql_as_postgres() { su postgres -c "psql -p $port $1" 3>&-; }
for _ in $(seq 30); do
    psql_as_postgres "-qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
psql_as_postgres "-qc \"DO \\\$\\\$ BEGIN CREATE USER mythbot PASSWORD 'mythbot'; EXCEPTION WHEN duplicate_object THEN NULL; END \\\$\\\$\"" >/dev/null
# A fresh database each run: tables an earlier run (or another branch's tests) left behind
# would make the schema tests compare against more than the migrations create.
su postgres -c "dropdb -p $port --if-exists --force mythbot_test" 3>&-
su postgres -c "createdb -p $port -O mythbot mythbot_test" 3>&-
echo "postgresql+asyncpg://mythbot:mythbot@127.0.0.1:$port/mythbot_test" >&3
