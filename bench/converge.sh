#!/usr/bin/env bash
# converge: how long site.yml takes on the lab at 10, 1,000 and 5,000 customers.
# Per size it prints the full converge that grows the lab to that size, an idle
# full run (changed=0), an idle customer path (--skip-tags setup), and the
# customer path adding, then removing, one customer with HTTP, HTTPS and SSH.
# "Live" is checked: the newcomer's name routes through lab-gw after the add
# (HTTP 503 from its absent VM) and is unknown again after the remove (421).
# "live" columns: seconds from the command until lab-client first sees that
# (polled every 0.1 s from inside lab-client while the run goes on).
# Uses the lab's containers (scripts/lab.sh nodes) with a copy of its
# inventory under .cache/bench-inventory; `make lab` afterwards puts the lab's
# own two customers back. SIZES="10 1000" picks the sizes.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
sizes=${SIZES:-"10 1000 5000"}
inv=.cache/bench-inventory
log=.cache/bench-converge.log
gw=198.51.100.20

# The lab admin's WireGuard key is made by `make lab`, which the bench starts from.
[ -s .cache/lab-pki/wg-admin.pub ] || { echo "converge: run \`make lab\` first (no .cache/lab-pki/wg-admin.pub)" >&2; exit 2; }
bash scripts/lab.sh nodes >/dev/null
rm -rf "$inv" && mkdir -p "$inv" && cp -r inventories/lab/. "$inv/"
[ -e inventories/lab/ipv4_leases.yml ] && cp inventories/lab/ipv4_leases.yml "$inv/"
: >"$log"
ANSIBLE_NOCOLOR=1 ansible-playbook -i "$inv" playbooks/lab_services.yml >>"$log" 2>&1 || { tail -30 "$log"; exit 1; }

# timed LABEL ARGS...: run site.yml, print its wall seconds, fail on a failed host.
timed() {
  local label=$1 start out
  shift
  start=$(date +%s.%N)
  out=$(ANSIBLE_NOCOLOR=1 ansible-playbook -i "$inv" site.yml "$@" 2>&1) || { echo "$out" | tail -40 >&2; exit 1; }
  echo "$out" >>"$log"
  changed=$(echo "$out" | sed -n 's/.* changed=\([0-9]*\) .*/\1/p' | awk '{s+=$1} END {print s+0}')
  line=$(awk -v l="$label" -v s="$start" -v e="$(date +%s.%N)" -v c="$changed" 'BEGIN {printf "%s %.1f %s", l, e - s, c}')
  # stderr: progress while a size runs; stdout: the caller's value.
  echo "$line" >&2
  echo "$line"
}

# status NAME: the HTTP status lab-client gets for NAME through the gateway:
# 421 while the gateway does not know it, 503 once it routes to the VM (which
# the bench does not run: HAProxy gives up on it after its connect retries,
# about 8 s). 000 is no answer at all.
status() {
  podman exec lab-client curl -s -o /dev/null -w '%{http_code}' --max-time 30 --resolve "$1:80:$gw" "http://$1/" || true
}

# live_after NAME WANT START OUT: in the background, poll NAME through the gateway
# from lab-client (at most 1,200 times, 0.1 s apart) and write to OUT the
# seconds from START until it is routed (WANT=routed: not 421; an absent VM
# shows as a curl timeout while HAProxy retries it) or unknown (WANT=421).
live_after() {
  podman exec lab-client sh -c '
    i=0
    while [ $i -lt 1200 ]; do
      code=$(curl -s -o /dev/null -w "%{http_code}" --max-time 1 --resolve "$1:80:$2" "http://$1/"); rc=$?
      if [ "$3" = 421 ] && [ "$code" = 421 ]; then break; fi
      if [ "$3" = routed ] && { [ "$code" = 503 ] || [ $rc = 28 ]; }; then break; fi
      i=$((i + 1)); sleep 0.1
    done
    [ $i -lt 1200 ] && date +%s.%N' sh "$1" "$gw" "$2" | awk -v s="$3" '{printf "%.1f", $1 - s}' >"$4" &
}

printf '%9s %9s %9s %10s %9s %9s %9s %9s %9s\n' customers "full s" "idle s" "path idle" "add s" "add live" \
  "remove s" "rm live" "changed"
for n in $sizes; do
  newcomer=$(printf 'bench-%05d.example' "$n")
  python3 bench/converge_inventory.py "$inv" "$n"
  # $(...) and not <(...): a failed run must stop the bench.
  r=$(timed full); read -r _ full _ <<<"$r"
  r=$(timed idle); read -r _ idle idle_changed <<<"$r"
  r=$(timed path --skip-tags setup); read -r _ path _ <<<"$r"
  before=$(status "$newcomer")
  python3 bench/converge_inventory.py "$inv" "$n" --newcomer
  live_after "$newcomer" routed "$(date +%s.%N)" .cache/bench-live-add
  r=$(timed add --skip-tags setup); read -r _ add _ <<<"$r"
  after=$(status "$newcomer")
  # Unknown to the gateway before, routed to its (absent) VM after.
  [ "$before" = 421 ] && [ "$after" = 503 ] ||
    { echo "$newcomer: HTTP $before before the add and $after after, not 421 and 503: not live" >&2; exit 1; }
  wait
  python3 bench/converge_inventory.py "$inv" "$n"
  live_after "$newcomer" 421 "$(date +%s.%N)" .cache/bench-live-remove
  r=$(timed remove --skip-tags setup); read -r _ remove _ <<<"$r"
  wait
  gone=$(status "$newcomer")
  [ "$gone" = 421 ] || { echo "$newcomer: HTTP $gone after the remove, not 421: still routed" >&2; exit 1; }
  printf '%9s %9s %9s %10s %9s %9s %9s %9s %9s\n' "$n" "$full" "$idle" "$path" "$add" \
    "$(cat .cache/bench-live-add)" "$remove" "$(cat .cache/bench-live-remove)" "$idle_changed"
done
echo "log: $log (newcomer HTTP status: $before before the add, $after after, $gone after the remove)"
