"""molecule/site verify: the end-to-end matrix of `make lab`, on this scenario's containers."""
import os
import re
import subprocess
import sys

import yaml

ROOT = os.environ.get("MOLECULE_PROJECT_DIRECTORY", os.path.join(os.path.dirname(__file__), "..", "..", ".."))


def test_every_cell_of_the_matrix_passes():
    inventory = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    proc = subprocess.run([sys.executable, os.path.join(ROOT, "scripts", "e2e.py"), "--inventory", inventory],
                          capture_output=True, text=True, timeout=600)
    print(proc.stdout, proc.stderr)
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    # carol-web's HTTP, HTTPS (PROXY v2), IMAPS, SSH and submission (lent
    # address), plus the VM's DNS64 answer and its NAT64 fetch: nothing skipped.
    assert "7 of 7 cells ✓" in proc.stdout, proc.stdout


def test_converge_ended_with_the_run_summary_of_the_lab_customer():
    """Converge was a full run in which every host succeeded, so its last play recorded what it applied."""
    inventory = os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "inventory")
    with open(os.path.join(inventory, "applied_summary.yml"), encoding="utf-8") as handle:
        recorded = yaml.safe_load(handle)
    assert sorted(recorded["customers"]) == ["carol"]
    carol = recorded["customers"]["carol"]
    assert carol["names"] == {"carol.example": ["http", "https"], "mail.carol.example": ["imaps"]}
    assert carol["ssh"] == {"carol-web": 2201}
    assert carol["leases"] == {"carol-web/submission": {"address": "198.51.100.152", "state": "active"}}
    # The summary the next run prints: nothing changed since converge.
    # Molecule's own ansible.cfg: its connection plugin, and the summary file is not inventory.
    env = dict(os.environ, ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1")
    env.setdefault("ANSIBLE_CONFIG", os.path.join(os.environ["MOLECULE_EPHEMERAL_DIRECTORY"], "ansible.cfg"))
    playbook = os.path.join(os.path.dirname(sys.executable), "ansible-playbook")
    proc = subprocess.run([playbook, "-i", inventory, os.path.join(ROOT, "playbooks", "run_summary.yml")],
                          env=env, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    printed = re.sub(r"\x1b\[[0-9;]*m", "", proc.stdout)
    assert "- 0 customers changed, 1 unchanged\n" in printed and "'Unchanged: carol'\n" in printed, printed[-3000:]
