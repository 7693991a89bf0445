"""RFC 6888 on the Jool path, with real packets in the kernel guest: one customer cannot
exhaust pool4 (REQ-4), a denied destination is not reached, the logging and timeouts are
Jool's running values (REQ-12, REQ-8), and a jool.conf Jool refuses never replaces the
running one."""
import json

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed
from ansible_collections.v6only.gateway.plugins.module_utils._nat64_policy import pool4_partition, port_range

PREFIX = "2001:db8:46::/96"
POOL4 = "198.51.100.1"
# v4server's second address (added here), on the scenario's jool_nat64_deny_destinations.
DENIED_V4 = "198.51.100.3"
SERVER6 = nat64_embed("198.51.100.2", PREFIX)
HOLD_PORT = 7000
ALICE, BOB = "2001:db8:110::10", "2001:db8:111::10"

# Accepts and keeps every connection, logging the peer the IPv4 side sees.
LISTENER = r"""
import socket
server = socket.create_server(("0.0.0.0", %d), backlog=128)
held = []
while True:
    conn, peer = server.accept()
    print("peer %%s:%%d" %% peer, flush=True)
    held.append(conn)
""" % HOLD_PORT

# Opens `count` connections one after another and keeps those that open for `hold` seconds.
HOLDER = r"""
import socket, sys, time
address, port, count, hold = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), float(sys.argv[4])
held, refused = [], 0
for _ in range(count):
    s = socket.socket(socket.AF_INET6)
    s.settimeout(3)
    try:
        s.connect((address, port))
        held.append(s)
    except OSError:
        refused += 1
print("held %d refused %d" % (len(held), refused), flush=True)
time.sleep(hold)
"""


def tcp_bib(guest):
    """Jool's TCP BIB as (ipv6, ipv6 port, ipv4, ipv4 port) tuples."""
    rows = guest.check_output("jool bib display --tcp --numeric --csv --no-headers").splitlines()
    return [(r[1], int(r[2]), r[3], int(r[4])) for r in (line.split(",") for line in rows)]


@pytest.fixture(scope="module")
def slices(guest):
    """The customers' pool4 slices as the running jool.conf has them, by customer."""
    conf = json.loads(guest.file("/etc/jool/jool.conf").content_string)
    tcp = [e for e in conf["pool4"] if e["protocol"] == "TCP"]
    return {e["comment"]: (e["mark"], range(port_range(e["port range"])[0], port_range(e["port range"])[1] + 1))
            for e in tcp}


@pytest.fixture(scope="module")
def listener(guest, journal, wait_until):
    guest.run("cat > /tmp/rfc6888-listener.py <<'EOF'\n%s\nEOF" % LISTENER)
    guest.run("cat > /tmp/rfc6888-holder.py <<'EOF'\n%s\nEOF" % HOLDER)
    guest.check_output("ip -n v4server address replace %s/28 dev eth0", DENIED_V4)
    guest.check_output("systemd-run -q --unit=rfc6888-listener ip netns exec v4server python3 /tmp/rfc6888-listener.py")
    assert wait_until(lambda: guest.run(f"ip netns exec v4server ss -Hltn 'sport = :{HOLD_PORT}'").stdout, 15)
    yield lambda: [line.split()[1] for line in journal("rfc6888-listener") if line.startswith("peer ")]
    guest.run("systemctl stop rfc6888-listener rfc6888-alice")
    guest.run("ip -n v4server address delete %s/28 dev eth0", DENIED_V4)
    # Free alice's slice for later tests: her closed connections would hold it for tcp-trans-timeout.
    for ipv6, port6, ipv4, port4 in tcp_bib(guest):
        if ipv6 == ALICE:
            guest.run("jool bib remove --tcp %s#%s %s#%s", ipv6, str(port6), ipv4, str(port4))


def test_pool4_is_partitioned_per_customer(guest, slices):
    conf = json.loads(guest.file("/etc/jool/jool.conf").content_string)
    quota = len(slices["alice"][1])
    expected = pool4_partition([{"prefix": f"{POOL4}/32", "port_range": "61001-65535"}], ["alice", "bob"], quota)
    assert [(e["mark"], e["port range"]) for e in conf["pool4"] if e["protocol"] == "TCP"] == [
        (e["mark"], e["port_range"]) for e in expected]
    # Jool took the slices as written: mark,protocol,address,first,last,...
    running = [line.split(",")[:5] for line in guest.check_output("jool pool4 display --tcp --csv --no-headers").splitlines()]
    assert sorted((int(m), f"{first}-{last}") for m, _, address, first, last in running if address == POOL4) == sorted(
        (e["mark"], e["port_range"]) for e in expected)
    marks = guest.check_output("nft list map inet jool_nat64 customer_marks")
    assert "2001:db8:110::/64 : 0x00000001" in marks
    assert "2001:db8:111::/64 : 0x00000002" in marks


def test_jool_runs_with_logging_bib_and_the_reuse_delay(guest):
    running = guest.check_output("jool global display")
    for line in ("logging-bib: true", "logging-session: false", "tcp-trans-timeout: 0:04:00",
                 "udp-timeout: 0:05:00", "icmp-timeout: 0:02:00"):
        assert line in running


def test_one_customer_cannot_exhaust_pool4(guest, netns, listener, slices, journal, wait_until):
    alice_mark, alice_ports = slices["alice"]
    bob_mark, bob_ports = slices["bob"]
    assert (alice_mark, bob_mark) == (1, 2)
    attempts = len(alice_ports) + 4
    guest.check_output(
        "systemd-run -q --unit=rfc6888-alice ip netns exec cust-a python3 /tmp/rfc6888-holder.py %s %s %s 300",
        SERVER6, str(HOLD_PORT), str(attempts))
    report = wait_until(lambda: [line for line in journal("rfc6888-alice") if line.startswith("held ")], 120)
    assert report, journal("rfc6888-alice")
    held, refused = int(report[0].split()[1]), int(report[0].split()[3])
    assert 0 < held <= len(alice_ports) and refused >= 4 and held + refused == attempts
    # Every port of alice's slice is taken, and none outside it.
    alice_bib = [b for b in tcp_bib(guest) if b[0] == ALICE]
    assert {b[3] for b in alice_bib} == set(alice_ports), alice_bib
    # Bob still connects while alice holds her whole slice, from his own slice.
    before = listener()
    bob = netns("cust-b", "python3 /tmp/rfc6888-holder.py %s %s 1 0", SERVER6, str(HOLD_PORT))
    assert bob.stdout.strip() == "held 1 refused 0", bob.stdout + bob.stderr
    new = wait_until(lambda: listener()[len(before):], 15)
    assert len(new) == 1
    address, port = new[0].rsplit(":", 1)
    assert address == POOL4 and int(port) in bob_ports
    # What the IPv4 side saw from alice: her slice only, from pool4.
    seen = [peer.rsplit(":", 1) for peer in before]
    assert len([p for a, p in seen if a == POOL4 and int(p) in alice_ports]) == held


def test_denied_destination_is_not_reached(guest, netns, listener):
    denied6 = nat64_embed(DENIED_V4, PREFIX)
    # The address answers over plain IPv4 from the gateway: only the deny list stands in the way.
    before = listener()
    assert guest.run("timeout 5 bash -c 'echo > /dev/tcp/%s/%s'", DENIED_V4, str(HOLD_PORT)).rc == 0
    assert listener()[len(before):]
    before = listener()
    result = netns("cust-b", "python3 /tmp/rfc6888-holder.py %s %s 1 0", denied6, str(HOLD_PORT))
    assert result.stdout.strip() == "held 0 refused 1", result.stdout + result.stderr
    assert listener() == before
    rule = next(line for line in guest.check_output("nft list chain inet jool_nat64 nat64").splitlines()
                if "@denied_destinations" in line)
    assert "packets 0 " not in rule
    assert "2001:db8:46::a00:0/104" in guest.check_output("nft list set inet jool_nat64 denied_destinations")


def test_invalid_jool_config_is_refused_naming_the_setting(guest, netns, ansible_playbook):
    config_before = guest.file("/etc/jool/jool.conf").content_string
    bad = {"logging-bib": True, "logging-session": False, "tcp-est-timeout": "banana",
           "tcp-trans-timeout": "4:00", "udp-timeout": "5:00", "icmp-timeout": "2:00"}
    result = ansible_playbook("refuse_jool_conf.yml", extra_vars={"jool_nat64_jool_globals": bad}, timeout=600)
    output = " ".join((result.stdout + result.stderr).split())
    assert result.returncode != 0
    # The role's own task refused it, through the role's validator.
    assert "jool_nat64 : Write the Jool configuration" in output
    assert "Jool refuses this jool.conf" in output
    assert "global 'tcp-est-timeout' = \"banana\"" in output
    # The running instance and its file are the old ones, and it still translates.
    assert guest.file("/etc/jool/jool.conf").content_string == config_before
    assert "tcp-est-timeout: 2:00:00" in guest.check_output("jool global display")
    # The throw-away instance went with its namespace: only the gateway's remains.
    assert guest.check_output("jool instance display --csv --no-headers").count(",default,") == 1
    body = netns("cust-b", "curl -sS -m 10 http://[%s]/", SERVER6)
    assert body.rc == 0 and body.stdout.strip() == "v4server over IPv4", body.stderr
