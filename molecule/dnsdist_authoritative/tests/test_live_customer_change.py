"""A customer change applied live (issue #19): converge.yml runs again with erin's erin.example.org
removed and a new VM of erin's, erin-ns2, serving the newly granted erin.example.com. dnsdist keeps
its process and a TCP connection opened before the change, the new zone answers, the removed one is
REFUSED, and what the console shows is what the file on disk says. Converging the scenario's own
customers is live too; a console apply that fails falls back to the checked restart. The module ends
with the scenario's own customers, as converge left them, for any tests after these."""

import copy
import os
import re
import shlex
import subprocess
import time

import pytest
import yaml

GATEWAY = "198.51.100.116"
ERIN_NS2 = "2001:db8:10a::121"
CUSTOMERS_FILE = "/etc/dnsdist/v6only-customers.lua"
STOP = "/tmp/dd-live-change.stop"

with open(os.path.join(os.path.dirname(os.path.dirname(__file__)), "molecule.yml"), encoding="utf-8") as _handle:
    BASE_VARS = yaml.safe_load(_handle)["provisioner"]["inventory"]["group_vars"]["all"]

# Runs on dd-client while the gateway converges: one TCP connection opened
# first and kept (a query every 0.3 s, under dnsdist's 2 s idle timeout), and
# a UDP query each round (about 3 qps, under the scenario's 20 per source). A
# UDP query that times out is asked once more, as any resolver would: a lost
# datagram on two busy cores is not the change; any answer but the right one
# is a failure. Once the stop file appears it asks once more over the same
# connection, then prints "tcp-answered tcp-failed udp-answered udp-failed
# last-tcp-answered", and each failure's reason on stderr.
CLIENT_LOOP = r"""
import os, socket, sys, time
import dns.exception, dns.flags, dns.message, dns.query, dns.rcode
def answered(reply, query):
    if reply.id == query.id and reply.rcode() == dns.rcode.NOERROR and len(reply.answer) == 1:
        return True
    print(dns.rcode.to_text(reply.rcode()), dns.flags.to_text(reply.flags), len(reply.answer), file=sys.stderr)
    return False
def udp(query):
    try:
        return dns.query.udp(query, "%(gateway)s", timeout=2)
    except dns.exception.Timeout:
        print("udp timeout, asked again", file=sys.stderr)
        return dns.query.udp(query, "%(gateway)s", timeout=2)
sock = socket.create_connection(("%(gateway)s", 53), timeout=3)
counts = [0, 0, 0, 0]
last = False
deadline = time.monotonic() + 600
while time.monotonic() < deadline:
    stopping = os.path.exists("%(stop)s")
    query = dns.message.make_query("www.dave.example", "A")
    try:
        dns.query.send_tcp(sock, query)
        last = answered(dns.query.receive_tcp(sock, time.time() + 3)[0], query)
    except Exception as error:
        print("tcp", repr(error), file=sys.stderr)
        last = False
    counts[0 if last else 1] += 1
    if not last:
        break  # the connection is gone: what follows would be a new one
    try:
        query = dns.message.make_query("www.erin.example", "AAAA")
        counts[2 if answered(udp(query), query) else 3] += 1
    except Exception as error:
        print("udp", repr(error), file=sys.stderr)
        counts[3] += 1
    if stopping:
        break
    time.sleep(0.3)
print(*counts, last)
""" % {"gateway": GATEWAY, "stop": STOP}

NS2_ZONE = f"""$ORIGIN erin.example.com.
$TTL 300
@ IN SOA ns1.erin.example.com. hostmaster.erin.example.com. 1 3600 600 86400 300
@ IN NS ns1.erin.example.com.
ns1 IN AAAA {ERIN_NS2}
www IN AAAA {ERIN_NS2}
"""


def changed_customers():
    """The scenario's customers with erin.example.org dropped and erin-ns2 added, and the registry granting its zone."""
    extra = copy.deepcopy(BASE_VARS)
    extra["v6only_gateway_registry"]["customers"]["erin"]["domains"].append("erin.example.com")
    erin = next(c for c in extra["v6only_gateway_customers"] if c["name"] == "erin")
    erin["vms"][0]["services"][0]["zones"] = ["erin.example"]
    erin["vms"].append({"name": "erin-ns2", "ipv6": ERIN_NS2, "services": [{"proto": "dns", "zones": ["erin.example.com"]}]})
    return extra


def dig(host, name, rtype, *flags):
    """(status, aa, answers) of one query to the gateway."""
    out = host.check_output(" ".join(["dig", "+tries=1", "+time=3", "+norec", *flags, f"@{GATEWAY}", name, rtype]))
    status = out.split("status: ")[1].split(",")[0]
    answers = [line.split()[-1] for line in out.split("ANSWER SECTION:\n")[1].split("\n\n")[0].splitlines()] \
        if "ANSWER SECTION:" in out else []
    return status, " aa" in out.split("flags:")[1].split(";")[0], answers


def main_pid(gw):
    return gw.check_output("systemctl show -p MainPID --value dnsdist")


def on_disk(gw):
    """Servers {(name, address)} and rule names in order, as the customers file on the gateway says."""
    text = gw.file(CUSTOMERS_FILE).content_string
    servers = set(re.findall(r'\{name="([^"]+)", address="([^"]+)", check_name="[^"]+"\}', text))
    rules = [f"{pool}: " + " ".join(re.findall(r'"([^"]+)"', zones))
             for pool, zones in re.findall(r'\{pool="([^"]+)", zones=\{([^}]*)\}\}', text)]
    serial = re.search(r'serial="([0-9a-f]{40})"', text).group(1)
    return servers, rules, serial


def live(gw):
    """The same as the running dnsdist shows it through its console."""
    servers = set()
    for line in gw.check_output("dnsdist -c -e 'showServers()'").splitlines()[1:]:
        fields = line.split()
        if fields[0] != "All":
            assert fields[1] == fields[-1], f"server {fields[1]} is not in its own pool: {line}"
            servers.add((fields[1], fields[2]))
    names = []
    for line in gw.check_output("dnsdist -c -e 'showRules()'").splitlines()[1:]:
        number, name, rule = re.fullmatch(r"(\d+)\s+(.+?)\s+\d+ (.+)", line).groups()
        assert int(number) == len(names)
        names.append(name)
        if ":" in name:
            assert re.fullmatch(r"qname==in-set\s+to pool " + re.escape(name.split(":")[0]), rule), line
    assert names[0] == "rate limit" and names[-1] == "no customer zone", names
    serial = gw.check_output("dnsdist -c -e 'return v6only_customers_serial'")
    return servers, names[1:-1], serial


@pytest.fixture(scope="module")
def erin_ns2(podman_host):
    """nsd on dd-vm2 also on erin-ns2's address, serving erin.example.com; undone afterwards."""
    vm2 = podman_host("dd-vm2")
    vm2.check_output(f"ip -6 address add {ERIN_NS2}/64 dev eth0 nodad")
    vm2.check_output("cp /etc/nsd/nsd.conf /etc/nsd/nsd.conf.dd-live")
    vm2.check_output(f"printf %s {shlex.quote(NS2_ZONE)} > /etc/nsd/erin.example.com.zone")
    vm2.check_output(f"sed -i 's/^server:$/server:\\n  ip-address: {ERIN_NS2}/' /etc/nsd/nsd.conf")
    vm2.check_output("printf 'zone:\\n  name: erin.example.com\\n  zonefile: /etc/nsd/erin.example.com.zone\\n' >> /etc/nsd/nsd.conf")
    vm2.check_output("nsd-checkconf /etc/nsd/nsd.conf && systemctl restart nsd")
    yield vm2
    vm2.run("mv /etc/nsd/nsd.conf.dd-live /etc/nsd/nsd.conf && rm -f /etc/nsd/erin.example.com.zone")
    vm2.run("systemctl restart nsd")
    vm2.run(f"ip -6 address del {ERIN_NS2}/64 dev eth0")


@pytest.fixture(scope="module")
def pid_before(podman_host):
    return main_pid(podman_host("dd-gw"))


def converge(ansible_playbook, extra_vars):
    run = ansible_playbook("converge.yml", extra_vars=extra_vars, timeout=600)
    assert run.returncode == 0, (run.stdout + run.stderr)[-3000:]
    return run.stdout


def test_a_customer_change_is_applied_live_without_a_restart(podman_host, ansible_playbook, erin_ns2, pid_before):
    gw, client = podman_host("dd-gw"), podman_host("dd-client")
    assert dig(client, "www.erin.example.com", "AAAA") == ("REFUSED", False, [])
    client.check_output(f"rm -f {STOP}")
    loop = subprocess.Popen(["podman", "exec", "dd-client", "python3", "-c", CLIENT_LOOP],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(2)  # the connection is open and has answered before the run starts
        output = converge(ansible_playbook, changed_customers())
    finally:
        client.run(f"touch {STOP}")
        out, err = loop.communicate(timeout=30)
    assert re.search(r"Apply the customers through the console, without a restart\] \**\s*changed: \[dd-gw\]", output), output[-3000:]
    assert "RUNNING HANDLER" not in output and re.search(r"dd-gw\s+: .* rescued=0 ", output), output[-3000:]
    tcp_answered, tcp_failed, udp_answered, udp_failed, last = out.split()
    assert (int(tcp_failed), int(udp_failed), last) == (0, 0, "True"), out + err
    assert int(tcp_answered) >= 10 and int(udp_answered) >= 10, out + err
    assert main_pid(gw) == pid_before

    # The new server is up at once (a check confirms it within a second); the
    # removed zone is refused, the others untouched.
    assert dig(client, "www.erin.example.com", "AAAA") == ("NOERROR", True, [ERIN_NS2])
    assert dig(client, "www.erin.example.com", "AAAA", "+tcp") == ("NOERROR", True, [ERIN_NS2])
    assert dig(client, "ns1.erin.example.org", "AAAA") == ("REFUSED", False, [])
    assert dig(client, "www.erin.example", "AAAA") == ("NOERROR", True, ["2001:db8:10a::120"])
    assert dig(client, "www.dave.example", "A") == ("NOERROR", True, [GATEWAY])

    servers, rules, serial = on_disk(gw)
    assert servers == {("dave-ns", "[2001:db8:10a::110]:53"), ("erin-ns", "[2001:db8:10a::120]:53"),
                       ("erin-ns2", f"[{ERIN_NS2}]:53")}
    assert "erin-ns2: erin.example.com." in rules and not any("erin.example.org" in rule for rule in rules)
    assert live(gw) == (servers, rules, serial)
    # Up from the start; its health checks keep it up.
    time.sleep(2)
    states = [line.split()[1:4:2] for line in gw.check_output("dnsdist -c -e 'showServers()'").splitlines() if "-ns" in line]
    assert states == [["dave-ns", "up"], ["erin-ns", "up"], ["erin-ns2", "up"]]


def test_converging_the_original_customers_again_is_live_too(podman_host, ansible_playbook, erin_ns2, pid_before):
    gw, client = podman_host("dd-gw"), podman_host("dd-client")
    converge(ansible_playbook, BASE_VARS)
    assert main_pid(gw) == pid_before
    assert dig(client, "ns1.erin.example.org", "AAAA") == ("NOERROR", True, ["2001:db8:10a::120"])
    assert dig(client, "www.erin.example.com", "AAAA") == ("REFUSED", False, [])
    servers, rules, serial = on_disk(gw)
    assert servers == {("dave-ns", "[2001:db8:10a::110]:53"), ("erin-ns", "[2001:db8:10a::120]:53")}
    assert live(gw) == (servers, rules, serial)
    # A run with nothing to change applies nothing.
    output = converge(ansible_playbook, BASE_VARS)
    assert re.search(r"dd-gw\s+: ok=\d+\s+changed=0 ", output), output[-2000:]


def test_a_failed_console_apply_falls_back_to_the_checked_restart(podman_host, ansible_playbook, erin_ns2):
    gw, client = podman_host("dd-gw"), podman_host("dd-client")
    pid = main_pid(gw)
    # Break the running dnsdist's converge function, as a console apply failing part-way would.
    gw.check_output("""dnsdist -c -e 'v6only_customers = function() error("simulated console failure") end'""")
    output = " ".join(converge(ansible_playbook, changed_customers()).split())
    assert "simulated console failure" in output, output[-3000:]
    assert "restarting dnsdist with the configuration checked above instead" in output, output[-3000:]
    assert re.search(r"dd-gw : .* rescued=1 ", output), output[-3000:]
    assert main_pid(gw) != pid
    assert live(gw) == on_disk(gw)
    assert dig(client, "ns1.erin.example.org", "AAAA") == ("REFUSED", False, [])
    # Back to the scenario's customers, live again in the restarted dnsdist.
    pid = main_pid(gw)
    converge(ansible_playbook, BASE_VARS)
    assert main_pid(gw) == pid
    assert live(gw) == on_disk(gw)
    assert dig(client, "ns1.erin.example.org", "AAAA") == ("NOERROR", True, ["2001:db8:10a::120"])
