#!/usr/bin/env bash
# Cached synthesized AAAA versus cached plain A through unbound_dns64, with
# dnsperf from a customer address; prints both rates and their ratio (target >= 0.9).
# Reuses molecule/unbound_dns64's subnet: never run it while that scenario runs.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/env.sh
image=localhost/v6only-node:bookworm
net=udb-v6
seconds=${SECONDS_PER_RUN:-10}
names=1000

cleanup() {
  for c in udb-client udb-resolver udb-auth; do podman rm -f -t 0 "$c" >/dev/null 2>&1 || true; done
  podman network rm -f "$net" >/dev/null 2>&1 || true
}
trap cleanup EXIT
cleanup
# IPv4 too: the resolver fetches packages the image lacks (dns-root-data) from the mirror.
podman network create --subnet 198.51.100.64/28 --subnet 2001:db8:106::/64 "$net" >/dev/null
for pair in udb-auth=2001:db8:106::54 udb-resolver=2001:db8:106::53 udb-client=2001:db8:106::110; do
  podman run -d --name "${pair%%=*}" --network "$net:ip=${pair#*=}" --cap-add SYS_ADMIN "$image" >/dev/null
done
sleep 2
ansible-playbook -i bench/dns64-inventory.yml bench/dns64.yml >/tmp/udb-converge.log \
  || { tail -30 /tmp/udb-converge.log; exit 1; }

# The same names both ways (a wildcard A in the test zone), so only synthesis differs.
podman exec -i udb-client bash -c "for i in \$(seq 1 $names); do echo \"n\$i.w.dns64.example A\"; done > /tmp/a.txt;
  sed 's/ A\$/ AAAA/' /tmp/a.txt > /tmp/aaaa.txt"
perf() { podman exec udb-client dnsperf -s 2001:db8:106::53 -d "/tmp/$1.txt" "${@:2}"; }
# Warm the cache: every name once each way.
perf a -n 1 >/dev/null
perf aaaa -n 1 >/dev/null
# A fast stream of errors would be a fine-looking rate: check what is measured.
podman exec udb-client dig +short @2001:db8:106::53 n1.w.dns64.example AAAA | grep -qx '2001:db8:46::c633:644d' \
  || { echo "bench: n1.w.dns64.example AAAA is not the synthesized 2001:db8:46::c633:644d" >&2; exit 1; }
qps() {
  out=$(perf "$1" -l "$seconds" -c 8 -q 64)
  grep -q 'Response codes: *NOERROR [0-9]* (100.00%)' <<<"$out" \
    || { echo "bench: not every $1 answer was NOERROR:" >&2; grep -E 'lost|Response codes' <<<"$out" >&2; exit 1; }
  awk '/Queries per second/ {print $4}' <<<"$out"
}
a=$(qps a)
aaaa=$(qps aaaa)
echo "cached plain A:           $a qps"
echo "cached synthesized AAAA:  $aaaa qps"
awk -v x="$aaaa" -v y="$a" 'BEGIN {printf "ratio AAAA/A:             %.2f (target >= 0.9)\n", x / y}'
