"""The LAN: DHCPv6 reservations, RAs from the link-local VIP with RDNSS and PREF64, VRRP failover."""

import json
import shlex
import subprocess
import time

GATEWAY = "2001:db8:108::fe"
VIP_LL = "fe80::1"
RESOLVER = "2001:db8:108::53"
# DUID-LL of the VRRP virtual MAC (vrid 108), as dhclient writes it: both routers answer as one server.
SHARED_SERVER_ID = "0:3:0:1:0:0:5e:0:2:6c"

# Sends a Router Solicitation and decodes every RA heard for two seconds,
# including PREF64 (RFC 8781), which rdisc6 1.0.5 does not print.
RA_LISTENER = r"""
import json, socket, struct, time
s = socket.socket(socket.AF_INET6, socket.SOCK_RAW, socket.IPPROTO_ICMPV6)
s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_MULTICAST_HOPS, 255)
s.sendto(bytes([133, 0, 0, 0, 0, 0, 0, 0]), ("ff02::2", 0, 0, socket.if_nametoindex("eth0")))
s.settimeout(0.2)
ras, end = [], time.time() + 2
while time.time() < end:
    try:
        data, addr = s.recvfrom(4096)
    except socket.timeout:
        continue
    if data[0] != 134:
        continue
    ra = {"source": addr[0].split("%")[0], "managed": bool(data[5] & 0x80), "lla": None, "rdnss": [], "pref64": []}
    opts, i = data[16:], 0
    while i + 2 <= len(opts) and opts[i + 1]:
        kind, size = opts[i], opts[i + 1] * 8
        body = opts[i:i + size]
        if kind == 1:
            ra["lla"] = body[2:8].hex(":")
        elif kind == 25:
            ra["rdnss"] += [socket.inet_ntop(socket.AF_INET6, body[8 + 16 * k:24 + 16 * k]) for k in range((size - 8) // 16)]
        elif kind == 38:
            plc = struct.unpack("!H", body[2:4])[0] & 7
            ra["pref64"].append(socket.inet_ntop(socket.AF_INET6, body[4:16] + bytes(4)) + "/" + str((96, 64, 56, 48, 40, 32)[plc]))
        i += size
    ras.append(ra)
print(json.dumps(ras))
"""


def addresses(host):
    """eth0's IPv6 addresses as a mapping address -> prefix length."""
    out = host.check_output("ip -6 -o addr show dev eth0")
    cidrs = (line.split()[3] for line in out.splitlines() if " inet6 " in line)
    return dict(cidr.split("/") for cidr in cidrs)


def mac(host):
    return host.check_output("cat /sys/class/net/eth0/address").strip().lower()


def router_advertisements(host):
    return json.loads(host.check_output("python3 -c " + shlex.quote(RA_LISTENER)))


def holds_vips(host):
    found = addresses(host)
    return found.get(VIP_LL) == "64" and found.get(GATEWAY) == "64"


def pings(wait_until, host, seconds):
    return wait_until(lambda: host.run(f"ping -c1 -W1 {GATEWAY}").rc == 0, seconds)


def test_only_the_master_holds_the_vips_and_runs_kea(podman_host):
    r1, r2 = podman_host("lan-r1"), podman_host("lan-r2")
    assert holds_vips(r1)
    assert VIP_LL not in addresses(r2) and GATEWAY not in addresses(r2)
    assert r1.service("kea-dhcp6-server").is_running
    assert not r2.service("kea-dhcp6-server").is_running
    for router in (r1, r2):
        assert router.service("radvd").is_running
        assert router.service("keepalived").is_running


def test_vm_gets_its_address_by_duid_with_dns_servers(podman_host):
    vm1 = podman_host("lan-vm1")
    vm1.check_output("timeout 30 dhclient -6 -1 -D LL eth0")
    assert addresses(vm1).get("2001:db8:108::101") == "128"
    leases = vm1.file("/var/lib/dhcp/dhclient6.leases").content_string
    assert f"option dhcp6.server-id {SHARED_SERVER_ID};" in leases
    assert f"option dhcp6.name-servers {RESOLVER};" in leases
    assert f"nameserver {RESOLVER}" in vm1.file("/etc/resolv.conf").content_string.splitlines()


def test_vm_without_duid_reservation_gets_its_address_by_mac(podman_host):
    vm2 = podman_host("lan-vm2")
    # DUID-LLT: a DUID nobody reserved, so only the MAC reservation can match.
    vm2.check_output("timeout 30 dhclient -6 -1 -D LLT eth0")
    assert addresses(vm2).get("2001:db8:108::102") == "128"


def test_rdisc6_sees_the_link_local_vip_managed_no_slaac_and_rdnss(podman_host):
    out = podman_host("lan-vm2").check_output("rdisc6 -1 -w 3000 eth0")
    assert f"from {VIP_LL}\n" in out + "\n"
    assert "Stateful address conf.    :          Yes" in out
    assert "Autonomous address conf.:           No" in out
    assert f"Recursive DNS server     : {RESOLVER}" in out
    assert f"Source link-layer address: {mac(podman_host('lan-r1')).upper()}" in out


def test_only_the_master_advertises_with_pref64(podman_host):
    ras = router_advertisements(podman_host("lan-vm2"))
    assert ras, "no RA within 2 s of a solicitation"
    r1_mac = mac(podman_host("lan-r1"))
    for ra in ras:
        assert ra["source"] == VIP_LL
        assert ra["lla"] == r1_mac  # the backup is silent
        assert ra["managed"] is True
        assert ra["rdnss"] == [RESOLVER]
        assert ra["pref64"] == ["2001:db8:46::/96"]


def test_failover_within_three_seconds_and_failback(podman_host, wait_until):
    r1, r2, vm1, vm2 = (podman_host(n) for n in ("lan-r1", "lan-r2", "lan-vm1", "lan-vm2"))
    assert pings(wait_until, vm1, 5)

    # The backup times its own takeover: polling from here through podman exec would add
    # seconds of exec overhead on a busy machine. Containers share the host's clock.
    r2.check_output("rm -f /tmp/vips-at")
    watcher = ("until ip -6 -o addr show dev eth0 | grep -q ' inet6 %s/64 ' && ip -6 -o addr show dev eth0"
               " | grep -q ' inet6 %s/64 '; do sleep 0.05; done; date +%%s.%%N > /tmp/vips-at") % (VIP_LL, GATEWAY)
    subprocess.run(["podman", "exec", "-d", "lan-r2", "timeout", "60", "sh", "-c", watcher], check=True)
    assert not holds_vips(r2)
    stopped = time.time()
    r1.check_output("systemctl stop keepalived")
    try:
        assert wait_until(lambda: r2.file("/tmp/vips-at").exists, 30), "the backup never took the VIPs"
        took = float(r2.file("/tmp/vips-at").content_string) - stopped
        assert took < 3, f"the backup took the VIPs after {took:.1f} s"
        assert holds_vips(r2)
        assert VIP_LL not in addresses(r1) and GATEWAY not in addresses(r1)
        assert wait_until(lambda: r2.service("kea-dhcp6-server").is_running, 15)
        assert not r1.service("kea-dhcp6-server").is_running
        assert pings(wait_until, vm1, 10), "the VM's ping to the gateway address did not recover"
        ras = router_advertisements(vm2)
        assert ras and {(ra["source"], ra["lla"]) for ra in ras} == {(VIP_LL, mac(r2))}
    finally:
        r1.check_output("systemctl start keepalived")

    # Failback: r1 has the higher priority and preempts once its health check passes.
    assert wait_until(lambda: holds_vips(r1), 10), "r1 did not take the VIPs back"
    assert wait_until(lambda: GATEWAY not in addresses(r2), 3)
    assert wait_until(lambda: r1.service("kea-dhcp6-server").is_running and not r2.service("kea-dhcp6-server").is_running, 15)
    assert pings(wait_until, vm1, 10)
