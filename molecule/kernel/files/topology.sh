#!/bin/bash
# The scenario's world inside the kernel guest; the guest's own (init) namespace is the
# gateway, so every packet below crosses its netfilter hooks, Jool and wg0.
#   cust-a    alice-vm  2001:db8:110::10  (customer prefix)   <-> va 2001:db8:110::1
#   cust-b    bob-vm    2001:db8:111::10  (customer prefix)   <-> vb 2001:db8:111::1
#   outsider            2001:db8:112::10  (no customer's)     <-> vo 2001:db8:112::1
#   v4server  198.51.100.2/28, IPv4 only: HTTP 80, DNS 53, TCP 25  <-> vs 198.51.100.1 (pool4)
#   wgpeer    198.51.100.18/28, IPv4 underlay of a VPN peer   <-> vw 198.51.100.17 (endpoint)
set -euo pipefail

netns() {  # name, gateway-side link
  ip netns add "$1"
  ip link add "$2" type veth peer name eth0 netns "$1"
  ip -n "$1" link set lo up
}

customer() {  # name, link, gateway address, namespace address
  netns "$1" "$2"
  ip -6 addr add "$3/64" dev "$2" nodad
  ip link set "$2" up
  ip -n "$1" -6 addr add "$4/64" dev eth0 nodad
  ip -n "$1" link set eth0 up
  ip -n "$1" -6 route add default via "$3"
}

ipv4_only() {  # name, link, gateway address, namespace address (/28)
  netns "$1" "$2"
  # Only the link: the VPN peer's wg0, made later, carries IPv6.
  ip netns exec "$1" sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1
  ip addr add "$3/28" dev "$2"
  ip link set "$2" up
  ip -n "$1" addr add "$4/28" dev eth0
  ip -n "$1" link set eth0 up
  ip -n "$1" route add default via "$3"
}

customer cust-a va 2001:db8:110::1 2001:db8:110::10
customer cust-b vb 2001:db8:111::1 2001:db8:111::10
customer outsider vo 2001:db8:112::1 2001:db8:112::10
ipv4_only v4server vs 198.51.100.1 198.51.100.2
ipv4_only wgpeer vw 198.51.100.17 198.51.100.18

# The servers log every peer's address to the journal: that is what the IPv4 side saw.
mkdir -p /srv/kernel-test
echo "v4server over IPv4" > /srv/kernel-test/index.html
cat > /etc/unbound/kernel-test.conf <<'EOF'
server:
  interface: 198.51.100.2
  do-ip6: no
  access-control: 0.0.0.0/0 allow
  username: ""
  chroot: ""
  pidfile: ""
  use-syslog: no
  logfile: ""
  log-queries: yes
  module-config: "iterator"
  local-zone: "kernel.test." static
  local-data: "www.kernel.test. 300 IN A 198.51.100.2"
EOF
cat > /usr/local/sbin/kernel-test-smtp <<'EOF'
#!/usr/bin/python3
"""Greets like an MTA on 198.51.100.2:25 and logs each peer."""
import socket
server = socket.create_server(("198.51.100.2", 25))
while True:
    conn, peer = server.accept()
    print("smtp connection from %s:%d" % peer, flush=True)
    conn.sendall(b"220 v4server ESMTP\r\n")
    conn.close()
EOF
chmod 0755 /usr/local/sbin/kernel-test-smtp
in_server="ip netns exec v4server"
systemd-run -q --unit=kernel-test-http $in_server \
  python3 -m http.server --bind 198.51.100.2 --directory /srv/kernel-test 80
systemd-run -q --unit=kernel-test-dns $in_server unbound -d -c /etc/unbound/kernel-test.conf
systemd-run -q --unit=kernel-test-smtp $in_server /usr/local/sbin/kernel-test-smtp

for _ in $(seq 150); do
  listening=$($in_server ss -Hltun | grep -cE '198\.51\.100\.2:(80|53|25) ' || true)
  [ "$listening" -ge 4 ] && exit 0  # 53 twice: UDP and TCP
  sleep 0.2
done
$in_server ss -Hltun
echo "the IPv4 servers did not all listen within 30 s" >&2
exit 1
