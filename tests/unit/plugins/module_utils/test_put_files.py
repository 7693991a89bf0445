"""put_files' planning, and its shell scripts run for real with sh and coreutils in a temporary directory."""

import hashlib
import os
import subprocess

import pytest

from ansible_collections.v6only.gateway.plugins.module_utils._put_files import (
    apply_script, compare_script, files_in, normalize, plan, prune_globs, split_found, validate_script)


def sha1(text):
    return hashlib.sha1(text.encode()).hexdigest()


def sh(script):
    return subprocess.run(["sh", "-c", script], capture_output=True, text=True, check=False)


def test_normalize_fills_the_default_mode_and_leaves_ownership_alone():
    assert normalize([{"dest": "/a", "content": "x"}]) == [{"dest": "/a", "content": "x", "mode": "0644"}]


def test_normalize_names_every_bad_entry_at_once():
    with pytest.raises(ValueError) as error:
        normalize([{"dest": "a", "content": ""}, {"dest": "/b"}, {"dest": "/c", "content": "", "mode": "0648"},
                   {"dest": "/c", "src": "t.j2", "colour": 1}, {"dest": "/d", "content": "", "validate": "true"}])
    message = str(error.value)
    for fragment in ("entry 1: dest must be an absolute path", "entry 2 (/b): give exactly one of src and content",
                     "entry 3 (/c): mode must be octal", "entry 4: /c is listed twice",
                     "entry 4 (/c): unknown keys colour", "entry 5 (/d): validate must contain %s"):
        assert fragment in message


@pytest.mark.parametrize("files", [None, [], "x", ["x"]])
def test_normalize_refuses_what_is_not_a_list_of_files(files):
    with pytest.raises(ValueError):
        normalize(files)


def test_compare_then_plan_sees_content_mode_and_absence(tmp_path):
    same, other, loose = tmp_path / "same", tmp_path / "other", tmp_path / "loose"
    for path in (same, other, loose):
        path.write_text("old\n")
    os.chmod(same, 0o644)
    os.chmod(other, 0o644)
    os.chmod(loose, 0o666)
    wanted = normalize([{"dest": str(same), "content": "old\n"}, {"dest": str(other), "content": "new\n"},
                        {"dest": str(loose), "content": "old\n"}, {"dest": str(tmp_path / "absent"), "content": ""},
                        {"dest": str(tmp_path / "it's spaced"), "content": ""}])
    found = sh(compare_script([f["dest"] for f in wanted]))
    assert found.returncode == 0, found.stderr
    lines, pruned = split_found(found.stdout.splitlines(), wanted)
    assert pruned == []
    changes = plan(wanted, lines, sha1)
    assert [(c["dest"].rsplit("/", 1)[1], c["exists"], c["content_changed"]) for c in changes] == [
        ("other", True, True), ("loose", True, False), ("absent", False, True), ("it's spaced", False, True)]


def test_plan_compares_ownership_only_where_given():
    found = [f"{sha1('x')} 644 daemon daemon"]
    assert plan(normalize([{"dest": "/a", "content": "x"}]), found, sha1) == []
    assert plan(normalize([{"dest": "/a", "content": "x", "group": "daemon"}]), found, sha1) == []
    assert plan(normalize([{"dest": "/a", "content": "x", "owner": "root"}]), found, sha1)[0]["content_changed"] is False


def test_apply_sets_only_the_ownership_given(tmp_path):
    path = tmp_path / "file"
    path.write_text("x")
    os.chown(path, 1, 1)
    change = dict(normalize([{"dest": str(path), "content": "x", "group": "root"}])[0], content_changed=False)
    assert sh(apply_script([change], [""])).returncode == 0
    assert (path.stat().st_uid, path.stat().st_gid) == (1, 0)


def test_plan_refuses_output_it_cannot_pair():
    with pytest.raises(ValueError, match="expected 1 lines"):
        plan(normalize([{"dest": "/a", "content": ""}]), [], sha1)


def test_apply_places_new_content_and_fixes_modes(tmp_path):
    staged, dest, loose = tmp_path / "staged", tmp_path / "dir" / "file", tmp_path / "loose"
    dest.parent.mkdir()
    staged.write_text("new\n")
    loose.write_text("keep\n")
    os.chmod(loose, 0o666)
    changes = [dict(normalize([{"dest": str(dest), "content": "new\n", "mode": "0600"}])[0], content_changed=True),
               dict(normalize([{"dest": str(loose), "content": "keep\n"}])[0], content_changed=False)]
    done = sh(apply_script(changes, [str(staged), str(tmp_path / "unused")]))
    assert done.returncode == 0, done.stderr
    assert dest.read_text() == "new\n" and oct(dest.stat().st_mode & 0o7777) == "0o600"
    assert loose.read_text() == "keep\n" and oct(loose.stat().st_mode & 0o7777) == "0o644"
    assert sorted(p.name for p in dest.parent.iterdir()) == ["file"]


def test_apply_fails_when_the_directory_is_missing(tmp_path):
    staged = tmp_path / "staged"
    staged.write_text("x")
    change = dict(normalize([{"dest": str(tmp_path / "no" / "file"), "content": "x"}])[0], content_changed=True)
    assert sh(apply_script([change], [str(staged)])).returncode != 0


def test_validate_runs_on_the_staged_copy(tmp_path):
    staged = tmp_path / "it's staged"
    staged.write_text("ok\n")
    assert sh(validate_script("grep -q ok %s", str(staged))).returncode == 0
    assert sh(validate_script("grep -q bad %s", str(staged))).returncode != 0


def test_files_in_places_each_text_under_the_directory():
    assert files_in({"b.map": "2", "a.map": "1"}, "/etc/maps", mode="0600") == [
        {"dest": "/etc/maps/a.map", "content": "1", "mode": "0600"},
        {"dest": "/etc/maps/b.map", "content": "2", "mode": "0600"}]


def test_prune_lists_only_unlisted_matches(tmp_path):
    for name in ("kept.map", "stale.map", "other.txt"):
        (tmp_path / name).write_text("x")
    wanted = normalize([{"dest": str(tmp_path / "kept.map"), "content": "x"},
                        {"dest": str(tmp_path / "new.map"), "content": "y"}])
    found = sh(compare_script([f["dest"] for f in wanted], prune_globs([f"{tmp_path}/*.map", "/nonexistent/*.map"])))
    assert found.returncode == 0, found.stderr
    lines, pruned = split_found(found.stdout.splitlines(), wanted)
    assert len(lines) == 2 and pruned == [str(tmp_path / "stale.map")]
    assert sh(apply_script([], [], pruned)).returncode == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kept.map", "other.txt"]


@pytest.mark.parametrize("glob", ["relative/*.map", "/etc/$(reboot)*", "/etc/a b", None])
def test_prune_refuses_globs_the_shell_could_misread(glob):
    with pytest.raises(ValueError):
        prune_globs([glob])
