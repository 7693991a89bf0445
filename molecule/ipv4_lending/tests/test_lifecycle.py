"""Lease lifecycle on the live gateway: refusal of a broken state file, draining, freeing.

Each step runs the converge playbook again with changed customer data, the way
an operator's next pull request would. Runs after test_forwarding.py and test_ftp.py.
"""

import calendar
import copy
import os
import re
import time
import uuid

import pytest
import yaml

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
INVENTORY = os.path.join(os.environ.get("MOLECULE_EPHEMERAL_DIRECTORY", ""), "inventory")
STATE = os.path.join(INVENTORY, "ipv4_leases.yml")
LENT = "198.51.100.104"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
GATEWAY_FILES = "/etc/haproxy/lending.cfg /etc/systemd/system/ipv4-lending-addresses.service"

with open(os.path.join(SCENARIO, "molecule.yml"), encoding="utf-8") as _handle:
    BASE_VARS = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]
GRACE = BASE_VARS["v6only_gateway"]["dns_ttl"]


def converge(ansible_playbook, *extra_args, drop=(), carries=None):
    """Run converge.yml with the protocols in `drop` removed from alice's VM."""
    extra = copy.deepcopy(BASE_VARS)
    alice = next(c for c in extra["v6only_gateway_customers"] if c["name"] == "alice")
    alice["vms"][0]["services"] = [s for s in alice["vms"][0]["services"] if s["proto"] not in drop]
    if carries:
        extra["v6only_gateway"]["carries"] = carries
    run = ansible_playbook("converge.yml", *extra_args, extra_vars=extra, timeout=600)
    # One line of words without colour codes: callbacks wrap long messages.
    return run.returncode, " ".join(ANSI.sub("", run.stdout + run.stderr).split())


def leases():
    with open(STATE, encoding="utf-8") as handle:
        return {(lease["vm"], lease["proto"]): lease for lease in yaml.safe_load(handle)["leases"]}


def gateway_snapshot(host):
    """What a run must not touch when it fails: config files, units and the addresses."""
    return (host.check_output(f"sha256sum {GATEWAY_FILES}"), host.check_output("ip -4 -o address show"),
            host.check_output("ss -Htln"))


def wait_for_expiry(lease):
    expires = calendar.timegm(time.strptime(lease["expires"], "%Y-%m-%dT%H:%M:%SZ"))
    time.sleep(max(0.0, expires - time.time()) + 1)


@pytest.fixture
def saved_state():
    with open(STATE, encoding="utf-8") as handle:
        original = handle.read()
    yield original
    with open(STATE, "w", encoding="utf-8") as handle:
        handle.write(original)


@pytest.mark.parametrize("corrupt, message", [
    # Broken YAML: refused by the lease module's reader, which the model uses too, naming the file.
    (lambda text: text.replace("leases:", "leases: [\n  - oops", 1), f"lease state file {STATE} is not valid YAML"),
    # A hand edit that moves alice's pop3 to bob's port: refused as a port pop3 is not lent on.
    (lambda text: text.replace("port: 110", "port: 25"), "tcp/25 is not the port pop3 is lent on (tcp/110)"),
    # A hand edit that gives alice bob's service on his address: valid leases, a double allocation.
    (lambda text: text.replace("proto: pop3", "proto: smtp").replace("port: 110", "port: 25"),
     "tcp/25 on 198.51.100.104 is also held by"),
])
def test_a_corrupt_state_file_fails_the_run_and_touches_nothing(podman_host, ansible_playbook, saved_state, corrupt, message):
    gw = podman_host("il-gw")
    before = gateway_snapshot(gw)
    broken = corrupt(saved_state)
    assert broken != saved_state
    with open(STATE, "w", encoding="utf-8") as handle:
        handle.write(broken)
    returncode, output = converge(ansible_playbook)
    assert returncode != 0
    assert message in output, output[-3000:]
    assert "not valid YAML" in output or "from_yaml" in output or "It was not changed" in output
    with open(STATE, encoding="utf-8") as handle:
        assert handle.read() == broken, "a corrupt state file is never overwritten"
    assert gateway_snapshot(gw) == before


def test_check_mode_shows_the_drain_and_writes_nothing(podman_host, ansible_playbook, saved_state):
    gw = podman_host("il-gw")
    before = gateway_snapshot(gw)
    returncode, output = converge(ansible_playbook, "--check", "--diff", drop=("pop3",))
    assert returncode == 0, output[-3000:]
    assert "created: 0, kept: 2, draining: 1, freed: 0" in output
    assert "state: draining" in output and "alice-mail/pop3@198.51.100.104" in output
    with open(STATE, encoding="utf-8") as handle:
        assert handle.read() == saved_state
    assert gateway_snapshot(gw) == before


def test_removing_alice_pop3_drains_then_frees_her_lease(podman_host, ansible_playbook, wait_until):
    gw = podman_host("il-gw")
    returncode, output = converge(ansible_playbook, drop=("pop3",))
    assert returncode == 0, output[-3000:]
    alice = leases()["alice-mail", "pop3"]
    assert alice["state"] == "draining" and alice["address"] == LENT
    assert leases()["bob-mail", "smtp"]["state"] == "active"
    assert leases()["alice-mail", "ftp"]["state"] == "active"
    # The service is gone, so nothing listens for it, but its port stays held until expiry.
    # The reload returns before the old HAProxy worker has let go of its listeners.
    assert wait_until(lambda: not gw.socket(f"tcp://{LENT}:110").is_listening, 30), gw.check_output("ss -Htlnp")
    assert gw.socket(f"tcp://{LENT}:25").is_listening
    assert gw.socket(f"tcp://{LENT}:21").is_listening

    wait_for_expiry(alice)
    returncode, output = converge(ansible_playbook, drop=("pop3",))
    assert returncode == 0, output[-3000:]
    assert set(leases()) == {("bob-mail", "smtp"), ("alice-mail", "ftp")}
    assert "freed: - alice-mail/pop3@198.51.100.104" in output


def test_gateway_learning_smtp_drains_bob_and_returns_the_address(podman_host, ansible_playbook, wait_until, wait_for_mail):
    gw, client = podman_host("il-gw"), podman_host("il-client")
    # Alice's FTP leaves too, so bob is the address's last tenant.
    returncode, output = converge(ansible_playbook, drop=("pop3", "ftp"), carries={"smtp": "relay"})
    assert returncode == 0, output[-3000:]
    bob = leases()["bob-mail", "smtp"]
    assert bob["state"] == "draining"
    assert leases()["alice-mail", "ftp"]["state"] == "draining"
    # Resolvers may still hold the old A record: the lent address keeps working until expiry.
    subject = f"drain-{uuid.uuid4().hex}"
    client.check_output(f"swaks --to bob@bob.example --from carol@example.org --server {LENT}:25 "
                        f"--header 'Subject: {subject}'")
    wait_for_mail(podman_host("il-vm1"), "/var/mail/bob", subject)

    wait_for_expiry(bob)
    returncode, output = converge(ansible_playbook, drop=("pop3", "ftp"), carries={"smtp": "relay"})
    assert returncode == 0, output[-3000:]
    assert leases() == {}
    assert f" {LENT}/" not in gw.check_output("ip -4 -o address show")
    assert wait_until(lambda: not gw.socket(f"tcp://{LENT}:25").is_listening, 30), gw.check_output("ss -Htlnp")
    assert client.run(f"nc -z -w 2 {LENT} 25").rc != 0
