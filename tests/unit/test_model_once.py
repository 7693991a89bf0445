"""site.yml builds the customer model once per run: a later play reuses it until an input changes.

Runs ansible-playbook on the implicit localhost with the lab inventory's
customers, so the role's own tasks and conditions are what is tested.
"""

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PLAY = """---
- name: First play builds the model
  hosts: localhost
  gather_facts: false
  roles: [v6only.gateway.customer_model]
- name: Same inputs reuse it
  hosts: localhost
  gather_facts: false
  roles: [v6only.gateway.customer_model]
- name: A changed input rebuilds it
  hosts: localhost
  gather_facts: false
  vars:
    customer_model_settings: "{{ v6only_gateway | combine({'dns_ttl': 61}) }}"
  roles: [v6only.gateway.customer_model]
"""


def test_a_later_play_reuses_the_model_until_an_input_changes(tmp_path):
    if shutil.which("ansible-playbook") is None:
        pytest.skip("ansible-playbook is not on PATH (run through make unit)")
    playbook = tmp_path / "plays.yml"
    playbook.write_text(PLAY)
    env = dict(os.environ, ANSIBLE_STDOUT_CALLBACK="default", ANSIBLE_DISPLAY_SKIPPED_HOSTS="true",
               ANSIBLE_NOCOLOR="1", ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"))
    run = subprocess.run(["ansible-playbook", "-i", str(ROOT / "inventories/lab"), str(playbook)],
                         cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    # Each play's "Analyse" task header, then the line with the host's result.
    results = re.findall(r"TASK \[v6only\.gateway\.customer_model : Analyse the customer inventory\] \**\n(\w+):",
                         run.stdout)
    assert results == ["ok", "skipping", "ok"], run.stdout[-3000:]
