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
PREFIXES = ["2001:db8:100::/48"]


@pytest.fixture
def rows(lab_model):
    """The lab's haproxy_sni rows: http, https, doh, imaps and ssh of alice; dot, ftps, http, https, pop3s, smtps and ssh of bob."""
    return lab_model["tables"]["haproxy_sni"]


def changed(rows, row_id, **fields):
    """A copy of the lab row `row_id` with some fields changed, as a newly added row."""
    return dict(next(r for r in rows if r["id"] == row_id), **fields)


def test_layout_groups_rows_by_socket_and_names_maps(rows):
    layout = haproxy_layout(rows, PREFIXES)
    assert [f["name"] for f in layout["frontends"]] == [
        f"host_{GW}_80", f"sni_{GW}_443", f"sni_{GW}_465", f"sni_{GW}_853", f"sni_{GW}_990", f"sni_{GW}_993",
        f"sni_{GW}_995", f"port_{GW}_2201", f"port_{GW}_2202", f"data_{GW}_30000_30009"]
    assert layout["frontends"][7]["backend"] == "alice-web_ssh_tcp_2201"
    assert layout["maps"][f"sni_{GW}_443.map"] == [
        ["alice.example", "alice-web_https_tcp_443"],
        ["bob.example", "bob-web_https_tcp_443"],
        ["doh.alice.example", "alice-web_doh_tcp_443"],
        ["www.alice.example", "alice-web_https_tcp_443"],
        ["www.bob.example", "bob-web_https_tcp_443"],
    ]
    assert layout["maps"][f"host_{GW}_80.map"] == [
        ["alice.example", "alice-web_http_tcp_80"], ["bob.example", "bob-web_http_tcp_80"],
        ["www.alice.example", "alice-web_http_tcp_80"], ["www.bob.example", "bob-web_http_tcp_80"]]
    assert layout["ssh"] == [{"vm": "alice-web", "customer": "alice", "listen": GW, "port": 2201},
                             {"vm": "bob-web", "customer": "bob", "listen": GW, "port": 2202}]


def test_map_texts_are_the_maps_as_files(rows):
    layout = haproxy_layout(rows, PREFIXES)
    assert list(layout["map_texts"]) == list(layout["maps"])
    for name, entries in layout["maps"].items():
        assert parse_map_text(layout["map_texts"][name]) == dict(entries)
    assert layout["map_texts"][f"sni_{GW}_465.map"] == "mail.bob.example bob-web_smtps_tcp_465\n"


def test_every_name_of_every_row_is_in_its_sockets_map(rows):
    maps = haproxy_layout(rows, PREFIXES)["maps"]
    for row in rows:
        if row["routing"] != "port":
            entries = dict(maps[f"{row['routing']}_{row['listen_ipv4']}_{row['listen_port']}.map"])
            assert all(entries[name] == backend_name(row["id"]) for name in row["match"]), row["id"]


def test_backends_carry_mode_server_and_proxy_protocol(rows):
    backends = {b["name"]: b for b in haproxy_layout(rows)["backends"]}
    assert backends["alice-web_http_tcp_80"]["mode"] == "http"
    assert backends["alice-web_https_tcp_443"] == {
        "name": "alice-web_https_tcp_443", "id": "alice-web/https/tcp/443", "customer": "alice", "mode": "tcp",
        "server": "[2001:db8:100:a::10]:443", "proxy_protocol": True}
    assert backends["bob-web_https_tcp_443"]["proxy_protocol"] is False
    assert backends["alice-web_ssh_tcp_2201"]["server"] == "[2001:db8:100:a::10]:22"


def test_ftps_passive_range_gets_a_port_range_frontend_to_the_same_ports_on_the_vm(rows):
    layout = haproxy_layout(rows, PREFIXES)
    data = next(f for f in layout["frontends"] if f["routing"] == "data")
    assert data == {"name": f"data_{GW}_30000_30009", "routing": "data", "bind": f"{GW}:30000-30009",
                    "port": 30000, "backend": "bob-web_ftps_tcp_990_data"}
    backend = next(b for b in layout["backends"] if b["name"] == "bob-web_ftps_tcp_990_data")
    assert backend["server"] == "[2001:db8:100:b::10]" and backend["mode"] == "tcp"
    assert layout["maps"][f"sni_{GW}_990.map"] == [["ftp.bob.example", "bob-web_ftps_tcp_990"]]


def test_data_ports_on_a_listening_port_are_refused(rows):
    ftps = changed(rows, "bob-web/ftps/tcp/990", id="carol-web/ftps/tcp/990", vm="carol-web", match=["ftp.carol.example"],
                   listen_ipv4="198.51.100.21", data_ports=[990, 999])
    with pytest.raises(ValueError, match="data ports 990-999 start on a port the gateway already listens on"):
        haproxy_layout(rows + [ftps])


def test_layout_is_deterministic_whatever_the_row_order(rows):
    assert haproxy_layout(rows) == haproxy_layout(list(reversed(rows)))


def test_no_sni_default_is_attached_to_its_frontend_only(rows):
    layout = haproxy_layout(rows, no_sni_row="bob-web/https/tcp/443")
    by_port = {f["port"]: f for f in layout["frontends"]}
    assert by_port[443]["no_sni_backend"] == "bob-web_https_tcp_443"
    assert "no_sni_backend" not in by_port[993]


# Each case adds one row made from a lab row (id, fields) or passes arguments.
REFUSALS = [
    (None, {"allowed_prefixes": ["2001:db8:100:a::/64"]}, "outside the customer prefixes"),
    (("alice-web/ssh/tcp/2201", {"id": "eve-web/custom/tcp/5432", "routing": "lend", "listen_port": 5432}), {},
     "not served by haproxy_sni"),
    (("alice-web/http/tcp/80", {"id": "eve-web/http/tcp/443", "vm": "eve-web", "listen_port": 443, "match": ["eve.example"]}), {},
     "cannot also route by host"),
    (("alice-web/ssh/tcp/2201", {"id": "eve-web/ssh/tcp/2201", "vm": "eve-web"}), {}, "already the SSH port"),
    (("alice-web/https/tcp/443", {"id": "eve-web/https/tcp/443", "vm": "eve-web", "match": ["bob.example"]}), {},
     "already routes to bob-web"),
    (None, {"no_sni_row": "alice-web/http/tcp/80"}, "must be an sni row"),
    (None, {"no_sni_row": "nobody/https/tcp/443"}, "is not a row"),
]


@pytest.mark.parametrize("extra, kwargs, message", REFUSALS)
def test_refuses_open_proxies_and_ambiguous_sockets(rows, extra, kwargs, message):
    added = [changed(rows, extra[0], **extra[1])] if extra else []
    with pytest.raises(ValueError, match=message):
        haproxy_layout(rows + added, **kwargs)


def test_backend_names_are_haproxy_safe():
    assert backend_name("a b/https/tcp/443") == "a_b_https_tcp_443"


def test_filter_wraps_errors(rows):
    haproxy_maps = FilterModule().filters()["haproxy_maps"]
    assert haproxy_maps(rows)["maps"] == haproxy_layout(rows)["maps"]
    with pytest.raises(AnsibleFilterError, match="haproxy_maps: .*outside"):
        haproxy_maps(rows, ["2001:db8:999::/48"])


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
