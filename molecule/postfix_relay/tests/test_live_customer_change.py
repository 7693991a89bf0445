"""Customer changes reach the running Postfix without a restart, and its tables on disk and in use agree.

Re-runs converge.yml the way the next pull requests would: alice gets a second
VM (only the postmap'd tables and rspamd's map change, so neither Postfix nor
rspamd is reloaded), then a new customer dave arrives (his restriction class is
main.cf, so Postfix reloads, but the master process and its listeners stay),
then the scenario's own data again.
Runs before test_postfix_relay.py and sends nothing from alice-mail or bob-app.
"""

import copy
import os
import re
import shlex
import uuid

import pytest
import yaml

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
with open(os.path.join(SCENARIO, "molecule.yml"), encoding="utf-8") as _handle:
    BASE_VARS = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]

GW4 = "198.51.100.132"
GW6 = "2001:db8:10b::20"
ALICE_RELAY2 = "2001:db8:10b::12"
DAVE_MAIL = "2001:db8:10b::13"
TABLES = ("relay_domains", "transport", "smarthost_clients", "smarthost_vm_names")
ANSI = re.compile(r"\x1b\[[0-9;]*m")


def customers(alice_relay2=False, dave=False):
    extra = {key: copy.deepcopy(BASE_VARS[key]) for key in ("v6only_gateway_registry", "v6only_gateway_customers")}
    if alice_relay2:
        extra["v6only_gateway_registry"]["customers"]["alice"]["prefixes"].append(f"{ALICE_RELAY2}/128")
        alice = next(c for c in extra["v6only_gateway_customers"] if c["name"] == "alice")
        alice["vms"].append({"name": "alice-relay2", "ipv6": ALICE_RELAY2, "services": [{"proto": "smtp"}]})
    if dave:
        extra["v6only_gateway_registry"]["customers"]["dave"] = {"domains": ["dave.example"],
                                                                "prefixes": [f"{DAVE_MAIL}/128"]}
        extra["v6only_gateway_customers"].append({"name": "dave", "domains": ["dave.example"], "vms": [
            {"name": "dave-mail", "ipv6": DAVE_MAIL, "services": [{"proto": "smtp"}]}]})
    return extra


def converge(ansible_playbook, extra_vars=None):
    run = ansible_playbook("converge.yml", extra_vars=extra_vars, timeout=900)
    out = ANSI.sub("", run.stdout + run.stderr)
    assert run.returncode == 0, out[-3000:]
    return out


def swaks(host, *args):
    result = host.run("swaks --timeout 60 " + " ".join(args) + " 2>&1")
    return result.rc, result.stdout


def from_vm(vm, source, sender, *args):
    """The smarthost's answer to a VM sending from `source` as `sender` to the test MX."""
    return swaks(vm, f"--server {GW6} --port 587 --local-interface {source}",
                 f"--from {sender} --to carol@example.net", *args)


def master(gw):
    """(MainPID of the Postfix master, how many reloads it has logged)."""
    pid = int(gw.check_output("systemctl show -p MainPID --value postfix@-"))
    reloads = gw.check_output("journalctl -t postfix/master --no-pager -o cat").count("reload -- version")
    return pid, reloads


def entries(lines):
    """{key: value} of table lines 'key value', whitespace in values folded, keys in lower case as postmap stores them."""
    pairs = (line.split(None, 1) for line in lines if line.strip() and not line.lstrip().startswith("#"))
    return {pair[0].lower(): " ".join(pair[1].split()) for pair in pairs}


def assert_tables_in_use_equal_their_sources(gw):
    for table in TABLES:
        path = f"/etc/postfix/relay/{table}"
        source = entries(gw.file(path).content_string.splitlines())
        indexed = entries(gw.check_output(f"postmap -s hash:{path}").splitlines())
        assert indexed == source, table
        keys = " ".join(shlex.quote(key) for key in source)
        looked_up = gw.run(f"printf '%s\\n' {keys} | postmap -q - hash:{path}")
        assert entries(looked_up.stdout.splitlines()) == source, table


@pytest.fixture(scope="module")
def hosts(podman_host):
    gw, vm = podman_host("pf-gw"), podman_host("pf-vm")
    for address in (ALICE_RELAY2, DAVE_MAIL):
        vm.check_output(f"ip -6 addr replace {address}/64 dev eth0 nodad")
    yield gw, vm, podman_host("pf-client")
    for address in (ALICE_RELAY2, DAVE_MAIL):
        vm.run(f"ip -6 addr del {address}/64 dev eth0")


@pytest.fixture(scope="module")
def before(hosts):
    gw, vm, client = hosts
    rc, out = from_vm(vm, ALICE_RELAY2, "relay2@alice.example", "--quit-after RCPT")
    assert rc != 0 and "554 5.7.1" in out, out
    rc, out = swaks(client, f"--server {GW4} --from sender@example.org --to x@dave.example --quit-after RCPT")
    assert rc != 0 and "Relay access denied" in out, out
    return master(gw)


@pytest.fixture(scope="module")
def changes(hosts, before, ansible_playbook):
    state = {"restored": False}
    yield state
    if not state["restored"]:
        converge(ansible_playbook)


def test_a_new_vm_of_a_customer_sends_at_once_without_a_reload(hosts, before, changes, ansible_playbook, wait_until):
    gw, vm, _client = hosts
    out = converge(ansible_playbook, customers(alice_relay2=True))
    assert "Reload Postfix" not in out and "Reload rspamd" not in out
    assert master(gw) == before, "Postfix was restarted or reloaded"
    assert f"{ALICE_RELAY2} postfix_relay_customer_alice" in gw.file("/etc/postfix/relay/smarthost_clients").content_string
    marker = f"pf-live-{uuid.uuid4()}"
    attempts = []

    def queued():
        # rspamd re-reads its map by itself, within 30 s here; until then it defers (4xx).
        attempts.append(from_vm(vm, ALICE_RELAY2, "relay2@alice.example", f"--header 'Subject: {marker}'"))
        return "250 2.0.0 Ok: queued" in attempts[-1][1]

    assert wait_until(queued, 120, 8), attempts[-1][1]
    # Until then the only answer was the temporary one, never a refusal the VM would bounce.
    assert all(re.search(r"<\*\*\s+4\d\d .*not a customer VM", out) for _rc, out in attempts[:-1]), attempts
    assert_tables_in_use_equal_their_sources(gw)


def test_a_new_customer_is_relayed_and_may_send_with_the_master_process_kept(hosts, before, changes, ansible_playbook):
    gw, vm, client = hosts
    converge(ansible_playbook, customers(alice_relay2=True, dave=True))
    assert master(gw)[0] == before[0], "Postfix was restarted"
    rc, out = swaks(client, f"--server {GW4} --from sender@example.org --to x@dave.example --quit-after RCPT")
    assert "RCPT TO:<x@dave.example>" in out and "Relay access denied" not in out, out
    rc, out = from_vm(vm, DAVE_MAIL, "d@dave.example", "--quit-after RCPT")
    assert rc == 0, out
    rc, out = from_vm(vm, DAVE_MAIL, "d@alice.example", "--quit-after RCPT")
    assert rc != 0 and "Sender domain is not one of this VM's customer domains" in out, out
    assert_tables_in_use_equal_their_sources(gw)


def test_restoring_the_scenario_takes_both_away_again(hosts, before, changes, ansible_playbook):
    gw, vm, client = hosts
    changes["restored"] = True
    converge(ansible_playbook)
    assert master(gw)[0] == before[0], "Postfix was restarted"
    rc, out = swaks(client, f"--server {GW4} --from sender@example.org --to x@dave.example --quit-after RCPT")
    assert rc != 0 and "Relay access denied" in out, out
    rc, out = from_vm(vm, ALICE_RELAY2, "relay2@alice.example", "--quit-after RCPT")
    assert rc != 0 and "554 5.7.1" in out, out
    assert_tables_in_use_equal_their_sources(gw)
