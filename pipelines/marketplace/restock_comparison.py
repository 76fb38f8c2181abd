"""Amazon's Restock Inventory recommendation next to Stockpilot's plan, per SKU at the FBA
location (``marts.restock_comparison``), with why they differ in words.

Both answer "how many units to send to FBA, and by when". Each recommendation is roughly

    quantity ≈ days of supply planned × demand per day − (available + inbound)

so the difference (ours − Amazon's) splits into four parts, in units:

- demand:    Amazon's days × (our forecast per day − Amazon's sales per day over the last 30 days)
- cover:     our forecast per day × (our days − Amazon's days)
- available: Amazon's available units − ours
- inbound:   Amazon's inbound units − what we count on the way (in transit and planned)

Amazon's days planned = (its recommendation + available + inbound) / its sales per day (Amazon's
restock logic covers lead time plus a supply target; the report does not say which), known only
when it recommends something (recommending nothing says only that the stock lasts). Ours =
order-up-to / forecast per day: the lead time of the usual lane, the review period, the cover days
and the safety stock of ``marts.replenishment_targets``. The reason names the parts worth at least
one unit and 5 % of the larger quantity, largest first; and when we send nothing, that the
position is still above our reorder point (min/max: we top up only below it).

Stockpilot's quantity is tonight's transfer orders to the FBA location; where only purchases
reach it, the units that bring its position up to order-up-to when it is below the reorder point.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd
import pyarrow as pa

#: Output columns and their types (the table keeps its types on an empty night).
COLUMNS = {
    "as_of": "date", "report_date": "date", "location_id": "string", "sku": "string",
    "amazon_quantity": "Int64", "amazon_ship_date": "date", "amazon_action": "string", "amazon_alert": "string",
    "stockpilot_quantity": "Int64", "stockpilot_ship_date": "date", "stockpilot_plan": "string",
    "quantity_difference": "Int64",
    "amazon_sales_per_day": "float64", "stockpilot_forecast_per_day": "float64",
    "amazon_days_planned": "float64", "stockpilot_days_planned": "float64",
    "amazon_available": "Int64", "stockpilot_available": "Int64",
    "amazon_inbound": "Int64", "stockpilot_inbound": "Int64",
    "amazon_days_of_supply": "float64", "stockpilot_days_of_cover": "float64",
    "difference_reason": "string",
}
#: A part of the difference is named when it is worth at least this share of the larger quantity.
MATERIAL_SHARE = 0.05
#: Amazon's restock report counts sales over this many days.
AMAZON_SALES_DAYS = 30


@dataclass
class ComparisonInputs:
    """What the comparison reads, as the warehouse holds it."""

    as_of: date
    restock: pd.DataFrame  # latest raw.amazon_restock per location: report_date, location_id, sku,
    #                        recommended_quantity, recommended_ship_date, recommended_action, alert,
    #                        available, inbound, units_sold_30d, days_of_supply
    targets: pd.DataFrame  # marts.replenishment_targets
    transfers: pd.DataFrame  # marts.transfer_orders: sku, from_location, to_location, mode, quantity, ship_by
    purchases: pd.DataFrame  # marts.purchase_suggestions: sku, supplier_id, order_by
    in_transit: pd.DataFrame  # marts.in_transit: sku, quantity, origin_id, destination_id, status


def _int(value) -> int | None:
    return None if value is None or pd.isna(value) else int(value)


def _float(value) -> float | None:
    return None if value is None or pd.isna(value) else float(value)


def _day(value) -> date | None:
    return None if value is None or pd.isna(value) else pd.Timestamp(value).date()


def _g(value: float) -> str:
    return f"{value:.1f}".removesuffix(".0")


def _on_the_way(lines: pd.DataFrame) -> str:
    """``120 in transit from AWD-EAST, 40 planned from SUP-1``."""
    if lines.empty:
        return ""
    kind = np.where(lines["status"].eq("planned"), "planned", "in transit")
    grouped = lines.assign(kind=kind).groupby(["kind", "origin_id"], sort=True)["quantity"].sum()
    return ", ".join(f"{int(q)} {k} from {origin}" for (k, origin), q in grouped.items())


def _stockpilot_plan(sku: str, location: str, target: pd.Series | None, transfers: pd.DataFrame,
                     purchases: pd.DataFrame, as_of: date) -> tuple[int, date | None, str]:
    """(quantity, ship date, plan in words) Stockpilot has for the SKU at the location tonight."""
    mine = transfers[(transfers["sku"] == sku) & (transfers["to_location"] == location)]
    if len(mine):
        totals = mine.groupby(["from_location", "mode"], sort=True)["quantity"].sum()
        lanes = ", ".join(f"{int(q)} from {src} by {mode}" for (src, mode), q in totals.items())
        return int(mine["quantity"].sum()), _day(mine["ship_by"].min()), f"transfer: {lanes}"
    if target is None:
        return 0, None, "none: no forecast demand or stock here"
    if target["replenished_by"] == "purchase" and bool(target["needs_replenishment"]):
        need = max(int(target["order_up_to"]) - int(target["inventory_position"]), 0)
        bought = purchases[purchases["sku"] == sku]
        order_by = _day(bought["order_by"].min()) if len(bought) else as_of
        return need, max(order_by, as_of) if order_by else as_of, f"purchase from {target['source_id']}"
    if bool(target["needs_replenishment"]):
        return 0, None, "none tonight: no source has stock to send"
    return 0, None, (f"none: position {int(target['inventory_position'])} is not below the reorder point "
                     f"{int(target['reorder_point'])}")


def _parts(amazon: dict, ours: dict, target: pd.Series | None, on_the_way: str) -> list[tuple[float, str]]:
    """(units, sentence) for each part of the difference that can be measured."""
    parts: list[tuple[float, str]] = []
    ra, rs = amazon["rate"], ours["rate"]
    da, ds = amazon["days"], ours["days"]
    if target is not None and ra is not None and rs is not None and da is not None and ds is not None:
        lane = (f"{_g(float(target['lead_time_days']))}-day {target['mode']} lead time from {target['source_id']}"
                if pd.notna(target["mode"]) and pd.notna(target["source_id"])
                else f"{_g(float(target['lead_time_days']))}-day lead time")
        parts.append((rs * (ds - da), f"Amazon plans {da:.0f} days of supply, we plan {ds:.0f} ({lane} + "
                                      f"{_g(float(target['review_period_days']))}-day review, cover days and "
                                      "safety stock)"))
        parts.append((da * (rs - ra), f"Amazon sells {ra:.1f}/day over the last {AMAZON_SALES_DAYS} days, our "
                                      f"forecast is {rs:.1f}/day"))
    if amazon["inbound"] is not None and ours["inbound"] is not None:
        detail = f" ({on_the_way})" if on_the_way else ""
        parts.append((amazon["inbound"] - ours["inbound"],
                      f"Amazon sees {amazon['inbound']} inbound; we count {ours['inbound']} on the way{detail}"))
    if amazon["available"] is not None and ours["available"] is not None:
        parts.append((amazon["available"] - ours["available"],
                      f"Amazon counts {amazon['available']} available, we count {ours['available']}"))
    return parts


def _reason(amazon: dict, ours: dict, target: pd.Series | None, plan: str, on_the_way: str) -> str:
    if amazon["quantity"] is None:
        return "Amazon's latest restock report does not list this SKU"
    if target is None:
        return f"we plan nothing: {plan.removeprefix('none: ')}"
    same = ours["quantity"] == amazon["quantity"]
    sentences = ["same quantity"] if same else []
    if not same and ours["quantity"] == 0 and plan.startswith("none"):
        sentences.append(f"we send nothing yet: {plan.removeprefix('none: ')} (we top up only below it, then "
                         f"up to {int(target['order_up_to'])})")
    larger = max(ours["quantity"], amazon["quantity"])
    threshold = max(1.0, MATERIAL_SHARE * larger)
    material = sorted((p for p in _parts(amazon, ours, target, on_the_way) if abs(p[0]) >= threshold),
                      key=lambda p: -abs(p[0]))
    sentences += [text for _, text in material]
    if not material:
        sentences.append("demand, cover and stock agree" if same else
                         "demand, cover and stock agree; the rest is our safety stock and case-pack rounding")
    return "; ".join(sentences)


def compare_restock(inputs: ComparisonInputs) -> pd.DataFrame:
    """One row per SKU and FBA location of the latest restock report, plus SKUs we send to that
    location that the report does not list (columns: ``COLUMNS``)."""
    restock, targets = inputs.restock, inputs.targets
    rows = []
    locations = sorted(restock["location_id"].unique()) if len(restock) else []
    for location in locations:
        report = restock[restock["location_id"] == location]
        report_date = _day(report["report_date"].max())
        ours_here = targets[targets["location_id"] == location].set_index("sku")
        sent_here = inputs.transfers.loc[inputs.transfers["to_location"] == location, "sku"]
        skus = list(report["sku"]) + sorted(set(sent_here) - set(report["sku"]))
        by_sku = report.set_index("sku")
        for sku in skus:
            listed = by_sku.loc[sku] if sku in by_sku.index else None
            target = ours_here.loc[sku] if sku in ours_here.index else None
            quantity, ship_date, plan = _stockpilot_plan(sku, location, target, inputs.transfers, inputs.purchases,
                                                         inputs.as_of)
            lines = inputs.in_transit[(inputs.in_transit["sku"] == sku)
                                      & (inputs.in_transit["destination_id"] == location)]
            on_the_way = _on_the_way(lines)
            amazon = _amazon_figures(listed)
            ours = _our_figures(target, quantity)
            rows.append({
                "as_of": inputs.as_of, "report_date": report_date, "location_id": location, "sku": sku,
                "amazon_quantity": amazon["quantity"],
                "amazon_ship_date": _day(listed["recommended_ship_date"]) if listed is not None else None,
                "amazon_action": listed["recommended_action"] if listed is not None else None,
                "amazon_alert": listed["alert"] if listed is not None else None,
                "stockpilot_quantity": quantity, "stockpilot_ship_date": ship_date, "stockpilot_plan": plan,
                "quantity_difference": None if amazon["quantity"] is None else quantity - amazon["quantity"],
                "amazon_sales_per_day": amazon["rate"], "stockpilot_forecast_per_day": ours["rate"],
                "amazon_days_planned": amazon["days"], "stockpilot_days_planned": ours["days"],
                "amazon_available": amazon["available"], "stockpilot_available": ours["available"],
                "amazon_inbound": amazon["inbound"], "stockpilot_inbound": ours["inbound"],
                "amazon_days_of_supply": _float(listed["days_of_supply"]) if listed is not None else None,
                "stockpilot_days_of_cover": _float(target["days_of_cover"]) if target is not None else None,
                "difference_reason": _reason(amazon, ours, target, plan, on_the_way),
            })
    return conform(pd.DataFrame(rows))


def _amazon_figures(listed: pd.Series | None) -> dict:
    if listed is None:
        return {"quantity": None, "rate": None, "days": None, "available": None, "inbound": None}
    quantity = _int(listed["recommended_quantity"])
    sold = _float(listed["units_sold_30d"])
    rate = None if sold is None else round(sold / AMAZON_SALES_DAYS, 3)
    available, inbound = _int(listed["available"]), _int(listed["inbound"])
    days = None
    # Recommending nothing only says the stock lasts at least that long: no days planned then.
    if rate and quantity:
        days = round((quantity + (available or 0) + (inbound or 0)) / rate, 1)
    return {"quantity": quantity, "rate": rate, "days": days, "available": available, "inbound": inbound}


def _our_figures(target: pd.Series | None, quantity: int) -> dict:
    if target is None:
        return {"quantity": quantity, "rate": None, "days": None, "available": None, "inbound": None}
    rate = _float(target["forecast_daily_units"])
    days = round(float(target["order_up_to"]) / rate, 1) if rate else None
    available = int(target["on_hand"]) - int(target["reserved"]) - int(target["unsellable"])
    inbound = int(target["inbound"]) + int(target["inbound_planned"])
    return {"quantity": quantity, "rate": rate, "days": days, "available": available, "inbound": inbound}


def conform(frame: pd.DataFrame) -> pd.DataFrame:
    """The output columns in order, typed (dates as DATE, also in an empty table)."""
    out = {}
    for column, kind in COLUMNS.items():
        values = frame[column] if column in frame else pd.Series([None] * len(frame), dtype=object)
        if kind == "date":
            days = pd.to_datetime(values).to_numpy().astype("datetime64[D]")
            out[column] = pd.arrays.ArrowExtensionArray(pa.array(days, type=pa.date32(), from_pandas=True))
        else:
            out[column] = values.astype(object).where(values.notna(), None).astype(kind).reset_index(drop=True)
    return pd.DataFrame(out)
