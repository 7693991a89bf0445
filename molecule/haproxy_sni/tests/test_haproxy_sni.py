"""haproxy_sni: an IPv4-only client reaches an IPv6-only VM's services through the gateway."""
import pytest

GW = "198.51.100.34"
CLIENT = "198.51.100.35"


@pytest.fixture(name="client")
def fixture_client(podman_host):
    return podman_host("hs-client")


def curl(client, url, *args):
    """Run curl on the client; return (exit code, body)."""
    cmd = client.run("curl -sS -m 10 " + " ".join(args) + f" {url}")
    return cmd.rc, cmd.stdout


@pytest.mark.parametrize("name, body", [
    ("alpha.example", "alpha site\n"),
    ("bravo.example", f"bravo site bravo.example client={CLIENT}\n"),
])
def test_http_routes_by_host(client, name, body):
    assert curl(client, f"http://{name}/", f"--resolve {name}:80:{GW}") == (0, body)


def test_http_adds_forwarded_headers(client):
    rc, body = curl(client, "http://alpha.example/whoami", f"--resolve alpha.example:80:{GW}")
    assert rc == 0
    assert body == f"xff={CLIENT} forwarded=for={CLIENT};proto=http\n"


def test_acme_challenge_reaches_the_vm(client, podman_host):
    token = podman_host("hs-vm").file("/srv/alpha/.well-known/acme-challenge/hs-token").content_string
    rc, body = curl(client, "http://alpha.example/.well-known/acme-challenge/hs-token", f"--resolve alpha.example:80:{GW}")
    assert (rc, body) == (0, token)


def test_unknown_host_gets_421_naming_no_customer(client):
    rc, body = curl(client, f"http://{GW}/", "-H 'Host: nobody.example'", "-w ' code=%{http_code}'")
    assert rc == 0
    assert body.endswith(" code=421")
    for word in ("alpha", "bravo", "charlie", "example"):
        assert word not in body


@pytest.mark.parametrize("name, body", [
    ("alpha.example", "alpha site\n"),
    ("bravo.example", f"bravo site bravo.example client={CLIENT}\n"),
])
def test_https_by_sni_reaches_the_vm_with_its_own_cert(client, name, body):
    # The VM's self-signed cert is the only trust anchor: the handshake succeeds only with that name's cert.
    assert curl(client, f"https://{name}/", f"--resolve {name}:443:{GW}", f"--cacert /etc/ssl/hs-{name}.crt") == (0, body)
    subject = client.run(f"openssl s_client -servername {name} -connect {GW}:443 </dev/null 2>/dev/null | openssl x509 -noout -subject")
    assert subject.stdout.strip() == f"subject=CN = {name}"


def test_alpn_h2_passes_through(client):
    rc, out = curl(client, "https://alpha.example/", "--http2", "-o /dev/null", "-w '%{http_version}'",
                   f"--resolve alpha.example:443:{GW}", "--cacert /etc/ssl/hs-alpha.example.crt")
    assert (rc, out) == (0, "2")
    # grep -a: the server's HTTP/2 SETTINGS frame may be printed raw after the handshake summary.
    alpn = client.run(f"openssl s_client -alpn h2 -servername alpha.example -connect {GW}:443 </dev/null | grep -a '^ALPN'")
    assert alpn.stdout == "ALPN protocol: h2\n"


def test_imaps_port_reaches_its_tls_backend(client):
    cmd = client.run(f"hs-tls-client once {GW} 993 mail.alpha.example /etc/ssl/hs-mail.alpha.example.crt")
    assert cmd.rc == 0, cmd.stderr
    assert cmd.stdout == "cn=mail.alpha.example first=first\n"


@pytest.mark.parametrize("sni", ["-servername nobody.example", "-noservername"])
def test_unknown_or_missing_sni_is_refused(client, sni):
    cmd = client.run(f"openssl s_client {sni} -connect {GW}:443 </dev/null")
    assert cmd.rc != 0
    assert "BEGIN CERTIFICATE" not in cmd.stdout
    assert "unexpected eof" in cmd.stderr


def test_ssh_reaches_the_vm_through_its_gateway_port(client, podman_host):
    vm_key = podman_host("hs-vm").file("/etc/ssh/ssh_host_ed25519_key.pub").content_string.split()[:2]
    scan = client.run(f"ssh-keyscan -T 10 -t ed25519 -p 2201 {GW}")
    assert scan.rc == 0
    assert scan.stdout.split()[1:3] == vm_key


def test_proxy_v2_delivers_the_client_ipv4_to_the_backend_log(client, podman_host, wait_until):
    rc, _ = curl(client, "https://bravo.example/proxy-v2-probe", f"--resolve bravo.example:443:{GW}",
                 "--cacert /etc/ssl/hs-bravo.example.crt")
    assert rc == 0
    line = f'{CLIENT} bravo.example "GET /proxy-v2-probe HTTP/2.0" 200'
    log = podman_host("hs-vm").file("/var/log/nginx/bravo.log")
    assert wait_until(lambda: line in log.content_string, 10), log.content_string


def test_stats_and_metrics_only_on_the_admin_address(client, podman_host):
    metrics = podman_host("hs-gw").run("curl -sS -m 5 http://127.0.0.1:8404/metrics")
    assert metrics.rc == 0
    assert 'haproxy_frontend_connections_total{proxy="sni_198.51.100.34_443"}' in metrics.stdout
    assert client.run(f"curl -sS -m 5 http://{GW}:8404/metrics").rc != 0


def test_log_names_sni_backend_and_bytes(client, podman_host, wait_until):
    gw = podman_host("hs-gw")

    def logged():
        log = gw.run("journalctl -t haproxy --no-pager -o cat").stdout
        return [line for line in log.splitlines() if "sni=mail.alpha.example" in line]

    # HAProxy logs a session when it closes, and journald stores it later still: wait for this
    # session's own line, not the one an earlier test left.
    before = len(logged())
    assert client.run(f"hs-tls-client once {GW} 993 mail.alpha.example /etc/ssl/hs-mail.alpha.example.crt").rc == 0
    new = wait_until(lambda: logged()[before:], 10)
    assert new, "no log line for the session"
    for line in new:
        assert " alpha-web_imaps_tcp_993/vm " in line
        assert "bytes_in=" in line and "bytes_out=" in line
        assert "bytes_out=0 " not in line
