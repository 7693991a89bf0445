#!/usr/bin/env bash
# haproxy_sni: the same client fetching over HTTPS through the gateway versus
# straight to the VM, and how long map updates take with 5,000 customers.
# Prints: 1 MB transfer throughput (proxied/direct, target >= 0.8), p50 latency
# of a fresh TLS connection + small request (added ms, target < 1) and the
# connection rate ratio; then converge and runtime-API times at 5,000 customers.
# Builds the molecule/haproxy_sni scenario's containers and networks itself:
# never run it while that scenario runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
scenario=haproxy_sni
rounds=${ROUNDS:-9}
transfers=${TRANSFERS:-200}     # 1 MB files per round, on one kept-alive connection
requests=${REQUESTS:-300}       # small requests per round, each on a new TLS connection
customers=${CUSTOMERS:-5000}
gw=198.51.100.34
vm=2001:db8:104::10
ca=/etc/ssl/hs-alpha.example.crt

cleanup() {
  molecule destroy -s "$scenario" >/dev/null 2>&1 || true
  bash scripts/networks.sh remove "molecule/$scenario/networks" >/dev/null
}
trap cleanup EXIT
cleanup
bash scripts/networks.sh create "molecule/$scenario/networks" >/dev/null
molecule create -s "$scenario" >/tmp/hs-bench.log 2>&1 || { tail -30 /tmp/hs-bench.log; exit 1; }
# Newest: other checkouts (e.g. a clean clone for CI) leave their own ephemeral dirs.
eph=$(ls -td ~/.ansible/tmp/molecule.*."$scenario" | head -1)
converge() { ANSIBLE_NOCOLOR=1 ansible-playbook -i "$eph/inventory/ansible_inventory.yml" "molecule/$scenario/converge.yml" "$@"; }
# No per-source rate limit: the bench is one source opening hundreds of connections.
converge -e haproxy_sni_conn_rate_limit=0 >>/tmp/hs-bench.log 2>&1 || { tail -30 /tmp/hs-bench.log; exit 1; }
# "The same client": give the IPv4-only client an IPv6 leg for the direct runs.
podman network disconnect hs-v6 hs-client >/dev/null 2>&1 || true
podman network connect --ip6 2001:db8:104::35 hs-v6 hs-client

# big ADDR: MB/s of $transfers x 1 MB from alpha.example at ADDR, one kept-alive connection.
big() {
  podman exec -i hs-client bash -s "$1" "$transfers" "$ca" <<'EOF'
addr=$1 n=$2 ca=$3
# -o once per URL: curl applies each -o to one URL only.
urls=$(for i in $(seq "$n"); do printf -- '-o /dev/null https://alpha.example/1m.bin '; done)
t0=$(date +%s.%N)
bytes=$(curl -sS --http1.1 --cacert "$ca" --resolve "alpha.example:443:$addr" -w '%{size_download}\n' $urls | awk '{s+=$1} END {print s}')
t1=$(date +%s.%N)
[ "$bytes" = $((n * 1048576)) ] || { echo "got $bytes bytes, wanted $((n * 1048576))" >&2; exit 1; }
echo "$bytes $t0 $t1" | awk '{printf "%.1f\n", $1/1048576/($3-$2)}'
EOF
}
# small ADDR: "p50_ms conn_per_s" of $requests small pages, each on a new TCP + TLS connection.
small() {
  podman exec -i hs-client bash -s "$1" "$requests" "$ca" <<'EOF'
addr=$1 m=$2 ca=$3
urls=$(for i in $(seq "$m"); do printf -- '-o /dev/null https://alpha.example/ '; done)
t0=$(date +%s.%N)
# HTTP/1.1 with Connection: close: a new TCP + TLS connection for every URL.
curl -sS --http1.1 --cacert "$ca" --resolve "alpha.example:443:$addr" -H 'Connection: close' -w '%{num_connects} %{time_total}\n' $urls > /tmp/lat
t1=$(date +%s.%N)
[ "$(awk '$1 != 1' /tmp/lat | wc -l)" = 0 ] || { echo "a request reused a connection" >&2; exit 1; }
[ "$(wc -l < /tmp/lat)" = "$m" ] || { echo "got $(wc -l < /tmp/lat) answers, wanted $m" >&2; exit 1; }
p50=$(awk '{print $2}' /tmp/lat | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)] * 1000}')
echo "$p50 $m $t0 $t1" | awk '{printf "%.3f %.1f\n", $1, $2/($4-$3)}'
EOF
}
# The HAProxy worker's CPU time so far, in clock ticks (user + system).
gw_ticks() {
  podman exec hs-gw sh -c 'w=$(echo "show info" | socat - /run/haproxy/admin.sock | sed -n "s/^Pid: //p"); awk "{print \$14 + \$15}" /proc/$w/stat'
}

# compare: alternating direct and proxied rounds; prints the medians, the
# spread of the per-round throughput ratios and HAProxy's CPU per proxied GB.
compare() {
  local r d p t0 t1 hz
  hz=$(getconf CLK_TCK)
  rm -f /tmp/hs-bench.rounds
  for r in $(seq "$rounds"); do
    d=$(big "[$vm]")
    t0=$(gw_ticks); p=$(big "$gw"); t1=$(gw_ticks)
    echo "round $d $p $(echo "$t0 $t1 $hz $transfers" | awk '{print ($2-$1)/$3*1000*1024/$4}')" >> /tmp/hs-bench.rounds
    d=$(small "[$vm]") && p=$(small "$gw")
    printf "direct  %s\nproxied %s\n" "$d" "$p" >> /tmp/hs-bench.rounds
  done
  median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
  col() { awk -v k="$1" -v c="$2" '$1 == k {print $c}' /tmp/hs-bench.rounds | median; }
  d_mb=$(col round 2) p_mb=$(col round 3) cpu=$(col round 4)
  d_p50=$(col direct 2) p_p50=$(col proxied 2) d_cps=$(col direct 3) p_cps=$(col proxied 3)
  spread=$(awk '$1 == "round" {print $3/$2}' /tmp/hs-bench.rounds | sort -n |
    awk '{a[NR]=$1} END {printf "%.2f-%.2f, quartiles %.2f %.2f", a[1], a[NR], a[int((NR+3)/4)], a[int((3*NR+3)/4)]}')
  rm -f /tmp/hs-bench.rounds
  printf '1 MB HTTPS throughput  direct %7.1f MB/s  proxied %7.1f MB/s  ratio %.2f (target >= 0.8)\n' \
    "$d_mb" "$p_mb" "$(echo "$p_mb $d_mb" | awk '{print $1/$2}')"
  printf '  per-round ratios %s\n' "$spread"
  # One CPU second moves 1024/cpu_ms GB: what one gateway core forwards when nothing else runs on it.
  printf '  HAProxy worker CPU per proxied GB %.0f ms: one gateway core forwards %.0f MB/s, %.1fx the direct rate\n' \
    "$cpu" "$(echo "$cpu" | awk '{print 1024000/$1}')" "$(echo "$cpu $d_mb" | awk '{print 1024000/$1/$2}')"
  printf 'p50 new TLS + request  direct %7.3f ms    proxied %7.3f ms    added %.3f ms (target < 1)\n' \
    "$d_p50" "$p_p50" "$(echo "$p_p50 $d_p50" | awk '{print $1-$2}')"
  printf 'connection rate        direct %7.1f /s    proxied %7.1f /s    ratio %.2f\n' \
    "$d_cps" "$p_cps" "$(echo "$p_cps $d_cps" | awk '{print $1/$2}')"
}
# pin CPUS CONTAINER...: the containers' cgroups onto CPUS.
pin() { local cpus=$1 c; shift; for c in "$@"; do podman update --cpuset-cpus "$cpus" "$c" >/dev/null; done; }

echo "haproxy_sni bench: $rounds rounds, $transfers x 1 MB, $requests new-connection requests, alternating direct and proxied"
echo "-- client, HAProxy and nginx share every CPU of this machine:"
compare
if [ "$(nproc)" -ge 2 ]; then
  # As deployed, the gateway is its own host: the gateway container on CPU 1;
  # client and VM on CPU 0 in both the direct and the proxied rounds.
  echo "-- the gateway on CPU 1 alone, client and VM on CPU 0:"
  pin 1 hs-gw && pin 0 hs-client hs-vm
  compare
  pin "0-$(($(nproc) - 1))" hs-gw hs-client hs-vm
fi

# Synthetic customers (10, then 5,000), each one VM address and one https name.
synthetic() {
python3 - "$1" <<'EOF'
import json, sys
n = int(sys.argv[1])
print(json.dumps({"haproxy_sni_conn_rate_limit": 0, "hs_added_customers": [
    {"name": f"bench{i}", "vms": [{"name": f"bench{i}-web", "ipv6": f"2001:db8:104::1:{i:x}",
     "services": [{"proto": "https", "names": [f"bench{i}.example"]}]}]} for i in range(1, n + 1)]}))
EOF
}
synthetic 10 > /tmp/hs-bench-customers10.json
synthetic "$customers" > /tmp/hs-bench-customers.json
timed() {
  local t0; t0=$(date +%s.%N)
  "$@" >>/tmp/hs-bench.log 2>&1 || { echo "FAILED (see /tmp/hs-bench.log)"; return; }
  echo "$(date +%s.%N) $t0" | awk '{printf "%.1f", $1-$2}'
}
t_add10=$(timed converge -e @/tmp/hs-bench-customers10.json)
t_idle10=$(timed converge -e @/tmp/hs-bench-customers10.json)
t_add=$(timed converge -e @/tmp/hs-bench-customers.json)
t_idle=$(timed converge -e @/tmp/hs-bench-customers.json)
t_name=$(timed converge -e @/tmp/hs-bench-customers.json -e '{"hs_bravo_extra_names": ["www.bravo.example"]}')
entries=$(podman exec hs-gw sh -c "echo 'show map /etc/haproxy/maps/sni_${gw}_443.map' | socat - /run/haproxy/admin.sock | grep -c '^0x'")
# The runtime API alone: atomically replace the whole 443 map (prepare, add
# payloads of 150 lines to stay under the 16 kB CLI buffer, commit).
t_api=$(podman exec -i hs-gw bash -s "$gw" <<'EOF'
map=/etc/haproxy/maps/sni_$1_443.map sock=/run/haproxy/admin.sock
t0=$(date +%s.%N)
v=$(echo "prepare map $map" | socat - $sock | sed -n 's/.*created: //p')
split -l 150 "$map" /tmp/chunk.
for f in /tmp/chunk.*; do
  { printf 'add map @%s %s <<\n' "$v" "$map"; cat "$f"; printf '\n'; } | socat - $sock | grep . && exit 1
done
rm -f /tmp/chunk.*
echo "commit map @$v $map" | socat - $sock >/dev/null
echo "$(date +%s.%N) $t0" | awk '{printf "%.0f", ($1-$2)*1000}'
EOF
)
rm -f /tmp/hs-bench-customers.json /tmp/hs-bench-customers10.json
echo "converge time as customers grow (one run):"
echo "  adding the customers                 10: ${t_add10} s   $customers: ${t_add} s   ratio $(echo "$t_add $t_add10" | awk '{printf "%.1f", $1/$2}')"
echo "  nothing to change                    10: ${t_idle10} s   $customers: ${t_idle} s   ratio $(echo "$t_idle $t_idle10" | awk '{printf "%.1f", $1/$2}')"
echo "map update with $customers customers ($entries SNI entries on :443):"
echo "  converge adding $customers customers (config + seamless reload)  ${t_add} s"
echo "  converge with nothing to change                                ${t_idle} s"
echo "  converge adding one name (maps over the runtime API)           ${t_name} s"
echo "  runtime API swap of the whole $entries-entry map alone             ${t_api} ms"
