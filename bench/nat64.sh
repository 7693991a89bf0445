#!/usr/bin/env bash
# NAT64 data planes side by side in ONE kernel guest (scripts/kernel-guest.sh), in one run:
#   forward - plain IPv6 routing, client -> gateway -> server
#   jool    - IPv6 to 2001:db8:46::<server> through the Jool module (netfilter, pool4)
#   tayga   - IPv6 to 2001:db8:47::<server> through TAYGA's tun + nftables NAT44
# Same client namespace, same server namespace, same gateway namespace; only the
# destination address picks the path. Under TCG the absolute figures mean nothing:
# the ratios to plain forwarding are the result.
# Paths take turns, ROUNDS times (default 3); the medians are reported.
#   bash bench/nat64.sh [seconds per measurement, default 5]
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-5}
port=${BENCH_SSH_PORT:-2270}
guest=bench-nat64
trap 'bash scripts/kernel-guest.sh stop $guest' EXIT
bash scripts/kernel-guest.sh build >/dev/null
bash scripts/kernel-guest.sh start $guest "$port"
key=$(bash scripts/kernel-guest.sh dir)/id_ed25519
ssh -q -i "$key" -p "$port" -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null \
  root@127.0.0.1 "SECS=$secs ROUNDS=${ROUNDS:-3} bash -s" <<'GUEST'
set -euo pipefail
sysctl -qw net.ipv4.ip_forward=1 net.ipv6.conf.all.forwarding=1
ip netns add client; ip netns add server
ip link add bc type veth peer name eth0 netns client
ip link add bs type veth peer name eth0 netns server
ip -6 addr add 2001:db8:1::1/64 dev bc nodad; ip link set bc up
ip addr add 198.51.100.1/28 dev bs; ip -6 addr add 2001:db8:2::1/64 dev bs nodad; ip link set bs up
ip -n client link set lo up; ip -n client -6 addr add 2001:db8:1::2/64 dev eth0 nodad
ip -n client link set eth0 up; ip -n client -6 route add default via 2001:db8:1::1
ip -n server link set lo up; ip -n server addr add 198.51.100.2/28 dev eth0
ip -n server -6 addr add 2001:db8:2::2/64 dev eth0 nodad; ip -n server link set eth0 up
ip -n server route add default via 198.51.100.1; ip -n server -6 route add default via 2001:db8:2::1

# Jool: pool4 ports above Linux's ephemeral range, so TAYGA's NAT44 (below) never meets them.
modprobe jool
jool instance add bench --netfilter --pool6 2001:db8:46::/96
for p in tcp udp; do jool -i bench pool4 add --$p 198.51.100.1 61001-65535; done
jool -i bench pool4 add --icmp 198.51.100.1 0-65535

# TAYGA maps IPv6 sources into 198.51.100.64/27, which NAT44 rewrites to 198.51.100.1.
mkdir -p /var/spool/tayga
printf 'tun-device nat64\nipv4-addr 198.51.100.65\nprefix 2001:db8:47::/96\ndynamic-pool 198.51.100.64/27\ndata-dir /var/spool/tayga\n' \
  > /etc/tayga-bench.conf
tayga --config /etc/tayga-bench.conf --mktun >/dev/null
ip link set nat64 up
ip route add 198.51.100.64/27 dev nat64; ip -6 route add 2001:db8:47::/96 dev nat64
tayga --config /etc/tayga-bench.conf --pidfile /run/tayga-bench.pid
nft -f - <<'NFT'
table ip bench_nat44 {
  chain postrouting {
    type nat hook postrouting priority srcnat; policy accept;
    ip saddr 198.51.100.64/27 meta l4proto { tcp, udp } snat to 198.51.100.1:32768-60999
    ip saddr 198.51.100.64/27 snat to 198.51.100.1
  }
}
NFT

# One TCP server for both measurements: iperf3, and an accept-answer-close loop.
ip netns exec server iperf3 -s -D
cat > /tmp/answer.py <<'PY'
import socket
s = socket.create_server(("::", 80), family=socket.AF_INET6, dualstack_ipv6=True)
while True:
    c, _ = s.accept()
    c.recv(1024); c.sendall(b"HTTP/1.0 200 OK\r\n\r\nok\n"); c.close()
PY
ip netns exec server python3 /tmp/answer.py >/dev/null 2>&1 &
cat > /tmp/connrate.py <<'PY'
import socket, sys, time
host, secs = sys.argv[1], float(sys.argv[2])
done, end = 0, time.monotonic() + secs
while time.monotonic() < end:
    s = socket.socket(socket.AF_INET6)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
    s.connect((host, 80)); s.sendall(b"GET / HTTP/1.0\r\n\r\n")
    while s.recv(65536):
        pass
    s.close(); done += 1
print(done / secs)
PY
sleep 2
declare -A target=([forward]=2001:db8:2::2 [jool]=2001:db8:46::c633:6402 [tayga]=2001:db8:47::c633:6402)
for path in forward jool tayga; do
  # Each path must answer before it is measured.
  ip netns exec client python3 /tmp/connrate.py "${target[$path]}" 0.1 >/dev/null
done
for round in $(seq "$ROUNDS"); do for path in forward jool tayga; do
  bps=$(ip netns exec client iperf3 -c "${target[$path]}" -t "$SECS" -J |
        python3 -c 'import json,sys; print(json.load(sys.stdin)["end"]["sum_received"]["bits_per_second"] / 1e6)')
  cps=$(ip netns exec client python3 /tmp/connrate.py "${target[$path]}" "$SECS")
  echo "$path $bps $cps"
done; done > /tmp/results
# The jool path must really have been Jool's: its sessions hold the client. (Captured
# first: grep -q closing the pipe early would fail the pipeline under pipefail.)
sessions=$(jool -i bench session display --tcp --numeric --csv)
grep -q '^TCP,2001:db8:1::2,' <<<"$sessions" || { echo "no Jool session for the client" >&2; exit 1; }
python3 - "$SECS" "$ROUNDS" <<'PY'
import statistics, sys
seen = {}
for path, mbits, conns in (line.split() for line in open("/tmp/results")):
    seen.setdefault(path, []).append((float(mbits), float(conns)))
rows = {p: tuple(statistics.median(v) for v in zip(*runs)) for p, runs in seen.items()}
t0, c0 = rows["forward"]
print(f"nat64 in one kernel guest (medians of {sys.argv[2]} rounds, {sys.argv[1]} s each;"
      " iperf3 one TCP stream; connections one at a time)")
print(f"{'path':<36}{'Mbit/s':>10}{'conn/s':>10}{'ratio Mbit/s':>14}{'ratio conn/s':>14}")
names = {"forward": "plain IPv6 forwarding", "jool": "NAT64: Jool (kernel, netfilter)",
         "tayga": "NAT64: TAYGA + nftables NAT44"}
for path in ("forward", "jool", "tayga"):
    t, c = rows[path]
    print(f"{names[path]:<36}{t:>10.1f}{c:>10.1f}{t / t0:>14.3f}{c / c0:>14.3f}")
print(f"{'Jool / TAYGA':<36}{'':>20}{rows['jool'][0] / rows['tayga'][0]:>14.2f}{rows['jool'][1] / rows['tayga'][1]:>14.2f}")
PY
GUEST
