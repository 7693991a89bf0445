"""The run summary as site.yml's last play prints and records it.

Runs tests/fixtures/run_summary/site.yml (the play as site.yml imports it,
after a stand-in play that can fail on chosen hosts) with ansible-playbook on
a copy of the lab inventory; every task of the play runs on the controller.
"""

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "tests/fixtures/run_summary/site.yml"


def _play(inventory, *args, playbook=SITE):
    env = dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1",
               ANSIBLE_COLLECTIONS_PATH=os.pathsep.join([str(ROOT / "collections"), str(ROOT / ".cache/collections")]))
    return subprocess.run(["ansible-playbook", "-i", str(inventory), str(playbook), *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=300, check=False)


@pytest.fixture(name="inventory")
def _inventory(tmp_path):
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-playbook is not on PATH (run through make unit)")
    inventory = tmp_path / "lab"
    shutil.copytree(ROOT / "inventories/lab", inventory,
                    ignore=shutil.ignore_patterns("ipv4_leases.yml", "applied_summary.yml", "secret"))
    return inventory


def test_a_full_run_records_and_the_next_lists_only_what_it_adds(inventory):
    state = inventory / "applied_summary.yml"
    first = _play(inventory)
    assert first.returncode == 0, first.stdout[-3000:]
    assert "Run summary: applied, recorded in applied_summary.yml" in first.stdout
    assert "alice: new customer" in first.stdout and "bob: new customer" in first.stdout
    recorded = yaml.safe_load(state.read_text())
    assert sorted(recorded["customers"]) == ["alice", "bob"]
    assert recorded["customers"]["alice"]["ssh"] == {"alice-web": 2201}

    customer = inventory / "customers/alice.yml"
    customer.write_text(customer.read_text().replace("names: [alice.example, www.alice.example]",
                                                     "names: [alice.example, www.alice.example, shop.alice.example]", 1))
    second = _play(inventory)
    assert second.returncode == 0, second.stdout[-3000:]
    assert "- 1 customer changed, 1 unchanged\n" in second.stdout
    assert "'  + name  shop.alice.example  http'" in second.stdout
    assert "'    shop.alice.example.  A     198.51.100.20'" in second.stdout
    assert "'Unchanged: bob'\n" in second.stdout

    third = _play(inventory)
    assert "- 0 customers changed, 2 unchanged\n" in third.stdout
    assert "changed=0" in third.stdout.split("PLAY RECAP", 1)[1], "an unchanged state is not written again"


@pytest.mark.parametrize("args, title", [
    (["--check"], "WOULD change (--check): nothing applied or recorded"),
    (["--tags", "haproxy_sni"], "applied to part of the site (--limit/--tags): not recorded"),
    (["--limit", "lab-gw"], "applied to part of the site (--limit/--tags): not recorded"),
    (["--skip-tags", "haproxy_sni"], "applied to part of the site (--limit/--tags): not recorded"),
    (["-e", '{"fail_on": ["lab-r1"]}'], "partly applied, failed on lab-r1: not recorded"),
])
def test_check_narrowed_and_failed_runs_summarize_but_record_nothing(inventory, args, title):
    result = _play(inventory, *args)
    assert "Run summary: " + title in result.stdout, result.stdout[-3000:]
    assert "alice: new customer" in result.stdout
    assert not (inventory / "applied_summary.yml").exists()


def test_skipping_a_tag_no_play_carries_still_records(inventory):
    result = _play(inventory, "--skip-tags", "molecule-notest,notest")
    assert "Run summary: applied, recorded in applied_summary.yml" in result.stdout, result.stdout[-3000:]
    assert (inventory / "applied_summary.yml").exists()


def test_site_yml_names_the_tags_of_its_plays_for_the_summary():
    plays = yaml.safe_load((ROOT / "playbooks/site.yml").read_text())
    tags = [tag for play in plays for tag in play.get("tags", []) if tag != "always"]
    assert plays[-1]["vars"]["run_summary_site_tags"] == tags


def test_run_alone_it_previews_and_records_nothing(inventory):
    result = _play(inventory, playbook=ROOT / "playbooks/run_summary.yml")
    assert result.returncode == 0, result.stdout[-3000:]
    assert "Run summary: preview, not from site.yml: nothing applied or recorded" in result.stdout
    assert not (inventory / "applied_summary.yml").exists()
