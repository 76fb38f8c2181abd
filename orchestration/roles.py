"""Which steps only present the plan: the nightly policy backtest (it measures the plan) and the
HTML report. Their assets carry the tag ``REPORT_ONLY``; no planning asset depends on them, so
when one fails tonight's plan tables are still written, and `stockpilot run` says so with its
own exit code (``orchestration.cli``).
"""

from __future__ import annotations

from collections.abc import Iterable

import dagster as dg

ROLE_TAG = "stockpilot/role"
#: Tags of an asset that only presents: its failure never keeps the plan from being written.
REPORT_ONLY = {ROLE_TAG: "report"}


def is_report_only(tags: dict[str, str]) -> bool:
    return tags.get(ROLE_TAG) == REPORT_ONLY[ROLE_TAG]


def report_only_keys(assets: Iterable[dg.AssetsDefinition]) -> set[dg.AssetKey]:
    return {key for a in assets for key in a.keys if is_report_only(a.tags_by_key.get(key, {}))}


def report_only_nodes(assets: Iterable[dg.AssetsDefinition]) -> set[str]:
    """Names of the nodes (ops or graphs: the first part of a step key) all of whose assets are
    report only."""
    assets = list(assets)
    report = report_only_keys(assets)
    return {a.node_def.name for a in assets if a.keys and set(a.keys) <= report}
