"""wireguard_vpn with kernel WireGuard: a peer in its own namespace, whose key pair was
made in the guest at test time, completes a handshake with the role's wg0 and pings a VM."""
import os
from pathlib import Path

import pytest

STORE = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "inventory" / "secret" / "wireguard" / "kernel-guest"
ALICE_VM = "2001:db8:110::10"
PLACEHOLDER = "<REPLACE-WITH-YOUR-PRIVATE-KEY>"


def handshakes(guest):
    """The server's peers (public key -> last handshake, epoch seconds; 0 = never)."""
    return dict(line.split() for line in guest.check_output("wg show wg0 latest-handshakes").splitlines())


@pytest.fixture(scope="module")
def peer(guest, netns):
    """alice-laptop up in the wgpeer namespace from the client config the role generated,
    the customer's private key filled in, over an IPv4-only underlay."""
    text = (STORE / "alice-laptop.conf").read_text(encoding="utf-8")
    assert PLACEHOLDER in text
    address = next(line.split("=", 1)[1].strip() for line in text.splitlines() if line.startswith("Address"))
    # The private key stays in the guest: sed fills it in there (base64 has no '|').
    guest.run_expect([0], "umask 077; sed \"s|%s|$(cat /root/peers/alice-laptop.key)|\" > /root/peers/wg0.conf"
                          " <<'WG'\n%s\nWG" % (PLACEHOLDER, text))
    guest.run_expect([0], "wg-quick strip /root/peers/wg0.conf > /root/peers/wg0.wg")
    guest.run_expect([0], "ip -n wgpeer link add wg0 type wireguard")
    since = int(guest.check_output("date +%s"))
    assert netns("wgpeer", "wg setconf wg0 /root/peers/wg0.wg").rc == 0
    guest.run_expect([0], "ip -n wgpeer -6 addr add %s dev wg0 nodad && ip -n wgpeer link set wg0 up", address)
    guest.run_expect([0], "ip -n wgpeer -6 route add 2001:db8:110::/64 dev wg0")
    yield guest.check_output("wg pubkey < /root/peers/alice-laptop.key"), since
    guest.run_expect([0], "ip -n wgpeer link del wg0 && rm -f /root/peers/wg0.conf /root/peers/wg0.wg")


def test_server_runs_kernel_wireguard(guest):
    assert guest.file("/sys/module/wireguard").is_directory
    assert "wireguard" in guest.check_output("ip -d link show wg0")
    assert guest.run("pgrep -x wireguard-go").rc != 0
    assert not guest.file("/etc/systemd/system/wg-quick@wg0.service.d").exists


def test_peer_handshakes_and_pings_a_vm_through_wg0(guest, netns, peer):
    public_key, since = peer
    assert public_key in handshakes(guest)
    result = netns("wgpeer", "ping -c 3 -W 5 %s", ALICE_VM)
    assert result.rc == 0, result.stdout + result.stderr
    # This peer's handshake, not an earlier one: a fresh guest has none before.
    assert int(handshakes(guest)[public_key]) >= since
    # The underlay is IPv4 only: the replies can only have come through the tunnel.
    assert " dev wg0 " in netns("wgpeer", "ip -6 route get %s", ALICE_VM).stdout
    steady = netns("wgpeer", "ping -c 3 -W 3 %s", ALICE_VM)
    assert " 0% packet loss" in steady.stdout, steady.stdout
    rx, tx = guest.check_output("wg show wg0 transfer").split()[1:3]
    assert int(rx) > 0 and int(tx) > 0
