"""running's plan, and its status script run for real against a stand-in systemctl on PATH."""

import os
import subprocess

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._running import apply_script, cycle_script, plan, status_script


def test_plan_enables_starts_and_reloads_only_what_needs_it():
    steps = plan(["a", "b", "c"], ["1 1 no", "0 1 yes", "1 0 no"])
    assert steps == {"daemon_reload": True, "enable": ["b"], "start": ["c"], "disable": []}
    assert apply_script(steps) == "systemctl daemon-reload && systemctl enable b && systemctl start c"


def test_plan_disables_only_an_enabled_unit_kept_out_of_boot():
    # d is enabled, e is not; whether either runs is not running's business (keepalived starts Kea on the master).
    steps = plan(["a"], ["1 1 no", "1 1 no", "0 1 no"], disabled=["d", "e"])
    assert steps == {"daemon_reload": False, "enable": [], "start": [], "disable": ["d"]}
    assert apply_script(steps) == "systemctl disable d"


def test_nothing_to_do_is_no_command():
    steps = plan(["a"], ["1 1 no"])
    assert steps == {"daemon_reload": False, "enable": [], "start": [], "disable": []} and apply_script(steps) == ""


@pytest.mark.parametrize("lines", [[], ["1 1"], ["1 1 no", "1 1 no"]])
def test_plan_refuses_output_it_cannot_pair(lines):
    with pytest.raises(ValueError, match="one status line per unit"):
        plan(["a"], lines)


def test_status_script_asks_systemctl_about_each_unit(tmp_path):
    # systemctl answers by unit name: "up" is enabled and active, anything else neither.
    fake = tmp_path / "systemctl"
    fake.write_text('#!/bin/sh\nfor last; do :; done\ncase "$1" in\n'
                    '  is-enabled|is-active) [ "$last" = up ];;\n  show) echo no;;\nesac\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    out = subprocess.run(["sh", "-c", status_script(["up", "it's down"])], capture_output=True, text=True,
                         env=env, check=True).stdout
    assert out.splitlines() == ["1 1 no", "0 0 no"]


def test_cycle_script_reloads_an_active_unit_starts_an_inactive_one_then_restarts(tmp_path):
    # A stand-in systemctl that logs its calls; "up" is active.
    log = tmp_path / "calls"
    fake = tmp_path / "systemctl"
    fake.write_text(f'#!/bin/sh\necho "$@" >> {log}\nfor last; do :; done\n[ "$2" != is-active ] || [ "$last" = up ]\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    subprocess.run(["sh", "-c", cycle_script(["up", "down"], ["r 1", "r2"])], env=env, check=True)
    assert log.read_text().splitlines() == [
        "-q is-active up", "reload up", "-q is-active down", "start down", "restart r 1 r2"]


def test_cycle_script_stops_at_the_first_failure(tmp_path):
    fake = tmp_path / "systemctl"
    fake.write_text('#!/bin/sh\n[ "$1" != reload ]\n')
    fake.chmod(0o755)
    env = dict(os.environ, PATH=f"{tmp_path}:{os.environ['PATH']}")
    done = subprocess.run(["sh", "-c", cycle_script(["a"], ["b"]) + " && echo reached"], env=env,
                          capture_output=True, text=True, check=False)
    assert done.returncode != 0 and "reached" not in done.stdout
