#!/usr/bin/env bash
# Start the local PostgreSQL server when it is not accepting connections: the integration and
# end-to-end suites run against it as well as SQLite. Exits 0 when it is up; otherwise says why.
set -uo pipefail
HOST=127.0.0.1
PORT=5432

up() { pg_isready -h "$HOST" -p "$PORT" -q 2>/dev/null; }

up && exit 0
if command -v pg_ctlcluster >/dev/null 2>&1 && [ -d /etc/postgresql ]; then
    version=$(ls /etc/postgresql | sort -V | tail -1)
    echo "starting PostgreSQL $version (cluster main)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || sudo -n pg_ctlcluster --skip-systemctl-redirect "$version" main start 2>/dev/null \
        || true
elif command -v pg_ctl >/dev/null 2>&1 && [ -n "${PGDATA:-}" ]; then
    pg_ctl -D "$PGDATA" -l "$PGDATA/server.log" start || true
fi
for _ in $(seq 1 30); do
    up && exit 0
    sleep 1
done
echo "PostgreSQL is not running on $HOST:$PORT and could not be started here." >&2
echo "Install it (e.g. apt-get install postgresql) or point LIAISON_TEST_POSTGRES_URL at one." >&2
exit 1
