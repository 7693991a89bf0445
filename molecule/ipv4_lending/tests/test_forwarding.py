"""A lent IPv4 address carries bob's SMTP and alice's POP3 to their IPv6-only VMs, client address included."""

import json
import os
import re
import uuid

import yaml

LENT = "198.51.100.104"
CLIENT = "198.51.100.100"
POOL = ["198.51.100.104", "198.51.100.105", "198.51.100.106", "198.51.100.107"]


def state():
    path = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory", "ipv4_leases.yml")
    with open(path, encoding="utf-8") as handle:
        return yaml.safe_load(handle)["leases"]


def test_bob_and_alice_stack_on_the_first_pool_address():
    leases = {(lease["vm"], lease["proto"]): lease for lease in state()}
    assert set(leases) == {("bob-mail", "smtp"), ("alice-mail", "pop3"), ("alice-mail", "ftp")}
    assert {lease["address"] for lease in leases.values()} == {LENT}
    assert all(lease["state"] == "active" and lease["expires"] is None for lease in leases.values())
    assert leases["bob-mail", "smtp"]["ports"] == [{"transport": "tcp", "port": 25}]


def test_only_leased_pool_addresses_are_on_the_interface(podman_host):
    # Every interface: podman does not promise which one is eth0.
    interfaces = json.loads(podman_host("il-gw").check_output("ip -4 -j address show"))
    local = {a["local"] for interface in interfaces for a in interface["addr_info"]}
    assert "198.51.100.98" in local
    assert LENT in local
    assert not local & set(POOL[1:])


def test_lending_haproxy_listens_on_the_lent_address(podman_host):
    gw = podman_host("il-gw")
    assert gw.service("haproxy-lending").is_running
    assert gw.service("haproxy-lending").is_enabled
    assert gw.socket(f"tcp://{LENT}:25").is_listening
    assert gw.socket(f"tcp://{LENT}:110").is_listening


def test_dns_rows_point_gateway_names_at_the_lent_address(podman_host):
    records = json.loads(podman_host("il-gw").file("/root/lending-dns.json").content_string)
    by_name = {r["name"]: r for r in records}
    assert by_name["smtp-bob-mail-ip4-gw.ip4-gw.example.net"]["value"] == LENT
    assert by_name["pop3-alice-mail-ip4-gw.ip4-gw.example.net"]["value"] == LENT
    assert all(r["type"] == "A" and r["ttl"] == 3 for r in records)


def test_swaks_reaches_bob_and_bob_sees_the_client_ipv4(podman_host, wait_for_mail):
    subject = f"lent-{uuid.uuid4().hex}"
    podman_host("il-client").check_output(
        f"swaks --to bob@bob.example --from carol@example.org --server {LENT}:25 --header 'Subject: {subject}'"
    )
    message = wait_for_mail(podman_host("il-vm1"), "/var/mail/bob", subject)
    assert f"(unknown [{CLIENT}])" in message, "postfix got the IPv4 client from PROXY v2"
    assert "2001:db8:109::20" not in message, "the gateway's own address must not appear as the client"


def test_pop3_reaches_alice_and_alice_sees_the_client_ipv4(podman_host, wait_until):
    script = (
        "import poplib; p = poplib.POP3('%s', 110, timeout=5); p.user('alice'); p.pass_('lend-me-an-address');"
        " print(b'\\n'.join(p.retr(1)[1]).decode()); p.quit()" % LENT
    )
    fetched = podman_host("il-client").check_output("python3 -c %s", script)
    assert "Subject: welcome to alice-mail" in fetched
    log = podman_host("il-vm2").file("/var/log/dovecot.log")
    login = f"user=<alice>, method=PLAIN, rip={CLIENT}, lip={LENT}"
    assert wait_until(lambda: login in log.content_string, 10), log.content_string


def test_an_address_not_lent_refuses_connections(podman_host):
    client = podman_host("il-client")
    assert client.run(f"nc -z -w 2 {POOL[1]} 25").rc != 0
    assert client.run(f"nc -z -w 2 {LENT} 143").rc != 0


def test_make_leases_report_shows_the_stacked_tenants(ansible_playbook):
    run = ansible_playbook(os.path.join(os.environ["MOLECULE_PROJECT_DIRECTORY"], "playbooks", "leases.yml"), timeout=300)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    report = run.stdout[run.stdout.index("IPv4 lending pool"):]
    block = report[report.index(LENT):report.index(POOL[1])]
    assert "bob-mail" in block and "smtp" in block and "tcp/25" in block
    assert "alice-mail" in block and "pop3" in block and "tcp/110" in block
    assert "ftp" in block and "tcp/21" in block and "tcp/30000-30009" in block
    # Three protocols share the address: teaching the gateway any one alone frees nothing.
    assert re.search(r"pop3\s+0", report) and re.search(r"smtp\s+0", report) and re.search(r"ftp\s+0", report)
    assert "Free addresses: 3 of 4" in report
