"""Column types of the replenishment tables, so the warehouse tables keep their types on a night
with no rows or a column that happens to be all empty (DuckDB would type it as NULL)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa

_DTYPES = {"text": "string", "int": "Int64", "float": "float64", "bool": "boolean",
           "date": pd.ArrowDtype(pa.date32())}

TARGETS = {
    "as_of": "date", "sku": "text", "location_id": "text", "location_type": "text", "region": "text",
    "sku_status": "text", "abc_class": "text", "service_level": "float", "replenished_by": "text",
    "source_id": "text", "mode": "text", "lead_time_days": "float", "lead_time_std_days": "float",
    "review_period_days": "float", "demand_basis": "text", "forecast_daily_units": "float",
    "demand_std_daily": "float", "lead_time_demand": "float", "lead_time_demand_std": "float",
    "spread_basis": "text", "safety_stock": "int", "reorder_point": "int", "order_up_to": "int",
    "on_hand": "int", "reserved": "int", "unsellable": "int", "inbound": "int", "inbound_planned": "int",
    "inventory_position": "int", "days_of_cover": "float", "projected_stockout_date": "date",
    "reorder_date": "date", "earliest_arrival": "date", "needs_replenishment": "bool", "reason": "text",
}
TRANSFERS = {
    "transfer_id": "text", "shipment_id": "text", "as_of": "date", "sku": "text", "from_location": "text",
    "to_location": "text", "mode": "text", "quantity": "int", "case_pack": "int", "ship_by": "date",
    "expected_arrival": "date", "projected_stockout_date": "date", "arrives_before_stockout": "bool",
    "priority": "int", "is_fallback": "bool", "replaced_source": "text", "lane_delay_days": "float",
    "cost": "float", "co2e_kg": "float", "reason": "text",
}
PLACEMENT = {
    "as_of": "date", "sku": "text", "entry_id": "text", "location_id": "text", "region": "text",
    "forecast_units": "float", "share": "float", "entry_share": "float", "region_share": "float",
    "in_transit_units": "int", "planned_units": "int", "suggested_units": "int", "incoming_units": "int",
    "placed_units": "int", "reason": "text",
}
PURCHASES = {
    "as_of": "date", "sku": "text", "supplier_id": "text", "abc_class": "text", "service_level": "float",
    "quantity": "int", "moq": "int", "case_pack": "int", "order_by": "date", "last_order_date": "date",
    "expected_arrival": "date", "is_urgent": "bool", "stockout_before_arrival": "bool",
    "destination_id": "text", "mode": "text", "placement": "text", "production_lead_time_days": "float",
    "transport_days": "float", "lead_time_days": "float", "lead_time_std_days": "float", "downstream_days": "float",
    "review_period_days": "float", "forecast_daily_units": "float", "lead_time_demand": "float",
    "lead_time_demand_std": "float", "spread_basis": "text", "safety_stock": "int", "reorder_point": "int",
    "order_up_to": "int", "available_units": "int",
    "inbound_units": "int", "on_order_units": "int", "network_position": "int", "position_at_order": "float",
    "days_of_cover": "float", "projected_stockout_date": "date", "unit_cost": "float",
    "purchase_value": "float", "transport_cost": "float", "co2e_kg": "float", "reason": "text",
}


def _date(values: pd.Series) -> pd.Series:
    """Dates, timestamps or datetime64 values as DATE (days: no nanosecond range limit)."""
    if isinstance(values.dtype, pd.ArrowDtype):
        return values.astype(_DTYPES["date"])
    if np.issubdtype(values.dtype, np.datetime64):
        days = values.to_numpy().astype("datetime64[D]")
    else:
        days = np.array(values.astype(object).where(values.notna(), None).to_numpy(), dtype="datetime64[D]")
    return pd.Series(pd.arrays.ArrowExtensionArray(pa.array(days, type=pa.date32(), from_pandas=True)))


def conform(frame: pd.DataFrame | None, schema: dict[str, str]) -> pd.DataFrame:
    """``frame``'s columns of ``schema``, in its order and with its types (missing ones empty)."""
    frame = pd.DataFrame(index=pd.RangeIndex(0)) if frame is None else frame.reset_index(drop=True)
    out = {}
    for col, kind in schema.items():
        values = frame[col] if col in frame else pd.Series([None] * len(frame), dtype=object)
        if kind == "date":
            out[col] = _date(values)
        elif kind == "int":
            out[col] = pd.to_numeric(values).round().astype(_DTYPES[kind])
        elif kind == "text":
            out[col] = values.astype(object).where(values.notna(), None).astype(_DTYPES[kind])
        else:
            out[col] = values.astype(_DTYPES[kind])
    return pd.DataFrame(out)
