"""Tests for the ipv4_lease module: state file handling, check mode, diff, refusals."""

import json

import pytest
import yaml
from ansible.module_utils.testing import patch_module_args
from yamllint import linter
from yamllint.config import YamlLintConfig

from ansible_collections.v6only.gateway.plugins.modules import ipv4_lease

POOL = ["198.51.100.104", "198.51.100.105"]
DEMANDS = [
    {"customer": "bob", "vm": "bob-mail", "proto": "smtp", "ports": [{"transport": "tcp", "port": 25}]},
    {"customer": "alice", "vm": "alice-mail", "proto": "pop3", "ports": [{"transport": "tcp", "port": 110}]},
]


def run(capsys, check_mode=False, diff=False, **args):
    args.setdefault("pool", POOL)
    args.setdefault("now", 1_700_000_000)
    args["_ansible_check_mode"] = check_mode
    args["_ansible_diff"] = diff
    with patch_module_args(args), pytest.raises(SystemExit):
        ipv4_lease.main()
    return json.loads(capsys.readouterr().out)


@pytest.mark.parametrize("check_mode", [False, True])
def test_first_run_creates_stacked_leases(tmp_path, capsys, check_mode):
    path = tmp_path / "ipv4_leases.yml"
    result = run(capsys, check_mode=check_mode, diff=True, path=str(path), demands=DEMANDS)
    assert result["changed"] is True
    assert result["changes"]["created"] == ["alice-mail/pop3@198.51.100.104", "bob-mail/smtp@198.51.100.104"]
    assert "alice-mail" in result["diff"]["after"] and result["diff"]["before"] == ""
    if check_mode:
        assert not path.exists()
    else:
        assert yaml.safe_load(path.read_text())["leases"] == result["leases"]
        assert list(tmp_path.iterdir()) == [path], "no temporary file is left behind"


def test_the_state_file_passes_yamllint_as_committed_inventories_do(tmp_path, capsys):
    path = tmp_path / "ipv4_leases.yml"
    run(capsys, path=str(path), demands=DEMANDS + [dict(DEMANDS[1], proto="ftp", data_ports=[30000, 30009])])
    problems = list(linter.run(path.read_text(), YamlLintConfig("extends: default")))
    assert problems == []


def test_second_run_is_unchanged_and_check_mode_shows_draining(tmp_path, capsys):
    path = tmp_path / "ipv4_leases.yml"
    run(capsys, path=str(path), demands=DEMANDS)
    written = path.read_text()
    again = run(capsys, path=str(path), demands=DEMANDS, now=1_700_000_010)
    assert again["changed"] is False and path.read_text() == written
    preview = run(capsys, check_mode=True, diff=True, path=str(path), demands=DEMANDS[:1], grace=60)
    assert preview["changed"] is True
    assert preview["changes"]["draining"] == ["alice-mail/pop3@198.51.100.104"]
    assert "state: draining" in preview["diff"]["after"]
    assert path.read_text() == written, "check mode never writes"


@pytest.mark.parametrize("broken", [
    "leases: [\n  - address: 198.51.100.104\n   vm: oops\n",  # YAML syntax error
    "- just a list\n",
    "leases:\n  - {address: 198.51.100.104, vm: bob-mail}\n",
])
def test_a_corrupt_file_is_refused_and_never_overwritten(tmp_path, capsys, broken):
    path = tmp_path / "ipv4_leases.yml"
    path.write_text(broken)
    result = run(capsys, path=str(path), demands=DEMANDS)
    assert result["failed"] is True
    assert "lease state file" in result["msg"] and "It was not changed" in result["msg"]
    assert path.read_text() == broken


def test_exhausted_pool_fails_without_writing(tmp_path, capsys):
    path = tmp_path / "ipv4_leases.yml"
    run(capsys, path=str(path), demands=DEMANDS)
    written = path.read_text()
    more = DEMANDS + [{"customer": c, "vm": f"{c}-mail", "proto": "smtp", "ports": [{"transport": "tcp", "port": 25}]}
                      for c in ("carol", "dave")]
    result = run(capsys, path=str(path), demands=more)
    assert result["failed"] is True and "customer 'dave', vm 'dave-mail', proto 'smtp'" in result["msg"]
    assert path.read_text() == written


def test_query_reports_without_writing(tmp_path, capsys):
    path = tmp_path / "ipv4_leases.yml"
    run(capsys, path=str(path), demands=DEMANDS)
    result = run(capsys, path=str(path), state="query")
    assert result["changed"] is False
    assert result["report"]["would_free"] == {"pop3": 0, "smtp": 0}
    assert result["report"]["free"] == ["198.51.100.105"]
    assert "bob-mail" in result["report_text"]
