#!/usr/bin/env bash
# Usage: scripts/postgres-server.sh start DIR [PORT]   prints the server's URL
#        scripts/postgres-server.sh stop DIR
# A throw-away PostgreSQL 15 server for the PostgreSQL store's tests and benchmarks: a new
# cluster in DIR (made with initdb, owned by the unprivileged `postgres` user, since PostgreSQL
# refuses to run as root), listening on 127.0.0.1:PORT (default 55432) and a socket in /tmp/smart-tuner-pg.PORT,
# (or the addresses in SMART_TUNER_POSTGRES_LISTEN, accepting clients of the networks in
# SMART_TUNER_POSTGRES_CLIENTS: the host-failure test runs it in a network namespace),
# peer-free socket access for setup and password (SCRAM) authentication over TCP: role `smarttuner`, password `smarttuner` (tests give it as PGPASSWORD), a `smarttuner` database.
set -euo pipefail
command="${1:?usage: postgres-server.sh start|stop DIR [PORT]}"
dir="${2:?usage: postgres-server.sh start|stop DIR [PORT]}"
port="${3:-55432}"
bin=/usr/lib/postgresql/15/bin
# The server's Unix socket lives in a short folder of its own (a socket path has at most 107 bytes).
sockets="/tmp/smart-tuner-pg.$port"
as_postgres=()
[ "$(id -u)" -eq 0 ] && as_postgres=(runuser -u postgres --)

case "$command" in
start)
    [ -x "$bin/initdb" ] || { echo "PostgreSQL 15 is not installed (apt-get install postgresql-15)" >&2; exit 1; }
    mkdir -p "$dir"
    mkdir -p "$sockets"
    [ "$(id -u)" -eq 0 ] && chown postgres: "$dir" "$sockets"
    if [ ! -f "$dir/data/PG_VERSION" ]; then
        "${as_postgres[@]}" "$bin/initdb" -D "$dir/data" -U postgres --auth-local=trust --auth-host=scram-sha-256 -E UTF8 --no-instructions >"$dir/initdb.log" 2>&1 \
            || { cat "$dir/initdb.log" >&2; exit 1; }
    fi
    listen="${SMART_TUNER_POSTGRES_LISTEN:-127.0.0.1}"
    for network in ${SMART_TUNER_POSTGRES_CLIENTS:-}; do
        grep -q "^host all all $network " "$dir/data/pg_hba.conf" || echo "host all all $network scram-sha-256" >>"$dir/data/pg_hba.conf"
    done
    # Enough connections for the 64-worker benchmark (each worker holds a small pool).
    "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -w -t 120 \
        -o "-p $port -k $sockets -c listen_addresses=$listen -c max_connections=400 -c fsync=on" start >/dev/null \
        || { cat "$dir/server.log" >&2; exit 1; }
    psql=("${as_postgres[@]}" "$bin/psql" -h "$sockets" -p "$port" -U postgres -d postgres -v ON_ERROR_STOP=1 -q)
    if [ -z "$("${psql[@]}" -tAc "SELECT 1 FROM pg_roles WHERE rolname = 'smarttuner'")" ]; then
        "${psql[@]}" -c "CREATE ROLE smarttuner LOGIN CREATEDB PASSWORD 'smarttuner'" -c "CREATE DATABASE smarttuner OWNER smarttuner"
    fi
    echo "postgresql://smarttuner@${listen%%,*}:$port/smarttuner"
    ;;
stop)
    if [ -f "$dir/data/postmaster.pid" ]; then "${as_postgres[@]}" "$bin/pg_ctl" -D "$dir/data" -m fast -w stop >/dev/null; fi
    rm -rf "$sockets"
    ;;
*) echo "usage: postgres-server.sh start|stop DIR [PORT]" >&2; exit 2 ;;
esac
