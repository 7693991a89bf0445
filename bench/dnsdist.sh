#!/usr/bin/env bash
# Authoritative answers through dnsdist_authoritative (the IPv4 path a resolver
# on the internet takes) versus the same nsd queried directly over IPv6, with
# dnsperf from one dual-stack client in one run; prints both rates and the ratio.
# Reuses molecule/dnsdist_authoritative's subnets: never run it while that scenario runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
image=localhost/v6only-node:bookworm
seconds=${SECONDS_PER_RUN:-10}
names=1000
gateway=198.51.100.116
vm=2001:db8:10a::110

cleanup() {
  for c in ddb-client ddb-gw ddb-vm; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  for n in ddb-v4 ddb-v6; do podman network rm -f "$n" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
cleanup
podman network create --subnet 198.51.100.112/28 ddb-v4 >/dev/null
podman network create --subnet 2001:db8:10a::/64 ddb-v6 >/dev/null
run() { podman run -d --name "$1" --cap-add SYS_ADMIN "${@:2}" "$image" >/dev/null; }
run ddb-vm --network "ddb-v6:ip=$vm"
run ddb-gw --network "ddb-v4:ip=$gateway" --network "ddb-v6:ip=2001:db8:10a::20"
run ddb-client --network "ddb-v4:ip=198.51.100.118" --network "ddb-v6:ip=2001:db8:10a::30"
sleep 2
ansible-playbook -i bench/dnsdist-inventory.yml bench/dnsdist.yml >/tmp/ddb-converge.log \
  || { tail -30 /tmp/ddb-converge.log; exit 1; }

# Names of the zone both ways: half answered (www), half NXDOMAIN, as a real
# authoritative load is; no cache anywhere, so every query reaches nsd.
podman exec -i ddb-client bash -c "for i in \$(seq 1 $names); do echo \"www.dave.example A\"; echo \"n\$i.dave.example A\"; done > /tmp/q.txt"
# A fast stream of errors would be a fine-looking rate: check what is measured.
podman exec ddb-client dig +norec +short @$gateway www.dave.example A | grep -qx "$gateway" \
  || { echo "bench: www.dave.example A through dnsdist is not $gateway" >&2; exit 1; }
qps() {
  out=$(podman exec ddb-client dnsperf -s "$1" -d /tmp/q.txt -l "$seconds" -c 8 -q 64)
  grep -qE 'Queries lost: *0 ' <<<"$out" && grep -qE 'Response codes: *NOERROR [0-9]+ \(50\.00%\), NXDOMAIN [0-9]+ \(50\.00%\)$' <<<"$out" \
    || { echo "bench: queries to $1 were lost, or answers are not half NOERROR, half NXDOMAIN:" >&2; grep -E 'lost|Response codes' <<<"$out" >&2; exit 1; }
  awk '/Queries per second/ {print $4}' <<<"$out"
}
direct=$(qps "$vm")
proxied=$(qps "$gateway")
echo "nsd directly (IPv6):        $direct qps"
echo "through dnsdist (IPv4):     $proxied qps"
awk -v x="$proxied" -v y="$direct" 'BEGIN {printf "ratio dnsdist/direct:       %.2f\n", x / y}'
