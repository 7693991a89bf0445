"""Abuse traceability on the Jool path: a real connection through Jool, then
playbooks/nat64_trace.yml, given only what the IPv4 server saw and when, names the
customer, VM, IPv6 address and port."""
import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._addresses import nat64_embed

SERVER6 = nat64_embed("198.51.100.2", "2001:db8:46::/96")
POOL4 = "198.51.100.1"
BOB = "2001:db8:111::10"
TRACE_PORT = 7001

# Answers one connection at a time, logging the peer the IPv4 side sees, as an abuse desk's evidence.
LISTENER = r"""
import socket
server = socket.create_server(("198.51.100.2", %d))
while True:
    conn, peer = server.accept()
    print("peer %%s:%%d" %% peer, flush=True)
    conn.close()
""" % TRACE_PORT


@pytest.fixture(scope="module")
def seen(guest, netns, journal, wait_until):
    """Bob's VM connects through Jool; return what the server saw (address, port) and when (UTC)."""
    guest.run("cat > /tmp/trace-listener.py <<'EOF'\n%s\nEOF" % LISTENER)
    guest.check_output("systemd-run -q --unit=trace-listener ip netns exec v4server python3 /tmp/trace-listener.py")
    assert wait_until(lambda: guest.run(f"ip netns exec v4server ss -Hltn 'sport = :{TRACE_PORT}'").stdout, 15)
    result = netns("cust-b", "nc -w 5 %s %s </dev/null", SERVER6, str(TRACE_PORT))
    assert result.rc == 0, result.stderr
    at = guest.check_output("date -u +%Y-%m-%dT%H:%M:%SZ")
    peers = wait_until(lambda: [line.split()[1] for line in journal("trace-listener") if line.startswith("peer ")], 15)
    assert len(peers) == 1, peers
    address, port = peers[0].rsplit(":", 1)
    yield address, int(port), at
    guest.run("systemctl stop trace-listener")


def trace(ansible_playbook, **report):
    result = ansible_playbook("../../playbooks/nat64_trace.yml", "-e", "nat64_trace_hosts=kernel-guest",
                              extra_vars=report, timeout=600)
    return result, " ".join((result.stdout + result.stderr).split())


def test_trace_names_customer_vm_address_and_port(guest, ansible_playbook, seen):
    address, port, at = seen
    assert address == POOL4
    # The IPv6 side of the mapping, as Jool holds it now: what the answer must name.
    (row,) = [r.split(",") for r in guest.check_output("jool bib display --tcp --numeric --csv --no-headers").splitlines()
              if r.split(",")[3:5] == [POOL4, str(port)]]
    assert row[1] == BOB
    result, output = trace(ansible_playbook, address=address, port=port, at=at)
    assert result.returncode == 0, output
    assert f"{POOL4}#{port} at " in output
    assert f"TCP [{BOB}]:{row[2]} -> {POOL4}#{port}" in output
    assert "customer bob, VM bob-vm (VM address)" in output


def test_trace_says_when_nothing_matched(ansible_playbook, seen):
    address, port, at = seen
    # The report's time before the mapping existed: the same address and port, nobody's.
    result, output = trace(ansible_playbook, address=address, port=port, at="2000-01-01T00:00:00Z", lookback=60)
    assert result.returncode == 0, output
    assert f"No match for {POOL4}#{port} at 2000-01-01T00:00:00+00:00" in output
