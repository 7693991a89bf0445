#!/usr/bin/env bash
# Runs one Molecule scenario, then removes its networks. One scenario runs at a
# time on this machine (2 cores): a blocking flock queues the others, and each
# starts the moment the lock is free.
set -euo pipefail
scenario=$1
cd "$(dirname "$0")/.."
exec 9>/tmp/v6only-molecule.1.lock
flock 9
trap 'bash scripts/networks.sh remove "molecule/$scenario/networks"' EXIT
start=$(date +%s)
echo "=== molecule $scenario"
molecule test -s "$scenario"
echo "=== molecule $scenario passed in $(( $(date +%s) - start )) s"
