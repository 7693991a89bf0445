"""Customer changes on the live site: the customer path (`site.yml --skip-tags setup`).

Runs after test_site_e2e.py, on the converged scenario. A customer, dave, is
added and removed the way a merged pull request would do it: his registry
grant and his file arrive as `v6only_gateway_registry` and
`v6only_gateway_customers` (extra vars take the place of group_vars). While
that happens, a bounded HTTPS loop from the IPv4 client to carol counts
failures; it stays far below haproxy_sni_conn_rate_limit (200 per 10 s).
"""

import copy
import os
import re
import subprocess

import pytest
import yaml

SCENARIO = os.environ.get("MOLECULE_SCENARIO_DIRECTORY", os.path.dirname(os.path.dirname(__file__)))
SITE = "../../playbooks/site.yml"
GATEWAY_IPV4 = "198.51.100.147"
DAVE_IPV6 = "2001:db8:10c::11"
DAEMONS = ("haproxy", "haproxy-lending", "dnsdist", "unbound", "postfix", "rspamd", "jool_nat64-tayga")
RECAP = re.compile(r"^(\S+)\s+: ok=\d+\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", re.M)
HEADER = re.compile(r"^(?:TASK|RUNNING HANDLER) \[(.+?)\]")
CHANGED = re.compile(r"^changed: \[([^\]]+)\]")
# At most 6 requests a second for at most 300 s, whatever happens to the test.
LOOP = ("for i in $(seq 1 1800); do [ -e /tmp/stop-loop ] && break; "
        "curl -sk --max-time 5 --resolve carol.example:443:{gw} https://carol.example/ -o /dev/null "
        "-w '%{{http_code}}\\n' || echo fail; sleep 0.15; done").format(gw=GATEWAY_IPV4)

with open(os.path.join(SCENARIO, "molecule.yml"), encoding="utf-8") as _handle:
    BASE = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]


def customers(with_dave, dave_ssh=True):
    """The two inputs a customer pull request changes, with or without dave (and his SSH port)."""
    registry = copy.deepcopy(BASE["v6only_gateway_registry"])
    people = copy.deepcopy(BASE["v6only_gateway_customers"])
    if with_dave:
        registry["customers"]["dave"] = {"domains": ["dave.example"], "prefixes": [DAVE_IPV6 + "/128"]}
        people.append({"name": "dave", "domains": ["dave.example"], "vms": [{
            "name": "dave-web", "ipv6": DAVE_IPV6, "services": [
                {"proto": "http", "names": ["dave.example"]},
                {"proto": "https", "names": ["dave.example"], "proxy_protocol": True}]
                + ([{"proto": "ssh", "gateway_port": 2202}] if dave_ssh else [])}]})
    return {"v6only_gateway_registry": registry, "v6only_gateway_customers": people}


def run_site(ansible_playbook, *args, with_dave, dave_ssh=True):
    run = ansible_playbook(SITE, *args, extra_vars=customers(with_dave, dave_ssh), timeout=900)
    output = run.stdout + run.stderr
    assert run.returncode == 0, output[-4000:]
    recap = {host: (int(changed), int(unreachable), int(failed)) for host, changed, unreachable, failed in RECAP.findall(output)}
    assert recap and all(u == 0 and f == 0 for _, u, f in recap.values()), recap
    return output, recap


def changed_tasks(output):
    """{(task, host)} of every `changed:` line, named by the task or handler above it."""
    task, found = None, set()
    for line in output.splitlines():
        header = HEADER.match(line)
        if header:
            task = header.group(1)
        elif CHANGED.match(line):
            found.add((task, CHANGED.match(line).group(1)))
    return found


def applied_roles(output):
    """The roles whose `Apply the role` task included their tasks (the customer path skips an unchanged role)."""
    role, found = None, set()
    for line in output.splitlines():
        header = HEADER.match(line)
        if header:
            role = header.group(1).split(".")[-1].split(" :")[0] if header.group(1).endswith(": Apply the role") else None
        elif role and line.startswith("included:"):
            found.add(role)
    return found


def maps_disagree(gw):
    """The maps whose running entries (runtime API `show map`) differ from their file."""
    wrong = []
    for path in gw.check_output("ls /etc/haproxy/maps/*.map").split():
        live = gw.check_output(f"echo 'show map {path}' | socat - /run/haproxy/admin.sock")
        # `show map` prints "<ref> <key> <value>"; the file "<key> <value>".
        running = sorted(" ".join(line.split()[1:]) for line in live.splitlines() if line.startswith("0x"))
        on_disk = sorted(" ".join(line.split()) for line in gw.check_output(f"cat {path}").splitlines()
                         if line.strip() and not line.startswith("#"))
        if running != on_disk:
            wrong.append(path)
    return wrong


def main_pids(gw):
    return {name: gw.check_output(f"systemctl show -p MainPID --value {name}") for name in DAEMONS}


def http_body(client, name, port=80, scheme="http"):
    return client.run(f"curl -sk --max-time 5 --resolve {name}:{port}:{GATEWAY_IPV4} {scheme}://{name}:{port}/").stdout


@pytest.fixture(name="dave_vm")
def fixture_dave_vm(podman_host, ansible_playbook):
    """dave's VM is a second address on the stand-in VM, whose nginx answers any Host.
    Whatever the test did, the site is converged back without dave."""
    vm, gw = podman_host("st-vm"), podman_host("st-gw")
    vm.run(f"ip -6 address add {DAVE_IPV6}/64 dev eth0 nodad")
    yield
    if gw.run("grep -rqs dave.example /etc/haproxy/maps").rc == 0:
        run_site(ansible_playbook, "--skip-tags", "setup", with_dave=False)
    vm.run(f"ip -6 address del {DAVE_IPV6}/64 dev eth0")


@pytest.mark.usefixtures("dave_vm")
def test_adding_and_removing_a_customer_is_live_predicted_and_drops_nothing(podman_host, ansible_playbook, wait_until):
    gw, client = podman_host("st-gw"), podman_host("st-client")
    before = main_pids(gw)
    assert "dave.example" not in http_body(client, "dave.example")
    client.run("rm -f /tmp/stop-loop /tmp/loop.out")
    loop = subprocess.Popen(["podman", "exec", "st-client", "bash", "-c", LOOP + " > /tmp/loop.out"])
    try:
        predicted, _ = run_site(ansible_playbook, "--skip-tags", "setup", "--check", "--diff", with_dave=True)
        # The diff shows the new routing lines: dave's name in the HTTP map.
        assert re.search(r"^\+.*dave\.example", predicted, re.M), predicted[-4000:]
        applied, _ = run_site(ansible_playbook, "--skip-tags", "setup", with_dave=True)
        assert {"haproxy_sni", "unbound_dns64"} <= applied_roles(applied), applied_roles(applied)
        # The run summary records what was applied only outside --check, as it says.
        record = {("Record what this run applied", "st-gw -> localhost")}
        assert changed_tasks(predicted) == changed_tasks(applied) - record, changed_tasks(predicted) ^ changed_tasks(applied)
        assert "carol-web http dave.example" in wait_until(lambda: http_body(client, "dave.example"), 10)
        assert "carol-web https dave.example" in http_body(client, "dave.example", 443, "https")
        assert client.run(f"timeout 5 bash -c '</dev/tcp/{GATEWAY_IPV4}/2202'").rc == 0
        assert maps_disagree(gw) == []
        run_site(ansible_playbook, "--skip-tags", "setup", with_dave=False)
        assert "dave.example" not in http_body(client, "dave.example")
        assert maps_disagree(gw) == []
    finally:
        client.run("touch /tmp/stop-loop")
        loop.wait(timeout=60)
    codes = client.check_output("cat /tmp/loop.out").split()
    assert len(codes) > 20, codes
    assert codes.count("200") == len(codes), f"{len(codes) - codes.count('200')} of {len(codes)} requests failed: {set(codes)}"
    assert main_pids(gw) == before, "a customer change restarted a daemon"


@pytest.mark.parametrize("group, tag", [
    ("nat64_gateways", "jool_nat64"), ("dns64_resolvers", "unbound_dns64"), ("inbound_gateways", "haproxy_sni"),
    ("lending_gateways", "ipv4_lending"), ("dns_gateways", "dnsdist_authoritative"),
])
def test_limit_to_one_group_keeps_every_customer(ansible_playbook, group, tag):
    # Limited to one group, the model is still built from every customer: a
    # role that rendered from a partial model would change its files here.
    # These runs are also the idle customer path (--skip-tags setup), role by
    # role: it must change nothing either.
    output, recap = run_site(ansible_playbook, "--limit", group, "--tags", tag, "--skip-tags", "setup", with_dave=False)
    assert set(recap) == {"st-gw"}, recap
    assert recap["st-gw"][0] == 0, output[-4000:]


def test_the_idle_customer_path_applies_no_role_and_a_full_run_repairs_a_hand_edit(podman_host, ansible_playbook):
    gw = podman_host("st-gw")
    output, recap = run_site(ansible_playbook, "--skip-tags", "setup", with_dave=False)
    assert applied_roles(output) == set() and {changed for changed, _, _ in recap.values()} == {0}, output[-4000:]
    # The customer path trusts what each role recorded on the host; it does not
    # look for a hand edit. A full run applies every role and puts it back.
    path = sorted(gw.check_output("ls /etc/haproxy/maps/*.map").split())[0]
    gw.check_output(f"echo 'drift.example drift' >> {path}")
    try:
        output, _ = run_site(ansible_playbook, "--skip-tags", "setup", with_dave=False)
        assert applied_roles(output) == set()
        assert "drift.example" in gw.check_output(f"cat {path}")
    finally:
        output, _ = run_site(ansible_playbook, with_dave=False)
    assert "drift.example" not in gw.check_output(f"cat {path}")
    assert ("v6only.gateway.haproxy_sni : Promote the checked maps", "st-gw") in changed_tasks(output)
    assert len(applied_roles(output)) >= 5, applied_roles(output)
