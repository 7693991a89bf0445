#!/usr/bin/env bash
# wireguard_vpn throughput: iperf3 over the same IPv4 path, once in the clear and
# once through a wireguard-go tunnel (the implementation the role falls back to
# without the kernel module), in one run; prints both and their ratio.
# Uses the wireguard_vpn scenario's subnets under other names: never run it
# while that scenario runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh >/dev/null
secs=${BENCH_SECONDS:-10}
image=localhost/v6only-node:bookworm
net=wgb-v4 server=wgb-server client=wgb-client
server4=198.51.100.82 client4=198.51.100.83
server6=2001:db8:207::1 client6=2001:db8:207:1::1

cleanup() { podman rm -f "$server" "$client" >/dev/null 2>&1 || true; podman network rm -f "$net" >/dev/null 2>&1 || true; }
trap cleanup EXIT
cleanup
podman network create --subnet 198.51.100.80/28 "$net" >/dev/null
for node in "$server:$server4" "$client:$client4"; do
  podman run -d --name "${node%%:*}" --network "$net:ip=${node#*:}" --cap-add NET_ADMIN --device /dev/net/tun \
    --sysctl net.ipv6.conf.all.disable_ipv6=0 "$image" sleep infinity >/dev/null
done
for node in "$server" "$client"; do
  podman exec "$node" sh -c 'umask 077; wg genkey > /root/wg.key'
  podman exec -d -e WG_PROCESS_FOREGROUND=1 "$node" wireguard-go wg0 >/dev/null
done
sleep 1
spub=$(podman exec "$server" sh -c 'wg pubkey < /root/wg.key')
cpub=$(podman exec "$client" sh -c 'wg pubkey < /root/wg.key')
podman exec "$server" sh -c "wg set wg0 listen-port 51820 private-key /root/wg.key peer $cpub allowed-ips 2001:db8:207:1::/64 &&
  ip -6 addr add $server6/48 dev wg0 && ip link set wg0 up && iperf3 -s -D"
podman exec "$client" sh -c "wg set wg0 private-key /root/wg.key peer $spub endpoint $server4:51820 allowed-ips 2001:db8:207::/48 &&
  ip -6 addr add $client6/64 dev wg0 && ip link set wg0 up &&
  ip -6 route add 2001:db8:207::/48 dev wg0 && ping -6 -c 2 -W 2 $server6 >/dev/null"

rate() {
  podman exec "$client" iperf3 -J -t "$secs" -c "$1" |
    python3 -c 'import json,sys; print(int(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"]))'
}
plain=$(rate "$server4")
tunnel=$(rate "$server6")
python3 - "$plain" "$tunnel" "$secs" <<'PY'
import sys
plain, tunnel, secs = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]
print(f"iperf3 TCP, {secs} s each, client -> server over one podman bridge")
print(f"  plain IPv4 underlay      {plain / 1e6:10.1f} Mbit/s")
print(f"  wireguard-go tunnel IPv6 {tunnel / 1e6:10.1f} Mbit/s")
print(f"  ratio tunnel/plain       {tunnel / plain:10.3f}")
PY
