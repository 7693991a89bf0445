#!/usr/bin/env bash
# The podman lab behind `make lab` / `make lab-destroy`.
#   up:   networks and containers (reused when they exist), the stand-in
#         customer services, site.yml, then the end-to-end matrix.
#   nodes: only the networks and containers.
#   down: every lab- container and network.
# The containers, their addresses and flags live in the inventory
# (inventories/lab/hosts.yml: lab_addresses, lab_podman_args), nowhere else.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
inventory=${LAB_INVENTORY:-inventories/lab/hosts.yml}
image=localhost/v6only-node:bookworm
prefix=lab-
networks=scripts/lab.networks

# One line per container: NAME then its podman run arguments.
container_specs() {
  ansible-inventory -i "$inventory" --list | python3 -c '
import json, sys
inv = json.load(sys.stdin)
for name, hv in sorted(inv["_meta"]["hostvars"].items()):
    if "lab_addresses" not in hv:
        continue
    # podman 4.3 numbers interfaces in no fixed order; the inventory relies on sorted names.
    args = ["--network={0}:ip={1},interface_name=eth{2}".format(net, hv["lab_addresses"][net], n)
            for n, net in enumerate(sorted(hv["lab_addresses"]))]
    print(name, " ".join(args + hv.get("lab_podman_args", [])))
'
}

nodes() {
  local name args
  bash scripts/networks.sh create "$networks"
  while read -r name args; do
    if podman container exists "$name"; then
      [ "$(podman inspect -f '{{.State.Running}}' "$name")" = true ] || podman start "$name" >/dev/null
      continue
    fi
    # shellcheck disable=SC2086  # args is a list of flags
    podman run -d --name "$name" --hostname "$name" --systemd=always \
      --cap-add=SYS_ADMIN $args "$image" >/dev/null
    echo "container: created $name"
  done < <(container_specs)
  while read -r name _; do
    podman exec "$name" systemctl is-system-running --wait >/dev/null 2>&1 || true
  done < <(container_specs)
}

up() {
  local start=$SECONDS
  nodes
  # The lab admin's WireGuard key (group_vars/all/lab.yml), made once with the
  # client's own wg; the private half never leaves .cache/.
  local pki=.cache/lab-pki
  if [ ! -s "$pki/wg-admin.pub" ]; then
    mkdir -p -m 0700 "$pki"
    (umask 077; podman exec lab-client wg genkey >"$pki/wg-admin.key")
    podman exec -i lab-client wg pubkey <"$pki/wg-admin.key" >"$pki/wg-admin.pub"
  fi
  ansible-playbook -i "$inventory" playbooks/lab_services.yml
  local site=0 e2e=0
  # The matrix is printed even when a role fails: it shows what still works.
  ansible-playbook -i "$inventory" site.yml || site=$?
  echo "lab: built in $((SECONDS - start)) s"
  backends_up
  python3 scripts/e2e.py --inventory "$inventory" || e2e=$?
  [ "$site" = 0 ] || echo "lab: site.yml failed (exit $site)" >&2
  [ "$site" = 0 ] && [ "$e2e" = 0 ]
}

# A fresh gateway's dnsdist marks every VM down until its health checks pass,
# which waits for the LAN's routes (the VRRP master's RAs); the matrix runs after.
backends_up() {
  local waited=0
  while podman exec lab-gw dnsdist -c -e 'showServers()' 2>/dev/null | grep -qw down; do
    [ "$waited" -ge 60 ] && { echo "lab: dnsdist still has a VM down after 60 s; the matrix shows which" >&2; return 0; }
    [ "$waited" = 0 ] && echo "lab: waiting for dnsdist's health checks to see every VM"
    sleep 2
    waited=$((waited + 2))
  done
  [ "$waited" = 0 ] || echo "lab: every VM up in dnsdist after ${waited} s"
}

down() {
  local names
  names=$(podman ps -a --format '{{.Names}}' | grep "^$prefix" || true)
  # A second rm: podman fails one whose systemd exits just as the SIGKILL is sent
  # ("container state improper: stopped"); by then it has stopped and goes.
  [ -z "$names" ] || { podman rm -f -t 2 $names >/dev/null || podman rm -f $names >/dev/null
                       echo "container: removed" $names; }
  bash scripts/networks.sh remove "$networks"
}

case ${1:-} in
  up) up ;;
  nodes) nodes ;;
  down) down ;;
  *) echo "usage: $0 up|nodes|down" >&2; exit 2 ;;
esac
