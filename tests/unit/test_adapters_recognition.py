"""Reports are recognised by their header names, never by position or file name."""

from __future__ import annotations

import pytest

from pipelines.ingest.adapters import recognise
from pipelines.ingest.adapters.base import normalise
from pipelines.ingest.adapters.reading import header_of
from pipelines.ingest.inbox import CONTRACT, NEAR_REPORT, REPORT, UNKNOWN, classify
from tests.unit.marketplace_seller import REPORTS


def recognised(name: str):
    content = (REPORTS / name).read_bytes()
    return recognise(header_of(name, content))


@pytest.mark.parametrize(("name", "adapter", "version"), [
    ("amazon_all_orders_2026-05-20.txt", "amazon_all_orders", ""),
    ("amazon_fba_inventory_18col_2018-11-02.txt", "amazon_fba_inventory", "18 columns"),
    ("amazon_fba_inventory_21col.txt", "amazon_fba_inventory", "21 columns"),
    ("amazon_fba_inventory_26col_20260520.txt", "amazon_fba_inventory", "26 columns"),
    ("amazon_inventory_ledger_summary.txt", "amazon_inventory_ledger", ""),
    ("amazon_reserved_inventory_2026-05-20.txt", "amazon_reserved_inventory", ""),
    ("amazon_awd_inventory_2026-05-20.json", "amazon_awd_inventory", ""),
    ("amazon_awd_inventory_fields.csv", "amazon_awd_inventory", ""),
    ("amazon_restock_inventory_2026-05-20.txt", "amazon_restock_inventory", ""),
    ("ebay_orders_report.csv", "ebay_orders", ""),
    ("ebay_orders_report_cp1252.csv", "ebay_orders", ""),
    ("shopify_orders_export.csv", "shopify_orders", ""),
    ("walmart_us_inventory_2026-05-20.csv", "walmart_inventory", "US"),
    ("walmart_ca_inventory.csv", "walmart_inventory", "Canada"),
])
def test_every_report_fixture_is_recognised_with_its_version(name, adapter, version):
    recognition = recognised(name)
    assert recognition is not None and recognition.complete
    assert (recognition.adapter.name, recognition.version) == (adapter, version)


def test_header_names_compare_without_case_bom_spaces_or_separator_style():
    assert normalise("\ufeff Merchant SKU ") == normalise("merchant-sku") == normalise("MERCHANT_SKU") == "merchant_sku"


def test_reordered_columns_extra_columns_and_other_separator_style_still_match():
    header = ["Quantity", "My own note", "custom_label", "SALE-DATE", "order number"]
    recognition = recognise(header)
    assert recognition.adapter.name == "ebay_orders" and recognition.complete
    assert recognition.columns["custom_label"] == "custom_label"


def test_missing_optional_columns_do_not_matter():
    recognition = recognise(["sku", "afn-fulfillable-quantity", "afn-unsellable-quantity", "afn-reserved-quantity"])
    assert recognition.adapter.name == "amazon_fba_inventory" and recognition.complete


def test_known_report_missing_a_required_column_is_named_with_what_it_lacks():
    recognition = recognised("amazon_all_orders_missing_sku.txt")
    assert recognition.adapter.name == "amazon_all_orders"
    assert recognition.missing == ["sku"]


def test_report_we_do_not_read_is_not_taken_for_another():
    assert recognised("amazon_afn_inventory_unsupported.txt") is None


def test_inbox_classification_tells_contract_files_reports_near_misses_and_unknown_files():
    contract_file = b"order_id,ordered_at,channel,listing_sku,quantity,status\nO-1,2026-05-01,amazon,A,1,paid\n"
    assert classify("orders.csv", contract_file).kind == CONTRACT
    assert classify("orders.csv", contract_file).feed == "orders"
    for name, kind in (("shopify_orders_export.csv", REPORT), ("amazon_all_orders_missing_sku.txt", NEAR_REPORT),
                       ("amazon_afn_inventory_unsupported.txt", UNKNOWN)):
        assert classify(name, (REPORTS / name).read_bytes()).kind == kind, name


def test_near_miss_reason_names_the_report_and_the_missing_columns():
    classified = classify("x.txt", (REPORTS / "amazon_all_orders_missing_sku.txt").read_bytes())
    assert classified.problem == "looks like the Amazon All Orders report but lacks the required column sku"


def test_unknown_file_reason_lists_the_formats_read():
    classified = classify("x.txt", (REPORTS / "amazon_afn_inventory_unsupported.txt").read_bytes())
    assert classified.problem.startswith("not a format Stockpilot reads (header: seller-sku, fulfillment-channel-sku")
    for title in ("Amazon All Orders report", "Amazon Manage FBA Inventory report", "eBay Seller Hub orders report",
                  "Shopify orders export", "Walmart Marketplace inventory report", "landing contract (orders"):
        assert title in classified.problem


def test_ledger_detail_view_is_not_taken_for_a_broken_summary():
    detail = ["Date", "FNSKU", "ASIN", "MSKU", "Title", "EventType", "ReferenceID", "Quantity", "FulfillmentCenter",
              "Disposition", "Reason", "Country", "ReconciledQuantity", "UnreconciledQuantity"]
    assert recognise(detail) is None
