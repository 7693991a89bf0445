"""wireguard_vpn: an IPv4-only admin reaches an IPv6-only VM through the generated client config."""

import os
import re
from pathlib import Path

import pytest

EPHEMERAL = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"])
STORE = EPHEMERAL / "inventory" / "secret" / "wireguard" / "wg-server"
VM = "2001:db8:107::30"
PEER1 = "2001:db8:207:1::1"
PEER2 = "2001:db8:207:2::1"
# WireGuard's schedule: the initiator of a session starts a new handshake once
# the session is this many seconds old and it sends (PersistentKeepalive and
# the pings below keep it sending).
REKEY_AFTER_TIME = 120
# An ICMPv6 echo of ping's default 56 data bytes with its IPv6 header: each one
# adds at least this to WireGuard's transfer counters.
PING_BYTES = 40 + 8 + 56
# Pings per run in the background of the second converge; each run waits for
# all its replies (-w), so a lost one shows as loss, never as a late exit.
PING_RUN = 25


@pytest.fixture(scope="module")
def server(podman_host):
    return podman_host("wg-server")


@pytest.fixture(scope="module")
def client(podman_host):
    return podman_host("wg-client")


@pytest.fixture(scope="module")
def vm(podman_host):
    return podman_host("wg-vm")


def bring_up(client, peer):
    """Install the generated config with the customer's private key filled in, and start it like a customer would."""
    text = (STORE / f"{peer}.conf").read_text()
    private = client.check_output(f"cat /root/peers/{peer}.key").strip()
    assert "<REPLACE-WITH-YOUR-PRIVATE-KEY>" in text
    conf = text.replace("<REPLACE-WITH-YOUR-PRIVATE-KEY>", private)
    client.run_expect([0], "mkdir -p /etc/systemd/system/wg-quick@wg0.service.d")
    client.run_expect([0], "printf '[Service]\\nEnvironment=WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go\\n'"
                           " > /etc/systemd/system/wg-quick@wg0.service.d/userspace.conf")
    client.run_expect([0], "umask 077; cat > /etc/wireguard/wg0.conf <<'WG'\n%s\nWG" % conf)
    client.run_expect([0], "systemctl daemon-reload && systemctl restart wg-quick@wg0")


def handshake(host, public_key):
    for line in host.check_output("wg show wg0 latest-handshakes").splitlines():
        key, stamp = line.split()
        if key == public_key:
            return int(stamp)
    raise AssertionError(f"peer {public_key} not on wg0")


def transfer(host, public_key):
    for line in host.check_output("wg show wg0 transfer").splitlines():
        key, rx, tx = line.split()
        if key == public_key:
            return int(rx), int(tx)
    raise AssertionError(f"peer {public_key} not on wg0")


def pubkey(client, peer):
    return client.check_output(f"wg pubkey < /root/peers/{peer}.key").strip()


def drop_counter(server, comment):
    ruleset = server.check_output("nft list table inet wireguard_vpn")
    match = re.search(r'counter packets (\d+) bytes \d+ drop comment "%s"' % re.escape(comment), ruleset)
    assert match, f"no counted drop rule {comment!r} in:\n{ruleset}"
    return int(match.group(1))


def requests_from(vm, address):
    """How many requests nginx logged from exactly this client address (the first field)."""
    log = vm.check_output("cat /var/log/nginx/access.log")
    return sum(1 for line in log.splitlines() if line.split(" ", 1)[0] == address)


def ping_runs(client):
    """(transmitted, received) of every finished ping run in the background log."""
    log = client.check_output("cat /tmp/wg-ping.log")
    return [tuple(map(int, run)) for run in re.findall(r"^(\d+) packets transmitted, (\d+) received", log, re.M)]


@pytest.fixture(scope="module")
def tunnel(client, wait_until):
    bring_up(client, "alice-laptop")
    # The first echo also starts the handshake, so a few may go unanswered.
    pings = []

    def answered():
        pings.append(client.run(f"ping -6 -c 1 -W 2 {VM}"))
        return pings[-1].rc == 0

    assert wait_until(answered, 30, interval=1), pings[-1].stdout + pings[-1].stderr
    return client


@pytest.fixture(scope="module")
def second_peer(tunnel, server, client, ansible_playbook, wait_until):
    """Converge again with a second peer while peer 1 pings the VM through its live session."""
    peer1 = pubkey(client, "alice-laptop")
    before = {
        "ifindex": server.check_output("cat /sys/class/net/wg0/ifindex"),
        "daemon": server.check_output("pgrep -x wireguard-go"),
        # The client records a handshake before the server does (on the response;
        # the server on the first packet after it): read the client first here.
        "client_handshake": handshake(client, (STORE / "server.pub").read_text().strip()),
        "handshake": handshake(server, peer1),
        "transfer": transfer(server, peer1),
    }
    # Runs of pings until told to stop, so they span the whole converge, its
    # `wg syncconf` included, whatever the converge takes.
    client.run_expect([0], "rm -f /tmp/wg-ping.stop && systemd-run --unit=wg-ping sh -c "
                           f"'until [ -e /tmp/wg-ping.stop ]; do ping -6 -n -q -i 0.2 -c {PING_RUN} -w 60 {VM}; done"
                           " > /tmp/wg-ping.log 2>&1'")
    run = ansible_playbook("converge.yml", extra_vars={"wg_scenario_second_peer": True})
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # One whole run after the converge returned, and 200 pings at the least.
    wanted = max(len(ping_runs(client)) + 2, 200 // PING_RUN)
    assert wait_until(lambda: len(ping_runs(client)) >= wanted, 300), client.check_output("cat /tmp/wg-ping.log")
    client.run_expect([0], "touch /tmp/wg-ping.stop")
    assert wait_until(lambda: client.run("systemctl is-active --quiet wg-ping").rc != 0, 90), "the pings did not stop"
    return {"before": before, "output": run.stdout, "ping": client.check_output("cat /tmp/wg-ping.log"),
            "runs": ping_runs(client)}


def test_server_key_is_private_and_only_its_public_half_is_stored(server):
    key = server.file("/etc/wireguard/wg0.key")
    assert key.exists and key.mode == 0o600 and key.user == "root"
    private = server.check_output("cat /etc/wireguard/wg0.key").strip()
    public = server.check_output("wg show wg0 public-key").strip()
    assert (STORE / "server.pub").read_text().strip() == public
    for path in STORE.parent.rglob("*"):
        if path.is_file():
            assert private.encode() not in path.read_bytes(), f"{path} holds the server private key"


def test_userspace_wireguard_under_systemd(server):
    assert server.service("wg-quick@wg0").is_running
    assert server.service("wg-quick@wg0").is_enabled
    dropin = server.file("/etc/systemd/system/wg-quick@wg0.service.d/userspace.conf")
    assert "WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go" in dropin.content_string
    assert server.check_output("pgrep -x wireguard-go")
    assert server.check_output("sysctl -n net.ipv6.conf.all.forwarding") == "1"


def test_client_config_names_endpoint_dns_address_and_routes(server):
    text = (STORE / "alice-laptop.conf").read_text()
    server_key = (STORE / "server.pub").read_text().strip()
    expected = {
        "PrivateKey": "<REPLACE-WITH-YOUR-PRIVATE-KEY>",
        "Address": f"{PEER1}/64",
        "DNS": VM,
        "PublicKey": server_key,
        "Endpoint": "198.51.100.82:51820",
        "AllowedIPs": "::/0",
    }
    found = dict(re.findall(r"^(\w+) = (.+)$", text, re.M))
    for field, value in expected.items():
        assert found.get(field) == value, (field, text)
    assert oct((STORE / "alice-laptop.conf").stat().st_mode & 0o777) == "0o600"
    png = (STORE / "alice-laptop.png").read_bytes()
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 500


def test_handshake_ping_and_curl_over_ipv6(tunnel, server, client):
    assert handshake(client, (STORE / "server.pub").read_text().strip()) > 0
    assert handshake(server, pubkey(client, "alice-laptop")) > 0
    # The client has no IPv6 underlay at all: this can only have crossed the tunnel.
    assert not client.run("ip -6 route show dev eth0 | grep -v fe80").stdout.strip()
    page = client.check_output(f"curl -6 -sS --max-time 10 http://[{VM}]/")
    assert page == "alice-web over IPv6"


def test_dns_line_of_the_config_resolves_through_the_tunnel(tunnel, client):
    assert "nameserver 2001:db8:107::30" in client.file("/etc/resolv.conf").content_string
    assert client.check_output("dig +short AAAA web.alice.test") == VM
    assert client.check_output("curl -sS --max-time 10 http://web.alice.test/") == "alice-web over IPv6"


def test_second_peer_keeps_the_first_session(second_peer, server, client):
    peer1 = pubkey(client, "alice-laptop")
    before = second_peer["before"]
    assert "Sync the wireguard_vpn peers" in second_peer["output"]
    peers = server.check_output("wg show wg0 peers").split()
    assert peer1 in peers and pubkey(client, "alice-phone") in peers
    assert server.check_output("cat /sys/class/net/wg0/ifindex") == before["ifindex"], "the interface was rebuilt"
    assert server.check_output("pgrep -x wireguard-go") == before["daemon"], "wireguard-go was restarted"
    # The handshake is unchanged, or it is WireGuard's scheduled rekey: the
    # client, which started the session, handshakes again once the session is
    # REKEY_AFTER_TIME old; one the sync forced would come sooner, after the
    # client's pings went unanswered. The server stamps in whole seconds on the
    # first packet after a handshake, so it may read one second less. The server
    # is read first here, the client first before: the later read then holds
    # any handshake the earlier one saw.
    now = handshake(server, peer1)
    if now != before["handshake"]:
        client_now = handshake(client, (STORE / "server.pub").read_text().strip())
        assert client_now - before["client_handshake"] >= REKEY_AFTER_TIME, \
            f"the first peer had to handshake again after {client_now - before['client_handshake']} s"
        assert now - before["handshake"] >= REKEY_AFTER_TIME - 1, \
            f"the server saw a new handshake after {now - before['handshake']} s"
    runs = second_peer["runs"]
    assert len(runs) >= 200 // PING_RUN, second_peer["ping"]
    # Every run: all its pings answered (0 % loss), none with an error.
    assert all(run == (PING_RUN, PING_RUN) for run in runs), second_peer["ping"]
    assert "errors" not in second_peer["ping"], second_peer["ping"]
    # The counters kept counting: every ping of the converge is on top of what was there before.
    pings = sum(sent for sent, _received in runs)
    rx, tx = transfer(server, peer1)
    assert rx - before["transfer"][0] >= pings * PING_BYTES, "rx counter restarted or stalled"
    assert tx - before["transfer"][1] >= pings * PING_BYTES, "tx counter restarted or stalled"
    assert (STORE / "alice-phone.conf").exists() and (STORE / "alice-phone.png").exists()


def test_spoofed_source_from_another_peer_is_dropped(second_peer, tunnel, vm, wait_until):
    # Peer 1 claims peer 2's address; its own address keeps working meanwhile.
    honest_before = requests_from(vm, PEER1)
    tunnel.run_expect([0], f"ip -6 addr replace {PEER2}/128 dev wg0")
    try:
        spoofed = tunnel.run(f"curl -sS --max-time 10 --interface {PEER2} http://[{VM}]/")
        honest = tunnel.run(f"curl -sS --max-time 10 --interface {PEER1} http://[{VM}]/")
    finally:
        tunnel.run(f"ip -6 addr del {PEER2}/128 dev wg0")
    # 28: curl sent the request and timed out waiting, not a local failure to bind.
    assert spoofed.rc == 28, spoofed.stderr
    assert honest.rc == 0 and honest.stdout.strip() == "alice-web over IPv6"
    # nginx logs a request once it has answered it: give the line time to land.
    assert wait_until(lambda: requests_from(vm, PEER1) - honest_before, 10) == 1
    assert PEER2 not in vm.check_output("cat /var/log/nginx/access.log")


def test_peers_cannot_reach_each_other(second_peer, tunnel, server, wait_until):
    dropped = drop_counter(server, "no peer to peer")
    assert tunnel.run(f"ping -6 -c 3 -W 1 {PEER2}").rc != 0
    # The pings cross two wireguard-go processes before the server's forward hook counts them.
    assert wait_until(lambda: drop_counter(server, "no peer to peer") >= dropped + 3, 10), \
        f"{drop_counter(server, 'no peer to peer') - dropped} of the 3 pings counted as dropped"
