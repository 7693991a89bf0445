"""site.yml's plays: facts are gathered exactly where a role reads them."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
# ansible_* names that are not facts (Ansible's magic and connection variables).
MAGIC = {"managed", "check_mode", "skip_tags", "run_tags", "inventory_sources", "failed_result", "failed_task",
         "playbook_python", "play_hosts", "play_batch", "play_name", "loop", "index_var", "parent_role_names",
         "role_names", "config_file", "version", "host", "port", "user", "connection", "become", "limit"}
FACT = re.compile(r"\bansible_facts(?:\.|\[\s*['\"])(\w+)|\bansible_(\w+)")


def facts_read(role):
    names = set()
    for part in ("tasks", "templates", "vars", "handlers", "defaults"):
        for path in (ROOT / "roles" / role / part).rglob("*"):
            if path.is_file():
                names.update(a or b for a, b in FACT.findall(path.read_text(encoding="utf-8")))
    return names - MAGIC - {"facts"}


def test_facts_are_gathered_on_the_groups_of_the_roles_that_read_them():
    plays = yaml.safe_load((ROOT / "playbooks/site.yml").read_text())
    gathered = next(set(p["hosts"].split(":")) for p in plays if p.get("gather_facts") is True)
    reading = {role["role"].split(".")[-1]: play["hosts"] for play in plays for role in play.get("roles", [])}
    needed = {group for role, group in reading.items() if facts_read(role)}
    assert needed == gathered, {role: sorted(facts_read(role)) for role in reading}
    # The test reads what it should: jool_nat64 names the kernel release.
    assert "kernel" in facts_read("jool_nat64")
