#!/usr/bin/env bash
# Start a throw-away PostgreSQL for the storage tests and print its URL on stdout.
# Installs Debian's server when it is missing (needs root). Prints nothing and exits 1 when a
# server cannot be had, so callers can fall back to SQLite-only tests.
set -euo pipefail
exec 3>&1 1>&2  # everything but the URL goes to stderr

if ! ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1; then
    command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] || exit 1
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
fi
version=$(ls /usr/lib/postgresql | sort -n | tail -1)
cluster=$(pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v {print $2; exit}')
if [ -z "$cluster" ]; then
    pg_createcluster "$version" main >/dev/null
    cluster=main
fi
pg_ctlcluster "$version" "$cluster" start 2>/dev/null || true
port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1 == v && $2 == c {print $3}')
for _ in $(seq 30); do
    su postgres -c "psql -p $port -qAtc 'select 1'" >/dev/null 2>&1 && break
    sleep 1
done
su postgres -c "psql -p $port -qc \"DO \\\$\\\$ BEGIN CREATE USER mythbot PASSWORD 'mythbot'; EXCEPTION WHEN duplicate_object THEN NULL; END \\\$\\\$\"" >/dev/null
su postgres -c "psql -p $port -qAtc \"select 1 from pg_database where datname = 'mythbot_test'\"" | grep -q 1 \
    || su postgres -c "createdb -p $port -O mythbot mythbot_test"
echo "postgresql+asyncpg://mythbot:mythbot@127.0.0.1:$port/mythbot_test" >&3
