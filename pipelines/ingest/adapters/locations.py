"""Which of the seller's locations a marketplace report stands for.

Reports never name our locations: Amazon's describe "the FBA network" of a marketplace, AWD's
"AWD", Walmart's a ship node. An adapter writes a *role* (``amazon_fc|US``) where a location id
belongs, and this module resolves it against ``reference/locations`` and the ``adapters``
section of config/stockpilot.yaml:

- ``amazon_fc|<market>``: ``adapters.amazon_fba_locations[<market>]`` (a country code or an FC
  code such as PHX7), else its ``"*"`` entry (or its only entry, for a report that names no
  market), else the only location with operator ``amazon`` and type ``fc`` — of the market's
  country when there are several.
- ``amazon_upstream|``: ``adapters.amazon_awd_location``, else the only location with operator
  ``amazon`` and type ``upstream``.
- ``walmart_fc|``: ``adapters.walmart_wfs_location``, else the only location with operator
  ``walmart`` and type ``fc``.
- ``walmart_node|<id>|<name>``: ``adapters.walmart_ship_nodes`` (by id, then name), else the
  location whose id (or name) is the node's; a node named like ``WFS``, or no node at all, is
  the ``walmart_fc`` location.
- ``named|<text>``: the location whose id or name is the text (no failure when none is).

A role that does not resolve fails its row as a missing reference, with the fix in the reason;
the row is retried on every run, so adding the location or the config entry releases it.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

from pipelines.config import AdaptersConfig
from pipelines.warehouse import table_exists

ROLE_SEPARATOR = "|"
_CONFIG_FILE = "config/stockpilot.yaml"


@dataclass(frozen=True)
class Resolution:
    location_id: str  # "" when unresolved
    problem: str = ""  # why not, when unresolved and the role must resolve


def role(kind: str, *parts: str) -> str:
    """A role key: ``role("amazon_fc", "US")`` → ``"amazon_fc|US"``."""
    return ROLE_SEPARATOR.join((kind, *(p.replace(ROLE_SEPARATOR, "/") for p in parts)))


@dataclass
class LocationDirectory:
    """The seller's locations (``raw.locations``) and the adapters config, to resolve roles."""

    locations: pd.DataFrame  # location_id, type, operator, country, name
    config: AdaptersConfig

    @classmethod
    def load(cls, con: duckdb.DuckDBPyConnection, config: AdaptersConfig) -> LocationDirectory:
        if not table_exists(con, "raw", "locations"):
            frame = pd.DataFrame(columns=["location_id", "type", "operator", "country", "name"])
        else:
            frame = con.execute(
                'SELECT location_id, "type", operator, country, name FROM raw.locations').df()
        return cls(frame.fillna("").astype(str), config)

    def resolve(self, key: str) -> Resolution:
        kind, *parts = key.split(ROLE_SEPARATOR)
        if kind == "amazon_fc":
            return self._amazon_fc(parts[0] if parts else "")
        if kind == "amazon_upstream":
            return self._single("amazon", "upstream", self.config.amazon_awd_location,
                                "adapters.amazon_awd_location", "Amazon AWD")
        if kind == "walmart_fc":
            return self._single("walmart", "fc", self.config.walmart_wfs_location,
                                "adapters.walmart_wfs_location", "Walmart WFS")
        if kind == "walmart_node":
            return self._walmart_node(parts[0] if parts else "", parts[1] if len(parts) > 1 else "")
        if kind == "named":
            return Resolution(self._named(parts[0] if parts else ""))
        raise ValueError(f"unknown location role {key!r}")

    # --- the rules ------------------------------------------------------------------------------

    def _known(self, location_id: str, setting: str) -> Resolution:
        if location_id in set(self.locations["location_id"]):
            return Resolution(location_id)
        return Resolution("", f"{setting} in {_CONFIG_FILE} names '{location_id}', which is not in "
                              "reference/locations")

    def _candidates(self, operator: str, kind: str) -> pd.DataFrame:
        loc = self.locations
        return loc[(loc["operator"].str.strip().str.lower() == operator) & (loc["type"] == kind)]

    def _amazon_fc(self, market: str) -> Resolution:
        configured = {k.strip().upper(): v for k, v in self.config.amazon_fba_locations.items()}
        setting = "adapters.amazon_fba_locations"
        if market.upper() in configured:
            return self._known(configured[market.upper()], f"{setting}[{market.upper()}]")
        if "*" in configured:
            return self._known(configured["*"], f"{setting}['*']")
        if not market and len(configured) == 1:
            # a report that names no marketplace (Reserved Inventory) is the seller's only one
            (only, location_id), = configured.items()
            return self._known(location_id, f"{setting}[{only}]")
        candidates = self._candidates("amazon", "fc")
        if len(candidates) > 1 and len(market) == 2:
            in_country = candidates[candidates["country"].str.upper() == market.upper()]
            candidates = in_country if len(in_country) else candidates
        if len(candidates) == 1:
            return Resolution(candidates["location_id"].iloc[0])
        where = f" for marketplace {market}" if market else ""
        if candidates.empty:
            return Resolution("", f"no Amazon FBA location{where} in reference/locations: add one "
                                  f"(operator amazon, type fc) or name it in {setting} in {_CONFIG_FILE}")
        ids = ", ".join(sorted(candidates["location_id"]))
        return Resolution("", f"several Amazon FBA locations{where} ({ids}): name the one Amazon's "
                              f"reports describe in {setting} in {_CONFIG_FILE}")

    def _single(self, operator: str, kind: str, configured: str, setting: str, label: str) -> Resolution:
        if configured:
            return self._known(configured, setting)
        candidates = self._candidates(operator, kind)
        if len(candidates) == 1:
            return Resolution(candidates["location_id"].iloc[0])
        if candidates.empty:
            return Resolution("", f"no {label} location in reference/locations: add one (operator "
                                  f"{operator}, type {kind}) or name it in {setting} in {_CONFIG_FILE}")
        ids = ", ".join(sorted(candidates["location_id"]))
        return Resolution("", f"several {label} locations ({ids}): name the one the reports describe "
                              f"in {setting} in {_CONFIG_FILE}")

    def _named(self, text: str) -> str:
        if not text:
            return ""
        loc = self.locations
        wanted = text.strip().lower()
        hit = loc[(loc["location_id"].str.lower() == wanted) | (loc["name"].str.strip().str.lower() == wanted)]
        return hit["location_id"].iloc[0] if len(hit) == 1 else ""

    def _walmart_node(self, node_id: str, node_name: str) -> Resolution:
        nodes = {k.strip().lower(): v for k, v in self.config.walmart_ship_nodes.items()}
        for key in (node_id, node_name):
            if key and key.strip().lower() in nodes:
                return self._known(nodes[key.strip().lower()], f"adapters.walmart_ship_nodes[{key}]")
        named = self._named(node_id) or self._named(node_name)
        if named:
            return Resolution(named)
        if not node_id and not node_name or "wfs" in f"{node_id} {node_name}".lower():
            return self.resolve(role("walmart_fc"))
        shown = f"'{node_id}'" + (f" ({node_name})" if node_name else "")
        return Resolution("", f"Walmart ship node {shown} is not one of your locations: map it in "
                              f"adapters.walmart_ship_nodes in {_CONFIG_FILE} or give the location "
                              "that id in reference/locations")
