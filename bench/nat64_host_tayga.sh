#!/usr/bin/env bash
# NAT64 cost: iperf3 throughput and TCP connection rate from one client to one
# server through the same router container, twice in one run:
#   direct  - plain IPv4 routing (client 198.51.100.50 -> router -> server)
#   nat64   - IPv6 to <pool6>::<server> through TAYGA + nftables NAT44, as the
#             jool_nat64 role sets it up (the role is applied, policy included)
# and prints nat64/direct ratios. Not a test: numbers depend on the machine.
# Uses the jool_nat64 scenario's subnets under other names; never run it while
# `make molecule S=jool_nat64` runs.
#   bash bench/nat64_host_tayga.sh [seconds per measurement, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
secs=${1:-5}
image=localhost/v6only-node:bookworm
prefix=2001:db8:46::/96
server4=198.51.100.59
server6=$(PYTHONPATH=collections python3 -c \
  "from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed as e; print(e('$server4', '$prefix'))")
work=

cleanup() {
  podman rm -f -t 2 jnb-client jnb-nat64 jnb-server >/dev/null 2>&1 || true
  podman network rm -f jnb-a jnb-b >/dev/null 2>&1 || true
  [ -z "$work" ] || rm -rf "$work"
}
trap cleanup EXIT
cleanup
work=$(mktemp -d)

# Internal networks: podman's masquerade would otherwise rewrite routed sources.
podman network create --internal --subnet 198.51.100.48/29 --subnet 2001:db8:105::/64 jnb-a >/dev/null
podman network create --internal --subnet 198.51.100.56/29 jnb-b >/dev/null
run() { podman run -d --systemd=always --cap-add SYS_ADMIN,NET_ADMIN,NET_RAW "$@" >/dev/null; }
run --name jnb-client --network jnb-a:ip=198.51.100.50,ip=2001:db8:105::110 "$image"
run --name jnb-nat64 --network jnb-a:ip=198.51.100.51,ip=2001:db8:105::20 --network jnb-b:ip=198.51.100.58 \
  --device /dev/net/tun --sysctl net.ipv4.ip_forward=1 --sysctl net.ipv6.conf.all.forwarding=1 "$image"
run --name jnb-server --network jnb-b:ip=$server4 "$image"
for c in jnb-client jnb-nat64 jnb-server; do
  podman exec "$c" timeout 120 systemctl is-system-running --wait >/dev/null || true
done

cat >"$work/inventory.yml" <<INV
all:
  hosts:
    jnb-nat64:
      ansible_connection: containers.podman.podman
      ansible_python_interpreter: /usr/bin/python3
      v6only_gateway:
        nat64_prefix: $prefix
        customer_prefixes: [2001:db8:105::100/120]
        gateway_ipv4: 198.51.100.58
        zone: ip4-gw.example.net
      v6only_gateway_customers:
        - name: bench
          vms: [{name: bench-vm, ipv6: "2001:db8:105::110", services: [{proto: ssh, gateway_port: 2299}]}]
      jool_nat64_pool4: [{prefix: 198.51.100.58/32, port_range: "32768-65535"}]
      jool_nat64_tayga_dynamic_pool: 198.51.100.60/30
      jool_nat64_tayga_ipv4_addr: 198.51.100.60
INV
cat >"$work/play.yml" <<'PLAY'
- name: Bench translator
  hosts: jnb-nat64
  roles: [v6only.gateway.customer_model, v6only.gateway.jool_nat64]
PLAY
ansible-playbook -i "$work/inventory.yml" "$work/play.yml" >"$work/ansible.log" || { tail -30 "$work/ansible.log"; exit 1; }

podman exec jnb-client ip -6 route replace $prefix via 2001:db8:105::20
podman exec jnb-client ip route replace 198.51.100.56/29 via 198.51.100.51
podman exec jnb-server ip route replace 198.51.100.48/29 via 198.51.100.58
podman exec jnb-server systemctl start nginx
podman exec jnb-server iperf3 -s -D

# Connections per second: HTTP/1.0 request, whole answer read, close; one at a time.
cat >"$work/connrate.py" <<'PY'
import socket, sys, time
host, secs = sys.argv[1], float(sys.argv[2])
family = socket.AF_INET6 if ":" in host else socket.AF_INET
done, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    s = socket.socket(family)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.connect((host, 80))
    s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while s.recv(65536):
        pass
    s.close()
    done += 1
print(done / secs)
PY
podman cp "$work/connrate.py" jnb-client:/tmp/connrate.py

throughput() {  # Gbit/s received by the server
  podman exec jnb-client iperf3 -c "$1" -t "$secs" -J |
    python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e9)'
}
connrate() { podman exec jnb-client python3 /tmp/connrate.py "$1" "$secs"; }

# The NAT64 path must really translate before it is measured.
podman exec jnb-client curl -sS -m 5 -o /dev/null "http://[$server6]/"

t4=$(throughput $server4); t6=$(throughput "$server6")
c4=$(connrate $server4); c6=$(connrate "$server6")
python3 - "$t4" "$t6" "$c4" "$c6" "$secs" <<'PY'
import sys
t4, t6, c4, c6, secs = map(float, sys.argv[1:])
print(f"nat64 bench ({secs:.0f} s each, iperf3 single TCP stream; HTTP/1.0 connections one at a time)")
print(f"{'path':<34}{'throughput Gbit/s':>18}{'connections/s':>16}")
print(f"{'direct IPv4 routing':<34}{t4:>18.2f}{c4:>16.0f}")
print(f"{'NAT64: TAYGA + nftables NAT44':<34}{t6:>18.2f}{c6:>16.0f}")
print(f"{'ratio nat64/direct':<34}{t6 / t4:>18.3f}{c6 / c4:>16.3f}")
PY
