# Copyright: (c) 2026, v6only.gateway developers
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Action put_files: render and place several files with shell commands, no module run.

Why: every template or copy task runs a Python module on the host (stat,
then copy), about 0.25 s of CPU each, most of it compiling module_utils from
the payload zip. A role's data files compared in one shell command cost a few
milliseconds, which is what lets a customer change land in seconds.
"""

import hashlib
import os
import shlex

from ansible import constants as C
from ansible.errors import AnsibleActionFail
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.template import trust_as_template

from ansible_collections.v6only.gateway.plugins.plugin_utils._shell_action import ShellAction
from ansible_collections.v6only.gateway.plugins.module_utils._put_files import (
    apply_script, compare_script, normalize, plan, prune_globs, split_found, validate_script)


class ActionModule(ShellAction):
    """Compare every file in one command; upload, validate and move only the changed ones."""

    def run(self, tmp=None, task_vars=None):
        result = super().run(tmp, task_vars)
        task_vars = task_vars or {}
        try:
            wanted = [dict(spec, content=self._content(spec, task_vars))
                      for spec in normalize(self._task.args.get("files"))]
            globs = prune_globs(self._task.args.get("prune"))
            found = self._run(compare_script([f["dest"] for f in wanted], globs), "compare the files")
            lines, pruned = split_found(found["stdout"].splitlines(), wanted)
            changes = plan(wanted, lines, sha1)
        except ValueError as error:
            raise AnsibleActionFail(str(error)) from error
        result.update(changed=bool(changes or pruned), changed_files=[c["dest"] for c in changes], removed_files=pruned)
        # A no_log task's result is censored in output but not in a registered variable.
        if self._task.diff and not self._task.no_log and (changes or pruned):
            result["diff"] = [self._diff(change) for change in changes] + [self._removal(path) for path in pruned]
        if (changes or pruned) and not self._task.check_mode:
            self._write(changes, pruned)
        return result

    def _content(self, spec, task_vars):
        """The file's text; a template is rendered as the template action does, with a shallow copy of the
        variables (the template lookup deep-copies them: seconds at thousands of customers)."""
        if "src" not in spec:
            return spec["content"]
        source = self._find_needle("templates", spec["src"])
        bases = task_vars.get("ansible_search_path", []) + [self._loader._basedir, os.path.dirname(source)]
        variables = dict(task_vars)
        variables.setdefault("ansible_managed", C.config.get_config_value("DEFAULT_MANAGED_STR"))
        templar = self._templar.copy_with_new_env(
            searchpath=[path for base in bases for path in (os.path.join(base, "templates"), base)],
            available_variables=variables)
        text = trust_as_template(self._loader.get_text_file_contents(source))
        return templar.template(text, escape_backslashes=False) or ""

    def _run(self, script, doing):
        found = self._shell(script)
        if found["rc"] != 0:
            raise AnsibleActionFail(f"Could not {doing}: {to_text(found['stderr']).strip() or found['stdout']}")
        return found

    def _diff(self, change):
        before = ""
        if change["exists"]:
            before = self._run(f"cat -- {shlex.quote(change['dest'])}", f"read {change['dest']}")["stdout"]
        return {"before_header": change["dest"], "after_header": change["dest"],
                "before": before, "after": change["content"] if change["content_changed"] else before}

    def _removal(self, path):
        before = self._run(f"cat -- {shlex.quote(path)}", f"read {path}")["stdout"]
        return {"before_header": path, "after_header": f"{path} (removed)", "before": before, "after": ""}

    def _write(self, changes, pruned):
        """Validate every new file first, so a file that fails touches nothing; then move them all in."""
        tmp = self._make_tmp_path()
        try:
            staged = []
            for number, change in enumerate(changes):
                path = self._connection._shell.join_path(tmp, f"file{number}")
                if change["content_changed"]:
                    self._transfer_data(path, change["content"])
                staged.append(path)
            self._fixup_perms2(staged)
            for change, path in zip(changes, staged):
                if change["content_changed"] and change.get("validate"):
                    checked = self._shell(validate_script(change["validate"], path))
                    if checked["rc"] != 0:
                        raise AnsibleActionFail(
                            f"{change['dest']} failed its check ({change['validate']}); no file was changed: "
                            f"{to_text(checked['stdout']).strip()} {to_text(checked['stderr']).strip()}".strip())
            self._run(apply_script(changes, staged, pruned), "place the files")
        finally:
            self._remove_tmp_path(tmp)


def sha1(text):
    return hashlib.sha1(to_bytes(text)).hexdigest()
