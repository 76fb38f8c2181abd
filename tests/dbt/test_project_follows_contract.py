"""The dbt project mirrors pipelines/contract.py where SQL cannot import it."""

from pathlib import Path

import yaml

from pipelines import contract

DBT_PROJECT_DIR = Path(__file__).resolve().parents[2] / "dbt_project"


def test_status_lists_in_dbt_vars_match_contract():
    project_vars = yaml.safe_load((DBT_PROJECT_DIR / "dbt_project.yml").read_text())["vars"]
    assert tuple(project_vars["open_order_statuses"]) == contract.OPEN_ORDER_STATUSES
    assert tuple(project_vars["shipped_order_statuses"]) == contract.SHIPPED_ORDER_STATUSES
    assert tuple(project_vars["in_transit_shipment_statuses"]) == contract.IN_TRANSIT_SHIPMENT_STATUSES
    assert tuple(project_vars["pending_return_statuses"]) == contract.PENDING_RETURN_STATUSES
    assert tuple(project_vars["stock_location_types"]) == contract.STOCK_LOCATION_TYPES


def test_every_feed_has_a_source_and_one_staging_model():
    sources = yaml.safe_load((DBT_PROJECT_DIR / "models/staging/_raw__sources.yml").read_text())
    declared = {t["name"] for t in sources["sources"][0]["tables"]}
    feeds = contract.ALL_FEEDS + contract.REPORT_FEEDS
    assert declared == {feed.name for feed in feeds}
    staging = {p.stem for p in (DBT_PROJECT_DIR / "models/staging").glob("stg_raw__*.sql")}
    assert staging == {f"stg_raw__{feed.name}" for feed in feeds}
