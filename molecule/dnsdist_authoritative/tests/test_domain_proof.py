"""scripts/domain-proof check, run from the controller against the scenario's real nsd, through
dnsdist and straight: a published token verifies, another customer's token and a missing
record do not (and say what to publish), and --record writes the registry file the model reads."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

GATEWAY = "198.51.100.116"
DAVE_NS = "2001:db8:10a::110"
PROOF = Path(__file__).resolve().parents[3] / "scripts" / "domain-proof"
# prepare.yml made the provider secret here and published dave.example's token for dave,
# and for erin.example the token of customer mallory.
INVENTORY = Path(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"]) / "domain-proof"


def domain_proof(command, customer, domain, *options, inventory=INVENTORY):
    return subprocess.run([str(PROOF), command, "--inventory", str(inventory), "--customer", customer, "--domain", domain,
                           *options], capture_output=True, text=True, check=False, timeout=60)


def record_to_publish(customer, domain):
    out = domain_proof("token", customer, domain)
    assert out.returncode == 0, out.stderr
    return out.stdout.strip()


@pytest.mark.parametrize("server,shown", [
    (GATEWAY, f"{GATEWAY} port 53"),                 # through dnsdist on the gateway IPv4
    (f"[{DAVE_NS}]:53", f"{DAVE_NS} port 53"),       # straight at the customer's own server
])
def test_the_published_token_verifies(server, shown):
    out = domain_proof("check", "dave", "dave.example", "--nameserver", server)
    assert (out.returncode, out.stdout, out.stderr) == (
        0, f"verified: _v6only-challenge.dave.example. holds the token of customer dave (asked {shown})\n", "")


def test_the_authoritative_servers_are_found_through_a_resolver():
    # dnsdist answers the resolver's SOA, NS and address queries from dave's zone:
    # ns1.dave.example has an AAAA (nsd itself) and an A (the gateway), and both are asked.
    out = domain_proof("check", "dave", "dave.example", "--resolver", GATEWAY)
    assert (out.returncode, out.stdout) == (0, (
        "verified: _v6only-challenge.dave.example. holds the token of customer dave (asked "
        f"ns1.dave.example. ({DAVE_NS} port 53), ns1.dave.example. ({GATEWAY} port 53))\n")), out.stderr


@pytest.mark.parametrize("customer,domain", [
    ("erin", "erin.example"),   # the record holds mallory's token
    ("erin", "dave.example"),   # dave's record proves nothing for another customer
])
def test_a_wrong_token_fails_and_names_the_record_to_publish(customer, domain):
    out = domain_proof("check", customer, domain, "--nameserver", GATEWAY)
    assert (out.returncode, out.stdout) == (1, (
        f"wrong token: {GATEWAY} port 53 has TXT records at _v6only-challenge.{domain}., "
        f"none with the token of customer {customer}\n"
        f"publish (and keep until checked): {record_to_publish(customer, domain)}\n")), out.stderr


def test_a_missing_record_fails_and_names_the_record_to_publish():
    out = domain_proof("check", "dave", "www.dave.example", "--resolver", GATEWAY)
    assert (out.returncode, out.stdout.splitlines()) == (1, [
        f"not found: ns1.dave.example. ({DAVE_NS} port 53) has no TXT record at _v6only-challenge.www.dave.example.",
        f"not found: ns1.dave.example. ({GATEWAY} port 53) has no TXT record at _v6only-challenge.www.dave.example.",
        f"publish (and keep until checked): {record_to_publish('dave', 'www.dave.example')}"]), out.stderr


def test_record_writes_the_registry_file_only_for_a_verified_domain(tmp_path):
    inventory = tmp_path / "inventory"
    (inventory / "secret").mkdir(parents=True, mode=0o700)
    shutil.copy2(INVENTORY / "secret" / "domain-proof.key", inventory / "secret")
    registry = inventory / "group_vars" / "all" / "registry_verified.yml"

    wrong = domain_proof("check", "erin", "erin.example", "--nameserver", GATEWAY, "--record", inventory=inventory)
    assert (wrong.returncode, registry.exists()) == (1, False)

    for _ in range(2):  # recording again changes nothing
        out = domain_proof("check", "dave", "dave.example", "--nameserver", GATEWAY, "--record", inventory=inventory)
        assert (out.returncode, out.stdout.splitlines()[-1]) == (0, f"recorded: dave verified dave.example in {registry} (commit it)")
        assert yaml.safe_load(registry.read_text()) == {"v6only_gateway_registry_verified": {"dave": ["dave.example"]}}


def test_the_secret_stays_private_and_out_of_every_output():
    key = INVENTORY / "secret" / "domain-proof.key"
    secret = key.read_text().strip()
    assert (key.stat().st_mode & 0o777, len(secret) >= 32) == (0o600, True)
    for out in (domain_proof("token", "dave", "dave.example"),
                domain_proof("check", "erin", "erin.example", "--nameserver", GATEWAY)):
        assert secret not in out.stdout + out.stderr
