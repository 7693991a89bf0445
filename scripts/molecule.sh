#!/usr/bin/env bash
# Runs one Molecule scenario, then removes its networks. At most MOLECULE_SLOTS
# scenarios run at once on this machine (default 1: the machines have 2 cores).
set -euo pipefail
scenario=$1
cd "$(dirname "$0")/.."
slots=${MOLECULE_SLOTS:-1}
slot=
while [ -z "$slot" ]; do
  for n in $(seq 1 "$slots"); do
    exec 9>"/tmp/v6only-molecule.$n.lock"
    if flock -n 9; then slot=$n; break; fi
  done
  [ -n "$slot" ] || sleep 5
done
trap 'bash scripts/networks.sh remove "molecule/$scenario/networks"' EXIT
start=$(date +%s)
echo "=== molecule $scenario"
molecule test -s "$scenario"
echo "=== molecule $scenario passed in $(( $(date +%s) - start )) s"
