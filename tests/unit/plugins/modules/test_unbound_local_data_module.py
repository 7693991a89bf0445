"""The unbound_local_data module against a fake unbound-control that keeps local data the way Unbound does."""

import json

import pytest
from ansible.module_utils.testing import patch_module_args

from ansible_collections.v6only.gateway.plugins.modules import unbound_local_data

ZONE = "ip4-gw.example.net"
OTHER = "ipv4only.arpa.\t300\tIN\tA\t192.0.0.170"


class FakeUnbound:
    """Local data as lines 'name\\tttl\\tIN\\ttype\\tvalue'; records the commands it was sent."""

    def __init__(self, lines, fail=None):
        self.lines = set(lines)
        self.commands = []
        self.fail = fail

    def __call__(self, argv, data=None, **_kwargs):
        command = argv[1]
        self.commands.append(command)
        if command == self.fail:
            return 0, "error for input line 1: bad\nadded 0 datas\n", ""
        if command == "list_local_data":
            return 0, "".join(line + "\n" for line in sorted(self.lines)), ""
        # run_command adds a newline to the data; Unbound refuses an empty line as an RR that does not parse.
        given = (data + "\n").split("\n")[:-1]
        if "" in given:
            return 1, "error parsing local-data at line %d position 0 '': Syntax error\n" % (given.index("") + 1), ""
        if command == "local_datas_remove":
            self.lines = {line for line in self.lines if line.split()[0] not in given}
        elif command == "local_datas":
            self.lines |= {"\t".join(line.split()) for line in given}
        return 0, "ok\n", ""


def run(capsys, monkeypatch, fake, records, check_mode=False):
    monkeypatch.setattr(unbound_local_data.AnsibleModule, "run_command", fake)
    monkeypatch.setattr(unbound_local_data.AnsibleModule, "get_bin_path", lambda self, *a, **k: "/usr/sbin/unbound-control")
    args = {"zone": ZONE, "records": records, "default_ttl": 300, "_ansible_check_mode": check_mode, "_ansible_diff": True}
    with patch_module_args(args), pytest.raises(SystemExit):
        unbound_local_data.main()
    return json.loads(capsys.readouterr().out)


def record(vm, value="198.51.100.75"):
    return {"name": f"https-{vm}-ip4-gw.{ZONE}", "type": "A", "value": value}


def line(vm, value="198.51.100.75"):
    return f"https-{vm}-ip4-gw.{ZONE}.\t300\tIN\tA\t{value}"


def test_a_new_customer_is_added_live_and_nothing_else_is_touched(capsys, monkeypatch):
    fake = FakeUnbound([OTHER, line("carol")])
    result = run(capsys, monkeypatch, fake, [record("carol"), record("dave")])
    assert result["changed"] and result["added"] == [f"https-dave-ip4-gw.{ZONE}. 300 IN A 198.51.100.75"]
    assert result["removed"] == []
    assert fake.lines == {OTHER, line("carol"), line("dave")}
    assert fake.commands == ["list_local_data", "local_datas", "list_local_data"]
    assert f"https-dave-ip4-gw.{ZONE}." in result["diff"]["after"] and "dave" not in result["diff"]["before"]


def test_a_removed_and_a_changed_name_are_applied(capsys, monkeypatch):
    fake = FakeUnbound([OTHER, line("carol"), line("dave")])
    result = run(capsys, monkeypatch, fake, [record("carol", "198.51.100.76")])
    assert result["changed"]
    assert fake.lines == {OTHER, line("carol", "198.51.100.76")}


def test_no_change_sends_nothing(capsys, monkeypatch):
    fake = FakeUnbound([OTHER, line("carol")])
    result = run(capsys, monkeypatch, fake, [record("carol")])
    assert not result["changed"] and fake.commands == ["list_local_data"]


def test_check_mode_reports_and_changes_nothing(capsys, monkeypatch):
    fake = FakeUnbound([OTHER, line("carol")])
    result = run(capsys, monkeypatch, fake, [record("dave")], check_mode=True)
    assert result["changed"] and result["removed"] == [f"https-carol-ip4-gw.{ZONE}."]
    assert fake.lines == {OTHER, line("carol")} and fake.commands == ["list_local_data"]


def test_an_error_from_unbound_control_fails_the_run(capsys, monkeypatch):
    fake = FakeUnbound([OTHER], fail="local_datas")
    result = run(capsys, monkeypatch, fake, [record("dave")])
    assert result["failed"] and "local_datas failed" in result["msg"]


def test_a_record_outside_the_zone_is_refused_before_unbound_is_asked(capsys, monkeypatch):
    fake = FakeUnbound([OTHER])
    result = run(capsys, monkeypatch, fake, [{"name": "www.example.org", "type": "A", "value": "198.51.100.1"}])
    assert result["failed"] and "outside zone" in result["msg"] and fake.commands == []


def test_a_listed_name_starting_with_error_is_data_not_a_failure(capsys, monkeypatch):
    fake = FakeUnbound(["error-page.example.org.\t300\tIN\tA\t198.51.100.9", line("carol")])
    result = run(capsys, monkeypatch, fake, [record("carol")])
    assert not result.get("failed") and not result["changed"]
