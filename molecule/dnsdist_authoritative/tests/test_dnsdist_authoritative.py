"""dnsdist on the gateway IPv4 routes customers' zones to their IPv6-only nsd, checked with dig and dnspython from an IPv4-only client."""

import re
import shlex
import time

import pytest

GATEWAY = "198.51.100.116"
TSIG = "hmac-sha256:xfr-key:ZGQtc2NlbmFyaW8tdHNpZy1rZXktbm90LWEtc2VjcmV0IQ=="

# Runs on dd-client: a burst of 100 UDP queries from one source, all sent
# before any reply is read (so the rate dnsdist sees does not depend on how
# fast this machine answers one after another); prints how many came back
# answered, truncated (TC, empty) and lost (no reply within 10 s).
BURST = r"""
import select, socket, time
import dns.flags, dns.message
queries = {}
for qid in range(1, 101):
    query = dns.message.make_query("www.dave.example", "A")
    query.id = qid
    queries[qid] = query.to_wire()
sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 1 << 20)
sock.connect(("%s", 53))
for wire in queries.values():
    sock.send(wire)
answered = truncated = 0
pending = set(queries)
deadline = time.monotonic() + 10
while pending and select.select([sock], [], [], max(0, deadline - time.monotonic()))[0]:
    reply = dns.message.from_wire(sock.recv(65535), ignore_trailing=True)
    if reply.id not in pending:
        continue
    pending.discard(reply.id)
    if reply.flags & dns.flags.TC and not reply.answer:
        truncated += 1
    elif reply.answer:
        answered += 1
print(answered, truncated, len(pending))
""" % GATEWAY


def dig_command(name, rtype, *flags):
    return " ".join(["dig", "+tries=1", "+time=3", "+norec", *flags, f"@{GATEWAY}", name, rtype])


def dig(host, name, rtype, *flags):
    """(status, flags, answer lines) of one dig query to the gateway."""
    return parse(host.check_output(dig_command(name, rtype, *flags)))


def answered(out):
    """dig's output if the query was answered NOERROR, else ''."""
    return out if "status: NOERROR" in out else ""


def parse(out):
    """(status, flags, answer lines) of dig's output."""
    status = out.split("status: ")[1].split(",")[0]
    header_flags = out.split("flags: ")[1].split(";")[0].split()
    answers = [line.split()[-1] for line in out.split("ANSWER SECTION:\n")[1].split("\n\n")[0].splitlines()] if "ANSWER SECTION:" in out else []
    return status, header_flags, answers


@pytest.fixture(scope="module")
def client(podman_host):
    return podman_host("dd-client")


@pytest.mark.parametrize("transport", [[], ["+tcp"]], ids=["udp", "tcp"])
@pytest.mark.parametrize("name,rtype,value", [
    ("www.dave.example", "A", GATEWAY),
    ("www.erin.example", "AAAA", "2001:db8:10a::120"),
    ("ns1.erin.example.org", "AAAA", "2001:db8:10a::120"),
])
def test_each_zone_is_answered_authoritatively_by_its_own_vm(client, transport, name, rtype, value):
    status, flags, answers = dig(client, name, rtype, *transport)
    assert (status, "aa" in flags, answers) == ("NOERROR", True, [value])


def test_a_large_answer_truncates_over_udp_and_comes_whole_over_tcp(client):
    status, flags, answers = dig(client, "big.dave.example", "TXT", "+ignore")
    assert (status, "tc" in flags, answers) == ("NOERROR", True, [])
    status, flags, answers = dig(client, "big.dave.example", "TXT", "+tcp")
    assert (status, "aa" in flags, len(answers)) == ("NOERROR", True, 40)


@pytest.mark.parametrize("name", ["example.com", "notdave.example", "example", "."])
@pytest.mark.parametrize("recursion", ["+norec", "+rec"])
def test_names_no_customer_owns_are_refused(client, name, recursion):
    status, _flags, answers = dig(client, name, "NS", recursion)
    assert (status, answers) == ("REFUSED", [])


def test_zone_transfer_passes_through_with_the_customers_tsig_key(client):
    out = client.check_output(f"dig +tries=1 +time=5 -y {TSIG} @{GATEWAY} dave.example AXFR")
    records = [line for line in out.splitlines() if line and not line.startswith(";") and "TSIG" not in line]
    assert records[0].split()[3] == records[-1].split()[3] == "SOA"
    assert len(records) == 48  # with the _v6only-challenge TXT record (prepare.yml)
    refused = client.run(f"dig +tries=1 +time=5 @{GATEWAY} dave.example AXFR")
    assert "Transfer failed" in refused.stdout and "SOA" not in refused.stdout


def test_console_and_api_listen_on_loopback_only_behind_the_generated_key(podman_host):
    gw = podman_host("dd-gw")
    key = gw.file("/etc/dnsdist/console.key")
    assert (key.user, key.mode, len(key.content_string.strip())) == ("_dnsdist", 0o600, 44)
    sockets = {(line.split()[0], line.split()[4]) for line in gw.check_output("ss -Hlntu").splitlines()}
    assert sockets == {("udp", f"{GATEWAY}:53"), ("tcp", f"{GATEWAY}:53"), ("tcp", "127.0.0.1:5199"), ("tcp", "127.0.0.1:8083")}
    servers = gw.check_output("dnsdist -c -e 'showServers()'")
    assert [line.split()[1:4] for line in servers.splitlines() if "-ns" in line] == [
        ["dave-ns", "[2001:db8:10a::110]:53", "up"], ["erin-ns", "[2001:db8:10a::120]:53", "up"]]
    api = "curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:8083/api/v1/servers/localhost"
    assert gw.check_output(api + " -H \"X-API-Key: $(cat /etc/dnsdist/console.key)\"") == "200"
    assert gw.check_output(api + " -H 'X-API-Key: wrong'") == "401"


def test_a_udp_source_over_its_rate_is_sent_to_tcp(client):
    time.sleep(1)  # a full bucket whatever ran before: 20 queries of burst come back at 20 qps in 1 s
    answered, truncated, lost = map(int, client.check_output("python3 -c " + shlex.quote(BURST)).split())
    assert answered >= 20 and truncated >= 20 and lost == 0
    assert answered + truncated == 100
    # Over TCP the same source is still answered.
    status, flags, _answers = dig(client, "www.dave.example", "A", "+tcp")
    assert (status, "aa" in flags) == ("NOERROR", True)
    time.sleep(2)  # let the source's token bucket refill for the tests after this one


def test_a_stopped_backend_gives_servfail_quickly_for_its_zones_only(client, podman_host, wait_until):
    vm1 = podman_host("dd-vm1")
    vm1.check_output("systemctl stop nsd")
    try:
        # Until the health checks notice (about 2 s), queries already sent to the
        # stopped server go unanswered: that window, not a hang, is what is bounded.
        assert wait_until(lambda: "status: SERVFAIL" in client.run(
            f"dig +tries=1 +time=1 +norec @{GATEWAY} www.dave.example A").stdout, 10, 0), "no SERVFAIL 10 s after the backend stopped"
        for transport in ([], ["+tcp"]):
            # dig's own clock, in the container: from sending the query to the
            # answer, without podman exec or dig's start-up.
            out = client.check_output(dig_command("www.dave.example", "A", *transport))
            assert parse(out)[0] == "SERVFAIL"
            took = re.search(r"^;; Query time: (\d+) msec$", out, re.M)
            assert took and int(took.group(1)) < 1500, out
        status, flags, answers = dig(client, "www.erin.example", "AAAA")
        assert (status, "aa" in flags, answers) == ("NOERROR", True, ["2001:db8:10a::120"])
    finally:
        vm1.check_output("systemctl start nsd")
    # Until the health checks see nsd again, a query may also go unanswered:
    # each try is a plain run (a timeout is one more try, not an error).
    out = wait_until(lambda: answered(client.run(dig_command("www.dave.example", "A")).stdout), 10, interval=0.5)
    assert out, "dave.example not answered again 10 s after nsd came back"
    status, flags, answers = parse(out)
    assert (status, "aa" in flags, answers) == ("NOERROR", True, [GATEWAY]), out
