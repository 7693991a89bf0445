"""Changes to a running gateway: a refused config lands nowhere; new names and customers
keep a long-lived connection open (names through the runtime API, a new VM through a seamless reload)."""
import subprocess

import pytest

GW = "198.51.100.34"
FLAG = "/tmp/hs-hold.go"
CHARLIE = [{"name": "charlie", "vms": [{"name": "charlie-web", "ipv6": "2001:db8:104::12",
                                        "services": [{"proto": "https", "names": ["charlie.example"]}]}]}]


@pytest.fixture(name="converge")
def fixture_converge(ansible_playbook):
    """Re-run the scenario's converge with extra vars; return the completed process."""
    return lambda extra: ansible_playbook("converge.yml", extra_vars=extra)


def worker_pid(gw):
    info = gw.run("echo 'show info' | socat - /run/haproxy/admin.sock")
    return next((line.split()[1] for line in info.stdout.splitlines() if line.startswith("Pid:")), None)


@pytest.fixture(name="gw")
def fixture_gw(podman_host):
    return podman_host("hs-gw")


@pytest.fixture(name="client")
def fixture_client(podman_host):
    return podman_host("hs-client")


def test_a_config_haproxy_refuses_leaves_the_running_gateway_untouched(gw, client, converge):
    before = (gw.file("/etc/haproxy/haproxy.cfg").sha256sum, worker_pid(gw))
    run = converge({"haproxy_sni_timeout_connect": "5 parsecs"})
    assert run.returncode != 0
    assert "HAProxy rejected the rendered config; the running gateway and the live files are untouched" in run.stderr
    assert "'timeout connect' : unexpected extra argument 'parsecs'" in run.stderr
    assert (gw.file("/etc/haproxy/haproxy.cfg").sha256sum, worker_pid(gw)) == before
    assert client.run(f"curl -sS -m 5 --resolve alpha.example:80:{GW} http://alpha.example/").stdout == "alpha site\n"
    # The next good run converges (the refused candidate is replaced, nothing else changes).
    assert converge({}).returncode == 0
    assert (gw.file("/etc/haproxy/haproxy.cfg").sha256sum, worker_pid(gw)) == before


def test_new_name_and_new_customer_keep_a_long_lived_connection(gw, client, converge, wait_until):
    client.run(f"rm -f {FLAG} /tmp/hs-hold.out")
    subprocess.run(["podman", "exec", "-d", "hs-client", "sh", "-c",
                    f"hs-tls-client hold {GW} 993 mail.alpha.example /etc/ssl/hs-mail.alpha.example.crt {FLAG}"
                    " > /tmp/hs-hold.out 2>&1"], check=True)
    hold = client.file("/tmp/hs-hold.out")
    assert wait_until(lambda: hold.exists and "first" in hold.content_string), "the held connection never started"
    assert hold.content_string == "cn=mail.alpha.example first=first\n"
    www = f"--resolve www.bravo.example:443:{GW} --cacert /etc/ssl/hs-bravo.example.crt https://www.bravo.example/"
    assert client.run(f"curl -sS -m 5 {www}").rc != 0
    pid = worker_pid(gw)

    # A name for an existing VM is a map change: applied over the runtime API, same worker.
    run = converge({"hs_bravo_extra_names": ["www.bravo.example"]})
    assert run.returncode == 0, run.stdout
    assert "Replace each changed map over the runtime API" in run.stdout
    assert "falling back to a checked reload" not in " ".join(run.stdout.split())
    assert worker_pid(gw) == pid
    assert client.run(f"curl -sS -m 5 {www}").stdout == "bravo site www.bravo.example client=198.51.100.35\n"
    assert "www.bravo.example bravo-web_https_tcp_443" in gw.run(
        "echo 'show map /etc/haproxy/maps/sni_198.51.100.34_443.map' | socat - /run/haproxy/admin.sock").stdout

    # A new customer brings a new backend: seamless reload, new worker, old connection kept.
    run = converge({"hs_bravo_extra_names": ["www.bravo.example"], "hs_added_customers": CHARLIE})
    assert run.returncode == 0, run.stdout
    # systemctl reload returns once the master has the signal; the new worker follows.
    assert wait_until(lambda: worker_pid(gw) not in (pid, None)), "no new worker after the reload"
    charlie = client.run(f"curl -sS -m 5 --resolve charlie.example:443:{GW} --cacert /etc/ssl/hs-charlie.example.crt"
                         " https://charlie.example/")
    assert charlie.stdout == "charlie site\n"

    client.run(f"touch {FLAG}")
    assert wait_until(lambda: "second" in hold.content_string), hold.content_string
    assert hold.content_string == "cn=mail.alpha.example first=first\nsecond=second\n"


def test_a_failed_runtime_update_falls_back_to_a_checked_reload(gw, client, converge, wait_until):
    # Runs after the test above: www.bravo.example and charlie are live. Taking the
    # name away again is a map-only change (charlie stays, so no backend changes),
    # and the runtime API is gone for this run. HAProxy's master hands the bound
    # socket to each new worker, so a reload does not make the path again.
    www = f"--resolve www.bravo.example:443:{GW} --cacert /etc/ssl/hs-bravo.example.crt https://www.bravo.example/"
    assert client.run(f"curl -sS -m 5 {www}").rc == 0
    master, pid = gw.check_output("systemctl show -p MainPID --value haproxy"), worker_pid(gw)
    gw.check_output("mv /run/haproxy/admin.sock /run/haproxy/admin.sock.away")
    try:
        run = converge({"hs_added_customers": CHARLIE})
        assert run.returncode == 0, run.stdout
        # The YAML callback folds long messages: compare the words.
        assert "falling back to a checked reload" in " ".join(run.stdout.split()), run.stdout
    finally:
        gw.check_output("mv /run/haproxy/admin.sock.away /run/haproxy/admin.sock")
    assert wait_until(lambda: worker_pid(gw) not in (pid, None)), "no new worker after the fallback reload"
    assert gw.check_output("systemctl show -p MainPID --value haproxy") == master
    assert client.run(f"curl -sS -m 5 {www}").rc != 0
    # The reloaded process reads the checked files: running maps and files agree.
    sni = "/etc/haproxy/maps/sni_198.51.100.34_443.map"
    running = gw.check_output(f"echo 'show map {sni}' | socat - /run/haproxy/admin.sock")
    assert "www.bravo.example" not in running and "charlie.example" in running
    assert "www.bravo.example" not in gw.file(sni).content_string
