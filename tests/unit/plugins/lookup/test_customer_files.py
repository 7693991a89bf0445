"""customer_files: one mapping per file, broken files become data, never a crash."""

import pytest
import yaml
from ansible.errors import AnsibleLookupError

from ansible_collections.v6only.gateway.plugins.lookup import customer_files
from ansible_collections.v6only.gateway.plugins.lookup.customer_files import LookupModule
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
        {"name": "alice", "_source": alice, "prefix": "2001:db8:100:a::/64", "vms": []},
        {"name": "bob", "_source": bob, "vms": []},
    ]


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
    assert entry["_source"] == path
    assert entry["_error"].startswith("is not valid YAML: ")
    assert "\n" not in entry["_error"]


@pytest.mark.parametrize("text, kind", [("- a\n- b\n", "a list"), ("", "empty"), ("just words\n", "a string")])
def test_not_a_mapping_becomes_an_error_entry(tmp_path, text, kind):
    path = write(tmp_path, "dave.yml", text)
    assert run(str(tmp_path)) == [{"name": "dave", "_source": path, "_error": "is {0}, not a mapping".format(kind)}]


def test_duplicate_keys_are_refused(tmp_path):
    write(tmp_path, "erin.yml", "vms: []\nprefix: 2001:db8:100:e::/64\nvms: []\n")
    [entry] = run(str(tmp_path))
    assert "duplicate key 'vms'" in entry["_error"]


def test_a_name_inside_the_file_is_flagged_when_it_disagrees(tmp_path):
    write(tmp_path, "frank.yml", "name: franky\nvms: []\n")
    write(tmp_path, "gina.yml", "name: gina\nvms: []\n")
    frank, gina = run(str(tmp_path))
    assert frank["name"] == "frank" and frank["_name_in_file"] == "franky"
    assert gina["name"] == "gina" and "_name_in_file" not in gina


def test_the_same_stem_twice_is_returned_twice_for_validation_to_report(tmp_path):
    write(tmp_path, "alice.yml", "vms: []\n")
    write(tmp_path, "alice.yaml", "vms: []\n")
    assert [(c["name"], c["_source"].rsplit("/", 1)[1]) for c in run(str(tmp_path))] == [
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
