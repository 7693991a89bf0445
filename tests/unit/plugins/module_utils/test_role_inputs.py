"""role_inputs' digest of a role, and its marker scripts run for real with sh in a scratch directory."""

import subprocess

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils import _role_inputs
from ansible_collections.v6only.gateway.plugins.module_utils._role_inputs import (
    code_digest, code_files, fingerprint, read_script, record_script, referenced, unordered)


@pytest.fixture(name="role")
def fixture_role(tmp_path):
    (tmp_path / "tasks").mkdir()
    (tmp_path / "templates").mkdir()
    (tmp_path / "defaults").mkdir()
    (tmp_path / "tasks" / "apply.yml").write_text(
        "- ansible.builtin.debug:\n    msg: \"{{ v6only_gateway_model.settings.zone }} {{ ansible_kernel }}\"\n")
    (tmp_path / "templates" / "x.j2").write_text("{{ ansible_facts['interfaces'] }} {{ ansible_facts.default_ipv4 }}\n")
    # Defaults are digested as written, so what their templates name is read too.
    (tmp_path / "defaults" / "main.yml").write_text("x_rows: \"{{ v6only_gateway_other }}\"\n")
    return tmp_path


def test_referenced_names_come_from_what_reads_at_run_time(role):
    globals_, facts = referenced(str(role))
    assert globals_ == {"v6only_gateway_model", "v6only_gateway_other"}
    assert {"kernel", "interfaces", "default_ipv4"} <= facts


def test_the_code_digest_follows_content_and_names(role):
    before = code_digest(code_files(str(role)))
    (role / "templates" / "x.j2").write_text("changed\n")
    changed = code_digest(code_files(str(role)))
    (role / "templates" / "x.j2").rename(role / "templates" / "y.j2")
    renamed = code_digest(code_files(str(role)))
    assert len({before, changed, renamed}) == 3


def test_fingerprint_ignores_key_order_but_not_values():
    assert fingerprint("c", {"a": 1, "b": [2, 3]}) == fingerprint("c", {"b": [2, 3], "a": 1})
    assert fingerprint("c", {"a": 1, "b": [2, 3]}) != fingerprint("c", {"a": 1, "b": [3, 2]})
    assert fingerprint("c", {"a": 1}) != fingerprint("d", {"a": 1})


def test_facts_are_digested_without_their_list_order():
    # setup lists a host's interfaces in a different order from run to run.
    assert unordered({"interfaces": ["lo", "eth0"], "n": [{"a": ["z", "y"]}]}) == {
        "interfaces": ["eth0", "lo"], "n": [{"a": ["y", "z"]}]}


def test_marker_scripts_record_compare_and_leave_nothing_behind(tmp_path, monkeypatch):
    monkeypatch.setattr(_role_inputs, "MARKER_DIR", str(tmp_path / "applied"))

    def sh(script):
        return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=True).stdout.strip()

    assert sh(read_script("r")) == ""
    assert sh(record_script("r", "abc", write=False)) == "differs"
    assert not (tmp_path / "applied").exists(), "check mode writes nothing"
    assert sh(record_script("r", "abc", write=True)) == "differs"
    assert sh(read_script("r")) == "abc"
    assert sh(record_script("r", "abc", write=True)) == "same"
    assert sorted(p.name for p in (tmp_path / "applied").iterdir()) == ["r"]
