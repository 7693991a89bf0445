"""run_summary and run_summary_text are thin wrappers over _run_summary."""

import pytest
from ansible.errors import AnsibleFilterError

from ansible_collections.v6only.gateway.plugins.filter.run_summary import run_summary
from ansible_collections.v6only.gateway.plugins.filter.run_summary_text import run_summary_text


def test_the_filters_give_the_summary_and_its_lines(lab_model):
    result = run_summary(None, lab_model)
    assert [c["customer"] for c in result["customers"]] == ["alice", "bob"]
    lines = run_summary_text(result, "applied", "70")
    assert lines[:3] == ["Run summary: applied", "2 customers changed, 0 unchanged (first run: everything is new)",
                         "alice: new customer"]
    assert run_summary(result["state"], lab_model, None)["unchanged"] == ["alice", "bob"]


def test_a_broken_recorded_state_is_a_filter_error(lab_model):
    with pytest.raises(AnsibleFilterError, match="run_summary: the recorded run summary is not a version 1 state"):
        run_summary({"customers": "alice"}, lab_model)
    with pytest.raises(AnsibleFilterError, match="run_summary_text"):
        run_summary_text({}, "applied")
