"""haproxy_layout turns forward-table rows into frontends, backends and maps; map texts round-trip."""

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._haproxy_maps import (
    backend_name,
    haproxy_layout,
    map_text,
    parse_map_text,
    parse_prepared_version,
    parse_show_map,
    replace_commands,
)
from ansible_collections.v6only.gateway.plugins.filter.haproxy_maps import FilterModule
from ansible.errors import AnsibleFilterError

GW = "198.51.100.20"


def row(vm, proto, routing, port, match=(), ipv6="2001:db8:100:a::10", backend_port=None, proxy=False, customer="alice"):
    return {
        "id": f"{vm}/{proto}/tcp/{port}", "customer": customer, "vm": vm, "proto": proto, "routing": routing,
        "listen_ipv4": GW, "listen_port": port, "match": list(match), "backend_ipv6": ipv6,
        "backend_port": backend_port or port, "proxy_protocol": proxy,
    }


ROWS = [
    row("alice-web", "https", "sni", 443, ["Alice.example", "www.alice.example"], proxy=True),
    row("alice-web", "http", "host", 80, ["alice.example"]),
    row("alice-web", "ssh", "port", 2201, backend_port=22),
    row("bob-web", "https", "sni", 443, ["bob.example."], ipv6="2001:db8:100:b::10", customer="bob"),
    row("bob-web", "imaps", "sni", 993, ["mail.bob.example"], ipv6="2001:db8:100:b::10", customer="bob"),
]


def test_layout_groups_rows_by_socket_and_names_maps():
    layout = haproxy_layout(ROWS, ["2001:db8:100::/48"])
    assert [f["name"] for f in layout["frontends"]] == [
        f"host_{GW}_80", f"sni_{GW}_443", f"sni_{GW}_993", f"port_{GW}_2201"]
    assert layout["frontends"][3]["backend"] == "alice-web_ssh_tcp_2201"
    assert layout["maps"][f"sni_{GW}_443.map"] == [
        ["alice.example", "alice-web_https_tcp_443"],
        ["bob.example", "bob-web_https_tcp_443"],
        ["www.alice.example", "alice-web_https_tcp_443"],
    ]
    assert layout["maps"][f"host_{GW}_80.map"] == [["alice.example", "alice-web_http_tcp_80"]]
    assert layout["ssh"] == [{"vm": "alice-web", "customer": "alice", "listen": GW, "port": 2201}]


def test_backends_carry_mode_server_and_proxy_protocol():
    backends = {b["name"]: b for b in haproxy_layout(ROWS)["backends"]}
    assert backends["alice-web_http_tcp_80"]["mode"] == "http"
    assert backends["alice-web_https_tcp_443"] == {
        "name": "alice-web_https_tcp_443", "id": "alice-web/https/tcp/443", "customer": "alice", "mode": "tcp",
        "server": "[2001:db8:100:a::10]:443", "proxy_protocol": True}
    assert backends["alice-web_ssh_tcp_2201"]["server"] == "[2001:db8:100:a::10]:22"


def test_ftps_passive_range_gets_a_port_range_frontend_to_the_same_ports_on_the_vm():
    ftps = dict(row("bob-ftp", "ftps", "sni", 990, ["ftp.bob.example"], ipv6="2001:db8:100:b::10", customer="bob"),
                data_ports=[30000, 30009])
    layout = haproxy_layout(ROWS + [ftps], ["2001:db8:100::/48"])
    data = next(f for f in layout["frontends"] if f["routing"] == "data")
    assert data == {"name": f"data_{GW}_30000_30009", "routing": "data", "bind": f"{GW}:30000-30009",
                    "port": 30000, "backend": "bob-ftp_ftps_tcp_990_data"}
    backend = next(b for b in layout["backends"] if b["name"] == "bob-ftp_ftps_tcp_990_data")
    assert backend["server"] == "[2001:db8:100:b::10]" and backend["mode"] == "tcp"
    assert layout["maps"][f"sni_{GW}_990.map"] == [["ftp.bob.example", "bob-ftp_ftps_tcp_990"]]


def test_data_ports_on_a_listening_port_are_refused():
    ftps = dict(row("bob-ftp", "ftps", "sni", 990, ["ftp.bob.example"], ipv6="2001:db8:100:b::10", customer="bob"),
                data_ports=[2201, 2210])
    with pytest.raises(ValueError, match="data ports 2201-2210 start on a port the gateway already listens on"):
        haproxy_layout(ROWS + [ftps])


def test_layout_is_deterministic_whatever_the_row_order():
    assert haproxy_layout(ROWS) == haproxy_layout(list(reversed(ROWS)))


def test_no_sni_default_is_attached_to_its_frontend_only():
    layout = haproxy_layout(ROWS, no_sni_row="bob-web/https/tcp/443")
    by_port = {f["port"]: f for f in layout["frontends"]}
    assert by_port[443]["no_sni_backend"] == "bob-web_https_tcp_443"
    assert "no_sni_backend" not in by_port[993]


@pytest.mark.parametrize("rows, kwargs, message", [
    (ROWS, {"allowed_prefixes": ["2001:db8:100:a::/64"]}, "outside the customer prefixes"),
    (ROWS + [row("eve-web", "custom", "lend", 5432)], {}, "not served by haproxy_sni"),
    (ROWS + [row("eve-web", "http", "host", 443, ["eve.example"])], {}, "cannot also route by host"),
    (ROWS + [row("eve-web", "ssh", "port", 2201)], {}, "already the SSH port"),
    (ROWS + [row("eve-web", "https", "sni", 443, ["bob.example"])], {}, "already routes to bob-web"),
    (ROWS, {"no_sni_row": "alice-web/http/tcp/80"}, "must be an sni row"),
    (ROWS, {"no_sni_row": "nobody/https/tcp/443"}, "is not a row"),
])
def test_refuses_open_proxies_and_ambiguous_sockets(rows, kwargs, message):
    with pytest.raises(ValueError, match=message):
        haproxy_layout(rows, **kwargs)


def test_backend_names_are_haproxy_safe():
    assert backend_name("a b/https/tcp/443") == "a_b_https_tcp_443"


def test_filter_wraps_errors():
    haproxy_maps = FilterModule().filters()["haproxy_maps"]
    assert haproxy_maps(ROWS)["maps"] == haproxy_layout(ROWS)["maps"]
    with pytest.raises(AnsibleFilterError, match="haproxy_maps: .*outside"):
        haproxy_maps(ROWS, ["2001:db8:999::/48"])


def test_map_text_round_trips_and_show_map_parses():
    entries = [["b.example", "be_b"], ["a.example", "be_a"]]
    text = map_text(entries)
    assert text == "a.example be_a\nb.example be_b\n"
    assert parse_map_text("# comment\n\n" + text) == {"a.example": "be_a", "b.example": "be_b"}
    assert parse_show_map("0x55d1 a.example be_a\n0x55d2 b.example be_b\n\n") == {"a.example": "be_a", "b.example": "be_b"}


def test_replace_commands_fill_then_commit_one_version():
    assert parse_prepared_version("New version created: 7\n\n") == 7
    with pytest.raises(ValueError):
        parse_prepared_version("Unknown map identifier\n")
    assert replace_commands("/m.map", {"b": "2", "a": "1"}, 7) == [
        "add map @7 /m.map <<\na 1\nb 2\n\n", "commit map @7 /m.map\n"]
    assert replace_commands("/m.map", {}, 3) == ["commit map @3 /m.map\n"]


def test_replace_commands_chunk_large_maps_under_the_cli_buffer():
    entries = {f"bench{i}.example": f"bench{i}-web_https_tcp_443" for i in range(5000)}
    commands = replace_commands("/m.map", entries, 2)
    assert commands[-1] == "commit map @2 /m.map\n"
    assert all(len(c) < 8100 for c in commands)
    lines = [line for c in commands[:-1] for line in c.split("\n")[1:] if line]
    assert parse_map_text("\n".join(lines)) == entries
