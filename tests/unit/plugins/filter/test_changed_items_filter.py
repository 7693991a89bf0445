"""changed_items: what --check predicts from a render loop."""

from ansible_collections.v6only.gateway.plugins.filter.changed_items import FilterModule

changed_items = FilterModule().filters()["changed_items"]

RENDERED = {"results": [
    {"item": {"key": "a.map", "value": 1}, "changed": True},
    {"item": {"key": "b.map", "value": 2}, "changed": False},
    {"item": {"key": "c.map", "value": 3}, "changed": True},
]}


def test_the_changed_items_in_loop_order():
    assert changed_items(RENDERED) == [{"key": "a.map", "value": 1}, {"key": "c.map", "value": 3}]


def test_an_attribute_of_each_changed_item():
    assert changed_items(RENDERED, "key") == ["a.map", "c.map"]


def test_a_skipped_loop_changed_nothing():
    assert changed_items({"skipped": True, "changed": False}) == []
    assert changed_items({"results": [{"item": "main.cf", "skipped": True, "changed": False}]}) == []
