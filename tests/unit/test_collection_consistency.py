"""One definition of what every role shares: the minimum Ansible version and the no_log switch."""

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
ROLES = sorted(p.parent.parent for p in ROOT.glob("roles/*/meta/main.yml"))


def requires_ansible():
    text = yaml.safe_load((ROOT / "meta/runtime.yml").read_text())["requires_ansible"]
    match = re.fullmatch(r">=\s*(\d+\.\d+)(?:\.0)?", text)
    assert match, "requires_ansible {0!r} should be a plain >=X.Y".format(text)
    return match.group(1)


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_every_role_needs_the_ansible_the_collection_requires(role):
    info = yaml.safe_load((role / "meta/main.yml").read_text())["galaxy_info"]
    assert str(info["min_ansible_version"]) == requires_ansible()


@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_every_no_log_switch_follows_the_one_in_the_model(role):
    defaults = role / "defaults/main.yml"
    values = yaml.safe_load(defaults.read_text()) or {} if defaults.exists() else {}
    for name, value in values.items():
        if name.endswith("no_log"):
            assert value == "{{ v6only_gateway_model.settings.no_log }}", name
    for task_file in role.glob("tasks/*.yml"):
        for line in task_file.read_text().splitlines():
            if re.match(r"\s*no_log:", line):
                assert re.search(r"no_log: \"\{\{ \w+_no_log \}\}\"", line), "{0}: {1}".format(task_file.name, line.strip())


def test_the_roles_were_found():
    assert len(ROLES) >= 9


def topics(text):
    """The handler topics a YAML file notifies or listens to."""
    found = []
    for item in yaml.safe_load(text) or []:
        for key in ("notify", "listen"):
            value = item.get(key) if isinstance(item, dict) else None
            found += [value] if isinstance(value, str) else list(value or [])
        for nested in ("block", "rescue", "always"):
            found += topics(yaml.safe_dump(item.get(nested))) if isinstance(item, dict) and item.get(nested) else []
    return found


# jool_nat64 is helper J's this round; it joins the convention when J renames its topics.
@pytest.mark.parametrize("role", ROLES, ids=lambda p: p.name)
def test_handler_topics_name_the_role_and_what_changed(role):
    handlers = role / "handlers/main.yml"
    listened = set(topics(handlers.read_text())) if handlers.exists() else set()
    notified = {t for f in role.glob("tasks/*.yml") for t in topics(f.read_text())}
    for topic in listened | notified:
        assert re.fullmatch(r"{0}( [a-z0-9]+)* changed".format(role.name), topic), topic
    assert notified <= listened, "notified but no handler listens: {0}".format(sorted(notified - listened))
