# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The shell side of the running action: ask systemd about units in one command, then act."""

import shlex


def status_script(units):
    """One line per unit: `<enabled 0|1> <active 0|1> <NeedDaemonReload yes|no>`."""
    quoted = " ".join(shlex.quote(unit) for unit in units)
    return (f"for u in {quoted}; do e=0; a=0; systemctl is-enabled -q \"$u\" 2>/dev/null && e=1; "
            "systemctl is-active -q \"$u\" && a=1; "
            "printf '%s %s %s\\n' $e $a \"$(systemctl show -p NeedDaemonReload --value \"$u\")\"; done")


def plan(units, lines, disabled=()):
    """{daemon_reload, enable, start, disable} from status_script(units + disabled); ValueError when it does not pair up."""
    rows = [line.split() for line in lines]
    if len(rows) != len(units) + len(disabled) or any(len(row) != 3 for row in rows):
        raise ValueError(f"expected one status line per unit for {list(units) + list(disabled)}, got {lines!r}")
    wanted, unwanted = rows[:len(units)], rows[len(units):]
    return {
        "daemon_reload": any(row[2] == "yes" for row in rows),
        "enable": [unit for unit, row in zip(units, wanted) if row[0] != "1"],
        "start": [unit for unit, row in zip(units, wanted) if row[1] != "1"],
        "disable": [unit for unit, row in zip(disabled, unwanted) if row[0] == "1"],
    }


def apply_script(steps):
    """The systemctl commands that carry out a plan, stopping at the first that fails."""
    commands = ["systemctl daemon-reload"] if steps["daemon_reload"] else []
    for verb in ("disable", "enable", "start"):
        if steps.get(verb):
            commands.append(f"systemctl {verb} " + " ".join(shlex.quote(unit) for unit in steps[verb]))
    return " && ".join(commands)


def cycle_script(reloaded, restarted):
    """Reload each of reloaded (start it if it is not active, as systemd_service does), then restart restarted."""
    steps = [f"if systemctl -q is-active {q}; then systemctl reload {q}; else systemctl start {q}; fi"
             for q in map(shlex.quote, reloaded)]
    if restarted:
        steps.append("systemctl restart " + " ".join(shlex.quote(unit) for unit in restarted))
    return " && ".join(f"{{ {step}; }}" if step.startswith("if") else step for step in steps)
