"""docs/data-contract.md documents every report mapping, generated from the adapters."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import contract
from pipelines.ingest.adapters import ADAPTERS
from pipelines.ingest.adapters.documentation import render_markdown

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
START, END = "<!-- adapters:start -->", "<!-- adapters:end -->"


def test_docs_report_mappings_match_the_code():
    text = DOC.read_text(encoding="utf-8")
    generated = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == render_markdown().strip(), (
        "docs/data-contract.md is out of date: run `stockpilot contract --adapters` and paste its output "
        "between the adapters markers")


@pytest.mark.parametrize("adapter", ADAPTERS, ids=lambda a: a.name)
def test_every_mapping_names_a_contract_column_and_every_required_column_is_mapped(adapter):
    feed = contract.FEEDS_BY_NAME[adapter.feed]
    targets = [m.target for m in adapter.mappings]
    assert set(targets) <= set(feed.column_names)
    assert set(feed.required_columns) <= set(targets)
    assert len(targets) == len(set(targets))


def test_adapter_names_are_unique():
    assert len({a.name for a in ADAPTERS}) == len(ADAPTERS)
