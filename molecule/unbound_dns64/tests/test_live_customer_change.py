"""A customer added and removed reaches the running Unbound live: no restart, no reload (the
cache and the statistics survive), and afterwards the live names, the names file and the zone
file say the same thing.

Re-runs converge.yml with dave added to the scenario's customers (and granted in its registry),
then with the scenario's own data again, the way the next pull request would.
"""

import copy
import json
import os
import re

import pytest
import yaml

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
with open(os.path.join(SCENARIO, "molecule.yml"), encoding="utf-8") as _handle:
    BASE_VARS = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]

RESOLVER = "2001:db8:106::53"
ZONE = "ip4-gw.example.net"
ZONE_FILE = f"/etc/unbound/{ZONE}.zone"
NAMES_FILE = "/etc/unbound/unbound_dns64-names.conf"
DAVE_NAME = f"https-dave-web-ip4-gw.{ZONE}"
GATEWAY = BASE_VARS["v6only_gateway"]["gateway_ipv4"]
ANSI = re.compile(r"\x1b\[[0-9;]*m")

# Prints (name, ttl, type, value) of the zone file's A/AAAA records as JSON, then the serial.
ZONE_DUMP = r"""
import json, sys, dns.zone
zone = dns.zone.from_file(sys.argv[1], origin=sys.argv[2], relativize=False)
rows = sorted([n.to_text().rstrip('.').lower(), t, r.rdtype.name, r.to_text()]
              for n, t, r in zone.iterate_rdatas() if r.rdtype.name in ('A', 'AAAA'))
print(json.dumps(rows))
print(next(r.serial for _n, _t, r in zone.iterate_rdatas('SOA')))
"""


def with_dave():
    extra = {key: copy.deepcopy(BASE_VARS[key]) for key in ("v6only_gateway_registry", "v6only_gateway_customers")}
    extra["v6only_gateway_registry"]["customers"]["dave"] = {"domains": ["dave.example"],
                                                            "prefixes": ["2001:db8:106::111/128"]}
    extra["v6only_gateway_customers"].append({"name": "dave", "vms": [{
        "name": "dave-web", "ipv6": "2001:db8:106::111",
        "services": [{"proto": "https", "names": ["dave.example"]}]}]})
    return extra


def converge(ansible_playbook, extra_vars=None):
    run = ansible_playbook("converge.yml", extra_vars=extra_vars, timeout=600)
    out = ANSI.sub("", run.stdout + run.stderr)
    assert run.returncode == 0, out[-3000:]
    return out


def rows(pairs):
    return {(name.rstrip(".").lower(), int(ttl), rtype, value) for name, ttl, rtype, value in pairs}


def live_names(resolver):
    """The zone's local data as the running Unbound holds it."""
    listing = resolver.check_output("unbound-control list_local_data")
    fields = (line.split() for line in listing.splitlines() if line.strip())
    return rows(f[:2] + f[3:5] for f in fields if f[0].rstrip(".").endswith("." + ZONE))


def names_file(resolver):
    lines = re.findall(r'local-data: "([^"]+)"', resolver.file(NAMES_FILE).content_string)
    return rows(line.split()[:2] + line.split()[3:5] for line in lines)


def zone_file(resolver):
    """(records, serial) of the RFC 1035 zone file."""
    out = resolver.check_output("python3 -c %s %s %s", ZONE_DUMP, ZONE_FILE, ZONE).splitlines()
    return rows(json.loads(out[0])), int(out[1])


def model_names(resolver):
    model = json.loads(resolver.file("/root/expected-model.json").content_string)
    return rows((r["name"], r["ttl"], r["type"], r["value"]) for r in model["dns_records"])


def daemon(resolver):
    """(MainPID, queries answered since the last start or reload); a reload zeroes the counter."""
    pid = resolver.check_output("systemctl show -p MainPID --value unbound")
    stats = dict(line.split("=", 1) for line in resolver.check_output("unbound-control stats_noreset").splitlines())
    return int(pid), int(stats["total.num.queries"])


def answers(client, name):
    out = client.run(f"dig +tries=1 +time=3 +short @{RESOLVER} {name} A")
    return out.stdout.split()


def assert_live_matches_files(resolver):
    live = live_names(resolver)
    assert live, "no gateway names in the running Unbound"
    assert live == names_file(resolver) == zone_file(resolver)[0] == model_names(resolver)


@pytest.fixture(scope="module")
def hosts(podman_host):
    return podman_host("ud-resolver"), podman_host("ud-client")


@pytest.fixture(scope="module")
def before(hosts):
    resolver, client = hosts
    assert answers(client, f"https-carol-web-ip4-gw.{ZONE}") == [GATEWAY]
    pid, queries = daemon(resolver)
    assert pid > 0 and queries > 0
    assert DAVE_NAME not in {row[0] for row in live_names(resolver)}
    return {"pid": pid, "queries": queries, "serial": zone_file(resolver)[1]}


@pytest.fixture(scope="module")
def dave_added(hosts, before, ansible_playbook):
    state = {"out": converge(ansible_playbook, with_dave()), "restored": False}
    yield state
    # Leaves the scenario's own customers behind even when the removal test did not get there.
    if not state["restored"]:
        converge(ansible_playbook)


def test_adding_a_customer_neither_restarts_nor_reloads_unbound(hosts, before, dave_added):
    resolver, _client = hosts
    assert "Restart Unbound" not in dave_added["out"] and "Reload Unbound" not in dave_added["out"]
    pid, queries = daemon(resolver)
    assert pid == before["pid"]
    assert queries >= before["queries"], "the query counter went back: Unbound was reloaded"


def test_the_new_customers_name_resolves_at_once(hosts, dave_added):
    _resolver, client = hosts
    assert answers(client, DAVE_NAME) == [GATEWAY]
    assert answers(client, f"https-carol-web-ip4-gw.{ZONE}") == [GATEWAY]


def test_after_adding_live_names_equal_the_names_file_and_the_zone_file(hosts, before, dave_added):
    resolver, _client = hosts
    assert DAVE_NAME in {row[0] for row in live_names(resolver)}
    assert_live_matches_files(resolver)
    assert zone_file(resolver)[1] == before["serial"] + 1


def test_removing_the_customer_again_is_live_too(hosts, before, dave_added, ansible_playbook):
    resolver, client = hosts
    dave_added["restored"] = True
    out = converge(ansible_playbook)
    assert "Restart Unbound" not in out and "Reload Unbound" not in out
    pid, queries = daemon(resolver)
    assert pid == before["pid"] and queries >= before["queries"]
    assert DAVE_NAME not in {row[0] for row in live_names(resolver)}
    assert GATEWAY not in answers(client, DAVE_NAME)
    assert_live_matches_files(resolver)
    assert zone_file(resolver)[1] == before["serial"] + 2
