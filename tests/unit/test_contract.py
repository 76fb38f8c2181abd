"""The landing contract is consistent with itself and with docs/data-contract.md."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import contract

DOC = Path(__file__).resolve().parents[2] / "docs" / "data-contract.md"
START, END = "<!-- contract:start -->", "<!-- contract:end -->"


@pytest.mark.parametrize("feed", contract.ALL_FEEDS, ids=lambda f: f.name)
def test_key_columns_are_required_columns_of_the_feed(feed):
    for name in feed.key:
        col = feed.column(name)
        # line_id and similar optional keys have a documented default instead.
        assert col.required or name in ("line_id",), name


@pytest.mark.parametrize("feed", contract.ALL_FEEDS, ids=lambda f: f.name)
def test_references_point_at_reference_table_columns(feed):
    for col in feed.columns:
        if col.references:
            table, ref_col = col.references.split(".")
            assert ref_col in contract.FEEDS_BY_NAME[table].column_names
            assert contract.FEEDS_BY_NAME[table].reference
    for cols, table, ref_cols in feed.composite_references:
        assert set(cols) <= set(feed.column_names)
        assert set(ref_cols) <= set(contract.FEEDS_BY_NAME[table].column_names)


@pytest.mark.parametrize("feed", contract.ALL_FEEDS, ids=lambda f: f.name)
def test_enum_defaults_are_allowed_values(feed):
    for col in feed.columns:
        if col.type == "enum":
            assert col.allowed, col.name
            assert col.default is None or col.default in col.allowed


def test_required_columns_have_no_default():
    for feed in contract.ALL_FEEDS:
        for col in feed.columns:
            assert not (col.required and col.default is not None), f"{feed.name}.{col.name}"


def test_raw_table_ddl_lists_contract_then_lineage_columns():
    ddl = contract.raw_table_ddl(contract.STOCK_SNAPSHOTS)
    assert ddl.index('"snapshot_date" DATE') < ddl.index('"on_hand" BIGINT') < ddl.index("_source_file")
    assert "_row_number BIGINT" in ddl and "_loaded_at TIMESTAMP" in ddl


def test_docs_data_contract_matches_the_code():
    text = DOC.read_text(encoding="utf-8")
    generated = text.split(START, 1)[1].split(END, 1)[0].strip()
    assert generated == contract.render_markdown().strip(), (
        "docs/data-contract.md is out of date: run `stockpilot contract` and paste its output "
        "between the contract markers")


def test_defaults_from_another_column_name_an_existing_column_of_an_optional_one():
    for feed in contract.ALL_FEEDS:
        for col in feed.columns:
            if col.default_from:
                assert not col.required, f"{feed.name}.{col.name}"
                feed.column(col.default_from)
