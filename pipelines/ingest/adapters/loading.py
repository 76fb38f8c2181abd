"""A recognised report file turned into validation input, and its quarantined rows described.

``translate_file`` reads the report, lets its adapter translate it, resolves location roles,
sums rows that describe one contract row, and maps every failure the adapter found to the
output rows, so ``validation.validate`` can treat the result exactly like a contract file.
``describe_bad`` then makes the quarantine speak the report's language: the reason names the
report column, and ``record`` holds the report row's own values plus what retries need
(``_adapter``: the translated values and unresolved location roles), which ``retry_frame``
turns back into contract columns once the missing location or reference exists.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from pipelines import contract
from pipelines.ingest.adapters.base import (
    POSITION,
    ROLE_PREFIX,
    Recognition,
    ReportContext,
    ReportTable,
    Translation,
    summed,
)
from pipelines.ingest.adapters.locations import LocationDirectory
from pipelines.ingest.adapters.reading import read_report
from pipelines.ingest.readers import MalformedRow
from pipelines.ingest.validation import RULE_REFERENCE, PriorFailure

#: Key of a quarantine record's translated values (the other keys are the report's columns).
ADAPTER_KEY = "_adapter"


@dataclass
class TranslatedFile:
    """A report file as contract columns, ready for ``validation.validate``."""

    recognition: Recognition
    data: pd.DataFrame  # the feed's contract columns, as text
    row_numbers: np.ndarray  # the report row of each output row
    prior: list[PriorFailure]
    malformed: list[MalformedRow]
    warnings: list[str]
    read_as: str
    positions: np.ndarray = field(repr=False)  # report row (position) of each output row
    originals: pd.DataFrame = field(repr=False)  # the report's rows as read
    roles: pd.DataFrame = field(repr=False)  # location roles per output row (column → role key)
    sources: dict[str, str] = field(default_factory=dict)

    def describe_bad(self, bad: pd.DataFrame) -> pd.DataFrame:
        """Quarantine rows with reasons naming the report columns and the report's own values."""
        if bad.empty:
            return bad
        bad = bad.copy()
        translated = bad.index < len(self.data)
        if not translated.any():
            return bad
        at = bad.index[translated]
        bad.loc[at, "reason"] = [self._reason(text) for text in bad.loc[at, "reason"]]
        bad.loc[at, "record"] = [self._record(int(i)) for i in at]
        return bad

    def _reason(self, text: str) -> str:
        for column, source in self.sources.items():
            text = re.sub(rf"(^|; ){re.escape(column)}: ", rf"\g<1>{column} (from '{source}'): ", text)
        return text

    def _record(self, output_row: int) -> str:
        original = self.originals.iloc[int(self.positions[output_row])]
        values = {str(k): str(v) for k, v in original.items()}
        roles = {c.removeprefix(ROLE_PREFIX): str(v) for c, v in self.roles.iloc[output_row].items() if v}
        values[ADAPTER_KEY] = json.dumps({
            "report": self.recognition.adapter.name,
            "values": {c: str(v) for c, v in self.data.iloc[output_row].items()},
            "roles": roles,
        }, ensure_ascii=False)
        return json.dumps(values, ensure_ascii=False)


def translate_file(recognition: Recognition, name: str, content: bytes, mtime: float, timezone: str,
                   directory: LocationDirectory) -> TranslatedFile:
    """Read and translate one report file (raises readers.UnreadableFile)."""
    adapter = recognition.adapter
    landing = read_report(name, content, adapter.quoting)
    recognition = adapter.match(landing.header)
    table = ReportTable(landing.data.reset_index(drop=True), landing.row_numbers, recognition.columns)
    ctx = ReportContext(name, mtime, timezone, directory.config)
    translation = adapter.translate(table, ctx)
    out, members, role_failures = _locate_and_sum(translation, directory, len(table))
    feed = contract.FEEDS_BY_NAME[adapter.feed]
    positions = out[POSITION].to_numpy(dtype=np.int64)
    malformed = [m for m in landing.malformed
                 if not (adapter.is_furniture and adapter.is_furniture(list(m.values.values())))]
    return TranslatedFile(
        recognition=recognition,
        data=out[feed.column_names].reset_index(drop=True),
        row_numbers=np.asarray(table.row_numbers, dtype=np.int64)[positions],
        prior=_output_failures(translation, members, len(out)) + role_failures,
        malformed=malformed,
        warnings=translation.warnings,
        read_as=recognition.describe() + (f"; {translation.read_as}" if translation.read_as else ""),
        positions=positions,
        originals=table.data,
        roles=out[[c for c in out.columns if c.startswith(ROLE_PREFIX)]].reset_index(drop=True),
        sources=translation.sources,
    )


def _locate_and_sum(translation: Translation, directory: LocationDirectory, report_rows: int
                    ) -> tuple[pd.DataFrame, np.ndarray, list[PriorFailure]]:
    out = translation.frame.reset_index(drop=True).copy()
    role_columns = [c for c in out.columns if c.startswith(ROLE_PREFIX)]
    problems: dict[str, pd.Series] = {}
    for role_column in role_columns:
        column = role_column.removeprefix(ROLE_PREFIX)
        keys = out[role_column].fillna("").astype(str)
        resolved = {key: directory.resolve(key) for key in pd.unique(keys) if key}
        has_role = (keys != "").to_numpy()
        out.loc[has_role, column] = keys[has_role].map({k: r.location_id for k, r in resolved.items()})
        problems[column] = keys.map({k: r.problem for k, r in resolved.items()}).fillna("")
    if translation.sum_by:
        by, quantities = translation.sum_by
        out["_problems"] = pd.DataFrame(problems).agg("\x1f".join, axis=1) if problems else ""
        out, members = summed(out, by + role_columns, quantities, report_rows)
        problems = {c: out["_problems"].str.split("\x1f").str[i] for i, c in enumerate(problems)}
        out = out.drop(columns="_problems")
    else:
        members = np.full(report_rows, -1, dtype=np.int64)
        members[out[POSITION].to_numpy(dtype=np.int64)] = np.arange(len(out))
    failures = []
    for column, problem in problems.items():
        failing = (problem != "").to_numpy()
        if failing.any():
            messages = (f"{column}: " + problem[failing]).to_numpy(dtype=object)
            failures.append(PriorFailure(failing, messages, column, RULE_REFERENCE))
    return out, members, failures


def _output_failures(translation: Translation, members: np.ndarray, size: int) -> list[PriorFailure]:
    """Failures found on report rows, moved to the output rows those rows became (a summed
    row fails when any of its report rows does; a row left out takes its failures with it)."""
    result = []
    for failure in translation.failures:
        rows = np.flatnonzero(failure.mask)
        outputs = members[rows]
        kept = outputs >= 0
        if not kept.any():
            continue
        texts = (np.full(len(rows), failure.messages, dtype=object) if isinstance(failure.messages, str)
                 else np.asarray(failure.messages, dtype=object))
        joined = pd.Series(texts[kept]).groupby(outputs[kept]).agg("; ".join)
        mask = np.zeros(size, dtype=bool)
        mask[joined.index.to_numpy()] = True
        result.append(PriorFailure(mask, joined.to_numpy(dtype=object), failure.column, failure.rule))
    return result


def retry_frame(payloads: pd.Series, directory: LocationDirectory) -> pd.DataFrame:
    """Contract columns of quarantined report rows (their ``_adapter`` payloads), with location
    roles resolved again against the current reference data and config."""
    rows = []
    for payload in payloads:
        saved = json.loads(payload) if payload else {"values": {}, "roles": {}}
        values = dict(saved.get("values", {}))
        for column, key in saved.get("roles", {}).items():
            values[column] = directory.resolve(key).location_id
        rows.append(values)
    return pd.DataFrame(rows, index=payloads.index).fillna("").astype(str)
