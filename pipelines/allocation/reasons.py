"""Why each channel shows what it shows, in words (docs REFERENCES: "every suggestion needs its
reason and the inputs it used").

Examples (demo data):
``walmart 49%: 3.0x ebay's velocity, higher fee (4.10 vs 3.39/unit), priority 4 vs 2; 248 of 506
sellable at WH-MAIN 506; buffer 13 (5% of 248, rounded up) → publishes 235, and 1 ship later (in
transit to WFS-CENTRAL 1)``
``amazon shared: 138 sellable at WH-MAIN 135, FBA-WEST 2, FBA-EAST 1, less 20 dedicated to walmart
20; buffer 6 (5% of 118, rounded up) → publishes 112, and 3 ship later (in transit to FBA-CENTRAL 3)``
"""

from __future__ import annotations

import pandas as pd

KEYS = ["sku", "channel"]


def _buffer_text(buffer: int, basis: str, pct: float, allocated: int) -> str:
    if basis == "percent":
        return f"buffer {buffer} ({pct:g}% of {allocated}, rounded up)"
    if basis == "units":
        return f"buffer {buffer} (fixed units" + (f", more than {pct:g}%" if pct > 0 else "") + ")"
    return "no buffer"


def _velocity_text(v: float, other: str, vo: float) -> str:
    if v > 0 and vo > 0:
        ratio = v / vo
        return f"{ratio:.1f}x {other}'s velocity" if ratio >= 0.1 else f"{ratio:.2f}x {other}'s velocity"
    if v > 0:
        return f"sells {v:.2f}/day, {other} nothing"
    if vo > 0:
        return f"no sales vs {other}'s {vo:.2f}/day"
    return f"no sales here or on {other}"


def _fee_text(fee: float, other_fee: float) -> str:
    if fee > other_fee + 0.005:
        return f"higher fee ({fee:.2f} vs {other_fee:.2f}/unit)"
    if fee < other_fee - 0.005:
        return f"lower fee ({fee:.2f} vs {other_fee:.2f}/unit)"
    return f"same fee ({fee:.2f}/unit)"


def _located(parts: pd.DataFrame) -> pd.Series:
    """'WH-MAIN 40, FBA-EAST 21' per (sku, channel): the units at each location, most first."""
    return (parts.sort_values(["units", "location_id"], ascending=[False, True])
            .assign(text=lambda f: f["location_id"] + " " + f["units"].astype(str))
            .groupby(KEYS)["text"].agg(", ".join))


def allocation_reasons(table: pd.DataFrame, parts: pd.DataFrame, slices: pd.DataFrame,
                       channels: pd.DataFrame, later_parts: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """(reason, pool_locations) per row of ``table``.

    ``table``: sku, channel, mode, sellable_pool, allocated, buffer, buffer_basis,
    publishable_quantity, ships_later_quantity, velocity, fee_per_unit, priority, score.
    ``parts``: participants (sku, location_id, channel, units) of the on-hand split;
    ``slices``: its dedicated slices (sku, location_id, channel, units); ``later_parts``:
    participants of the ships-later split (units in transit to run-out locations).
    """
    locs = _located(parts)
    arriving = _located(later_parts)
    taken = (parts[[*KEYS, "location_id"]].merge(slices.rename(columns={"channel": "taker"}),
                                                 on=["sku", "location_id"])
             .query("taker != channel").groupby([*KEYS, "taker"], as_index=False)["units"].sum())
    taken_text = (taken.sort_values("units", ascending=False)
                  .assign(text=lambda f: f["taker"] + " " + f["units"].astype(str))
                  .groupby(KEYS)["text"].agg(", ".join))
    taken_units = taken.groupby(KEYS)["units"].sum()
    # the strongest other channel selling from the same locations, for a dedicated reason
    rivals = (parts[[*KEYS, "location_id"]].merge(parts[["sku", "location_id", "channel"]]
                                                   .rename(columns={"channel": "rival"}), on=["sku", "location_id"])
              .query("rival != channel")[[*KEYS, "rival"]].drop_duplicates()
              .merge(table[KEYS + ["score"]].rename(columns={"channel": "rival", "score": "rival_score"}),
                     on=["sku", "rival"])
              .sort_values(["rival_score", "rival"], ascending=[False, True]).drop_duplicates(KEYS))
    by_key = table.set_index(KEYS)
    pct = channels.set_index("channel")["buffer_pct"].astype(float).to_dict()
    reasons, pools = [], []
    rival_of = rivals.set_index(KEYS)["rival"].to_dict()
    for row in table.itertuples(index=False):
        key = (row.sku, row.channel)
        where = locs.get(key, "")
        pools.append(where or None)
        buffer = _buffer_text(int(row.buffer), row.buffer_basis, pct.get(row.channel, 0.0), int(row.allocated))
        tail = f"; {buffer} → publishes {int(row.publishable_quantity)}"
        later = (f"{int(row.ships_later_quantity)} ship later (in transit to {arriving.get(key, '')})"
                 if row.ships_later_quantity > 0 else "")
        if later:
            tail += f", and {later}"
        if row.sellable_pool <= 0:
            reasons.append(f"{row.channel} {row.mode}: nothing sellable at the locations that serve it"
                           + (f"; {later}" if later else ""))
            continue
        if row.mode == "dedicated":
            share = row.allocated / row.sellable_pool
            rival = rival_of.get(key)
            if rival is None:
                why = f"the only channel selling from {where}"
            else:
                other = by_key.loc[(row.sku, rival)]
                why = (f"{_velocity_text(row.velocity, rival, other['velocity'])}, "
                       f"{_fee_text(row.fee_per_unit, other['fee_per_unit'])}, "
                       f"priority {int(row.priority)} vs {int(other['priority'])}")
            reasons.append(f"{row.channel} {share:.0%}: {why}; {int(row.allocated)} of "
                           f"{int(row.sellable_pool)} sellable at {where}{tail}")
        else:
            less = (f", less {int(taken_units[key])} dedicated to {taken_text[key]}"
                    if key in taken_units.index else "")
            reasons.append(f"{row.channel} shared: {int(row.sellable_pool)} sellable at {where}{less}{tail}")
    return pd.Series(reasons, index=table.index), pd.Series(pools, index=table.index, dtype=object)
