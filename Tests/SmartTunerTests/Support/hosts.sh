#!/usr/bin/env bash
# Hosts made of Linux network namespaces, for the host-failure test of the PostgreSQL store.
#
#   hosts.sh up ID DIR PORT        three hosts (namespaces <ID>h1..h3, 10.213.77.11-13) and a
#                                  database host (<ID>db, 10.213.77.10) running PostgreSQL 15 on
#                                  PORT (data in DIR), joined by a bridge in a switch namespace
#                                  (<ID>sw); prints the database URL
#   hosts.sh run ID N LOG CMD...   runs CMD in the background on host N (its network namespace and
#                                  a UTS namespace named hostN), output to LOG; prints its pid
#   hosts.sh kill ID N             kill -9 of every process on host N
#   hosts.sh cut ID N              cuts host N's link (its switch port down: packets are dropped,
#                                  no reset, as when a cable or a router goes)
#   hosts.sh restore ID N          brings it back
#   hosts.sh alive ID N            how many processes run on host N
#   hosts.sh down ID DIR PORT      stops everything and removes the namespaces
#
# The namespaces have no route beyond their own /24 and loopback: nothing they run reaches any
# other address. ID is a few letters or digits (interface names are at most 15 characters).
set -euo pipefail
command="${1:?usage: hosts.sh up|run|kill|cut|restore|alive|down ID ...}"
id="${2:?an id}"
here="$(cd "$(dirname "$0")" && pwd)"
repository="$(cd "$here/../../.." && pwd)"
network=10.213.77

fail() { echo "hosts.sh: $*" >&2; exit 1; }

case "$command" in
up)
    dir="${3:?a data folder}"; port="${4:?a port}"
    command -v ip >/dev/null || fail "the ip command (iproute2) is missing: apt-get install iproute2"
    command -v unshare >/dev/null || fail "the unshare command (util-linux) is missing"
    if ! error="$(ip netns add "${id}sw" 2>&1)"; then
        fail "network namespaces cannot be made here ($error): this test needs root, or CAP_SYS_ADMIN and CAP_NET_ADMIN"
    fi
    ip -n "${id}sw" link add "${id}br" type bridge
    ip -n "${id}sw" link set "${id}br" up
    ip -n "${id}sw" link set lo up
    for name in db h1 h2 h3; do
        case "$name" in db) address=10 ;; h1) address=11 ;; h2) address=12 ;; h3) address=13 ;; esac
        ip netns add "${id}${name}"
        # One veth pair: the host's end in its namespace, the switch's end on the bridge.
        ip link add "${id}${name}" netns "${id}${name}" type veth peer name "${id}${name}s" netns "${id}sw"
        ip -n "${id}sw" link set "${id}${name}s" master "${id}br"
        ip -n "${id}sw" link set "${id}${name}s" up
        ip -n "${id}${name}" link set lo up
        ip -n "${id}${name}" address add "$network.$address/24" dev "${id}${name}"
        ip -n "${id}${name}" link set "${id}${name}" up
    done
    SMART_TUNER_POSTGRES_LISTEN="$network.10" SMART_TUNER_POSTGRES_CLIENTS="$network.0/24" \
        ip netns exec "${id}db" "$repository/scripts/postgres-server.sh" start "$dir" "$port"
    ;;
run)
    host="${3:?a host number}"; log="${4:?a log file}"; shift 4
    # setsid: the process outlives this script; the UTS namespace gives it its own host name.
    setsid ip netns exec "${id}h${host}" unshare --uts sh -c 'hostname "$0" && exec "$@"' "host$host" "$@" >"$log" 2>&1 </dev/null &
    echo $!
    ;;
kill)
    host="${3:?a host number}"
    pids="$(ip netns pids "${id}h${host}")"
    [ -z "$pids" ] || kill -9 $pids
    ;;
cut) ip -n "${id}sw" link set "${id}h${3:?a host number}s" down ;;
restore) ip -n "${id}sw" link set "${id}h${3:?a host number}s" up ;;
alive) ip netns pids "${id}h${3:?a host number}" | wc -l ;;
down)
    dir="${3:?a data folder}"; port="${4:?a port}"
    for name in h1 h2 h3; do
        pids="$(ip netns pids "${id}${name}" 2>/dev/null || true)"
        [ -z "$pids" ] || kill -9 $pids 2>/dev/null || true
    done
    ip netns exec "${id}db" "$repository/scripts/postgres-server.sh" stop "$dir" "$port" 2>/dev/null || true
    for name in db h1 h2 h3 sw; do ip netns del "${id}${name}" 2>/dev/null || true; done
    ;;
*) fail "unknown command $command (up, run, kill, cut, restore, alive, down)" ;;
esac
