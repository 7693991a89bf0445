"""customer_files: one mapping per file, broken files become data, never a crash."""

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.v6only.gateway.plugins.lookup import customer_files
from ansible_collections.v6only.gateway.plugins.lookup.customer_files import LookupModule
from ansible_collections.v6only.gateway.plugins.plugin_utils import _customer_files
from ansible_collections.v6only.gateway.plugins.plugin_utils._customer_files import load_customer_files


def run(*terms):
    return LookupModule().run(list(terms), variables={})


def write(directory, name, text):
    path = directory / name
    path.write_text(text)
    return str(path)


def test_documents_itself():
    assert "name: customer_files\n" in customer_files.DOCUMENTATION
    assert "v6only.gateway.customer_files" in customer_files.EXAMPLES
    assert "# =>" in customer_files.EXAMPLES
    assert "_list:" in customer_files.RETURN
    for text in (customer_files.DOCUMENTATION, customer_files.EXAMPLES, customer_files.RETURN):
        yaml.safe_load(text)


def test_name_is_the_stem_and_source_the_path(tmp_path):
    bob = write(tmp_path, "bob.yaml", "vms: []\n")
    alice = write(tmp_path, "alice.yml", "---\nprefix: 2001:db8:100:a::/64\nvms: []\n")
    assert run(str(tmp_path)) == [
        {"name": "alice", "file": alice, "error": None, "content": {"prefix": "2001:db8:100:a::/64", "vms": []}},
        {"name": "bob", "file": bob, "error": None, "content": {"vms": []}},
    ]


def test_the_files_keys_never_mix_with_the_loaders(tmp_path):
    """A file that writes `_error:` or `file:` itself only ever sets keys inside `content`."""
    path = write(tmp_path, "mallory.yml", "_error: forged\n_source: /etc/passwd\nfile: x\nerror: y\nvms: []\n")
    assert run(str(tmp_path)) == [{"name": "mallory", "file": path, "error": None, "content": {
        "_error": "forged", "_source": "/etc/passwd", "file": "x", "error": "y", "vms": []}}]


def test_other_files_hidden_files_and_directories_are_ignored(tmp_path):
    write(tmp_path, "README.md", "# customers\n")
    write(tmp_path, ".draft.yml", "vms: []\n")
    write(tmp_path, "alice.yml.bak", "vms: []\n")
    (tmp_path / "old.yml").mkdir()
    assert run(str(tmp_path)) == []


def test_missing_directory_gives_no_customers(tmp_path):
    assert run(str(tmp_path / "customers")) == []


def test_invalid_yaml_becomes_an_error_entry(tmp_path):
    path = write(tmp_path, "carol.yml", "vms: [\n")
    [entry] = run(str(tmp_path))
    assert entry["name"] == "carol"
    assert entry["file"] == path and entry["content"] is None
    assert entry["error"].startswith("is not valid YAML: ")
    assert "\n" not in entry["error"]


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "a list"), ("", "empty"), ("just words\n", "a string")])
def test_not_a_mapping_becomes_an_error_entry(tmp_path, text, kind):
    path = write(tmp_path, "dave.yml", text)
    assert run(str(tmp_path)) == [{"name": "dave", "file": path, "error": "is {0}, not a mapping".format(kind), "content": None}]


def test_duplicate_keys_are_refused(tmp_path):
    write(tmp_path, "erin.yml", "vms: []\nprefix: 2001:db8:100:e::/64\nvms: []\n")
    [entry] = run(str(tmp_path))
    assert "duplicate key 'vms'" in entry["error"]


def test_a_name_inside_the_file_stays_in_the_content_for_validation_to_compare(tmp_path):
    write(tmp_path, "frank.yml", "name: franky\nvms: []\n")
    [frank] = run(str(tmp_path))
    assert frank["name"] == "frank" and frank["content"]["name"] == "franky"


@pytest.mark.parametrize("text", [
    "a: &x [1]\nb: *x\n",
    "vms: &v []\n",
    "a: &a [x, x]\nb: &b [*a, *a]\nc: [*b, *b]\n",
])
def test_anchors_and_aliases_are_refused_before_anything_is_built(tmp_path, text):
    write(tmp_path, "mallory.yml", text)
    [entry] = run(str(tmp_path))
    assert entry["content"] is None
    assert entry["error"].startswith("is not valid YAML: anchors and aliases (&name, *name) are refused in customer files")
    assert entry["error"].endswith("(line 1, column {0})".format(text.index("&") + 1))


def test_an_oversized_file_is_refused_unread_naming_its_size_and_the_cap(tmp_path):
    write(tmp_path, "mallory.yml", "vms: []\n# " + "x" * _customer_files.MAX_FILE_BYTES + "\n")
    [entry] = run(str(tmp_path))
    size = _customer_files.MAX_FILE_BYTES + 11
    assert entry["error"] == "is {0} bytes, over the cap of 262144 bytes (256 KiB)".format(size)
    write(tmp_path, "mallory.yml", "vms: []\n" + "#" * (_customer_files.MAX_FILE_BYTES - 9) + "\n")
    assert run(str(tmp_path))[0]["error"] is None


@pytest.mark.parametrize("data, error", [
    (b"vms: [\xff]\n", "is not UTF-8 text (byte 6)"),
    (b"[" * 20000, "nests too deeply to be read"),
    (b"vms: []\n\x00", "is not valid YAML: the control character U+0000 at character 9 is not allowed"),
    (b"vms: [\x1b[31m]\n", "is not valid YAML: the control character U+001B at character 7 is not allowed"),
])
def test_undecodable_or_absurdly_nested_files_become_error_entries(tmp_path, data, error):
    (tmp_path / "mallory.yml").write_bytes(data)
    assert run(str(tmp_path))[0]["error"] == error


def test_the_same_stem_twice_is_returned_twice_for_validation_to_report(tmp_path):
    write(tmp_path, "alice.yml", "vms: []\n")
    write(tmp_path, "alice.yaml", "vms: []\n")
    assert [(c["name"], c["file"].rsplit("/", 1)[1]) for c in run(str(tmp_path))] == [
        ("alice", "alice.yaml"), ("alice", "alice.yml")]


def test_several_directories_are_concatenated(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    write(tmp_path / "a", "alice.yml", "vms: []\n")
    write(tmp_path / "b", "bob.yml", "vms: []\n")
    assert [c["name"] for c in run(str(tmp_path / "a"), str(tmp_path / "b"))] == ["alice", "bob"]


def test_lookup_matches_the_loading_function(tmp_path):
    write(tmp_path, "alice.yml", "vms: []\n")
    assert run(str(tmp_path)) == load_customer_files(str(tmp_path))


def test_a_term_that_is_not_a_path_is_refused():
    with pytest.raises(AnsibleLookupError, match="expects a directory path"):
        run(42)
