"""Tests for the ipv4_lease action's work: state file handling, check mode, diff, refusals."""

import pytest
import yaml
from ansible.module_utils.common.arg_spec import ArgumentSpecValidator
from yamllint import linter
from yamllint.config import YamlLintConfig

from ansible_collections.v6only.gateway.plugins.plugin_utils import _lease_apply as ipv4_lease

POOL = ["198.51.100.104", "198.51.100.105"]
DEMANDS = [
    {"customer": "bob", "vm": "bob-mail", "proto": "smtp", "ports": [{"transport": "tcp", "port": 25}]},
    {"customer": "alice", "vm": "alice-mail", "proto": "pop3", "ports": [{"transport": "tcp", "port": 110}]},
]


def run(check_mode=False, diff=False, **args):
    """The action's path: the arguments validated against its spec (defaults, types), then the work."""
    args.setdefault("pool", POOL)
    args.setdefault("now", 1_700_000_000)
    validated = ArgumentSpecValidator(ipv4_lease.ARGUMENT_SPEC).validate(args)
    assert not validated.error_messages
    return ipv4_lease.apply(validated.validated_parameters, check_mode=check_mode, diff=diff)


@pytest.mark.parametrize("check_mode", [False, True])
def test_first_run_creates_stacked_leases(tmp_path, check_mode):
    path = tmp_path / "ipv4_leases.yml"
    result = run(check_mode=check_mode, diff=True, path=str(path), demands=DEMANDS)
    assert result["changed"] is True
    assert result["changes"]["created"] == ["alice-mail/pop3@198.51.100.104", "bob-mail/smtp@198.51.100.104"]
    assert "alice-mail" in result["diff"]["after"] and result["diff"]["before"] == ""
    if check_mode:
        assert not path.exists()
    else:
        assert yaml.safe_load(path.read_text())["leases"] == result["leases"]
        assert list(tmp_path.iterdir()) == [path], "no temporary file is left behind"


class _Tagged(str):
    """Stands for Ansible's tagged strings: what the action gets in Ansible's own process."""


def test_arguments_of_str_subclasses_are_written_as_plain_yaml(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    tagged = [dict(DEMANDS[0], vm=_Tagged("bob-mail"), customer=_Tagged("bob"))]
    result = run(path=str(path), demands=tagged)
    assert "failed" not in result, result
    assert yaml.safe_load(path.read_text())["leases"][0]["vm"] == "bob-mail"


def test_the_state_file_passes_yamllint_as_committed_inventories_do(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    ftp = dict(DEMANDS[1], proto="ftp", ports=[{"transport": "tcp", "port": 21}], data_ports=[30000, 30009])
    run(path=str(path), demands=DEMANDS + [ftp])
    problems = list(linter.run(path.read_text(), YamlLintConfig("extends: default")))
    assert problems == []


def test_second_run_is_unchanged_and_check_mode_shows_draining(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    run(path=str(path), demands=DEMANDS)
    written = path.read_text()
    again = run(path=str(path), demands=DEMANDS, now=1_700_000_010)
    assert again["changed"] is False and path.read_text() == written
    preview = run(check_mode=True, diff=True, path=str(path), demands=DEMANDS[:1], grace=60)
    assert preview["changed"] is True
    assert preview["changes"]["draining"] == ["alice-mail/pop3@198.51.100.104"]
    assert "state: draining" in preview["diff"]["after"]
    assert path.read_text() == written, "check mode never writes"


@pytest.mark.parametrize("broken", [
    "leases: [\n  - address: 198.51.100.104\n   vm: oops\n",  # YAML syntax error
    "- just a list\n",
    "leases:\n  - {address: 198.51.100.104, vm: bob-mail}\n",
])
def test_a_corrupt_file_is_refused_and_never_overwritten(tmp_path, broken):
    path = tmp_path / "ipv4_leases.yml"
    path.write_text(broken)
    result = run(path=str(path), demands=DEMANDS)
    assert result["failed"] is True
    assert "lease state file" in result["msg"] and "It was not changed" in result["msg"]
    assert path.read_text() == broken


def test_exhausted_pool_fails_without_writing(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    run(path=str(path), demands=DEMANDS)
    written = path.read_text()
    more = DEMANDS + [{"customer": c, "vm": f"{c}-mail", "proto": "smtp", "ports": [{"transport": "tcp", "port": 25}]}
                      for c in ("carol", "dave")]
    result = run(path=str(path), demands=more)
    assert result["failed"] is True and "customer 'dave', vm 'dave-mail', proto 'smtp'" in result["msg"]
    assert path.read_text() == written


def test_query_reports_without_writing(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    run(path=str(path), demands=DEMANDS)
    result = run(path=str(path), state="query")
    assert result["changed"] is False
    assert result["report"]["would_free"] == {"pop3": 0, "smtp": 0}
    assert result["report"]["free"] == ["198.51.100.105"]
    assert "bob-mail" in result["report_text"]


def _written_then(tmp_path, change):
    """A state file the module wrote, then edited by hand with `change(leases)`."""
    path = tmp_path / "ipv4_leases.yml"
    run(path=str(path), demands=DEMANDS)
    leases = yaml.safe_load(path.read_text())["leases"]
    change(leases)
    path.write_text(ipv4_lease.render(leases))
    return path, path.read_text()


@pytest.mark.parametrize("change, message", [
    (lambda ls: ls[0].update(address="198.51.100.99"),
     "leases[0] (customer 'alice', vm 'alice-mail', proto 'pop3'), field 'address': 198.51.100.99 is outside the "
     "lending pool (198.51.100.104, 198.51.100.105). Fix: remove the lease"),
    (lambda ls: ls[1].update(address="198.51.100.20"),
     "leases[1] (customer 'bob', vm 'bob-mail', proto 'smtp'), field 'address': 198.51.100.20 is gateway_ipv4, "
     "which is never lent"),
    (lambda ls: ls[1].update(ports=[{"transport": "tcp", "port": 22}]),
     "field 'ports': tcp/22 is not the port smtp is lent on (tcp/25)"),
    (lambda ls: ls[1].update(proto="https"),
     "field 'proto': 'https' is not a protocol the gateway lends addresses for"),
    (lambda ls: ls[1].update(state="draining"),
     "expires None is not an ISO 8601 UTC time"),
])
def test_a_lease_the_pool_or_the_catalogue_refuses_fails_and_nothing_is_written(tmp_path, change, message):
    path, before = _written_then(tmp_path, change)
    result = run(path=str(path), demands=DEMANDS, gateway_ipv4="198.51.100.20")
    assert result["failed"] is True and message in result["msg"], result["msg"]
    assert path.read_text() == before
    assert list(tmp_path.iterdir()) == [path], "no temporary file is left behind"


def test_a_pool_holding_the_gateway_address_is_refused_before_anything_is_written(tmp_path):
    path = tmp_path / "ipv4_leases.yml"
    result = run(path=str(path), demands=DEMANDS, pool=POOL + ["198.51.100.20"], gateway_ipv4="198.51.100.20")
    assert result["failed"] is True
    assert result["msg"] == ("lending pool lending_pool[2]: 198.51.100.20 is the gateway_ipv4 address. "
                             "Fix: lend only addresses the gateway does not listen on")
    assert not path.exists()
