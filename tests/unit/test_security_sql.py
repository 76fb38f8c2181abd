"""No SQL is built by pasting a value into a quoted literal: values travel as parameters (``?``),
identifiers come from code (the contract, dbt's names) inside double quotes.

The classic injection is an f-string such as ``f"... WHERE sku = '{sku}'"``. This test reads every
module of pipelines/ and orchestration/ and fails on an f-string that looks like SQL and puts a formatted
value inside single quotes, so such a line cannot come back unnoticed. (The dbt side is checked
by running SQL-looking SKUs through ingest and dbt: tests/integration/test_security_pipeline.py.)
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGES = ("pipelines", "orchestration")
SQL = re.compile(r"\b(SELECT|INSERT|UPDATE|DELETE|CREATE|DROP|ALTER|COPY|FROM|WHERE|VALUES|JOIN|CAST|DATE|TIMESTAMPT?Z?|INTERVAL)\b")


def _pasted_literals(source: str) -> list[tuple[int, str]]:
    """(line, text) of SQL-looking f-strings holding ``'{value}'``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if not isinstance(node, ast.JoinedStr):
            continue
        parts = node.values
        text = "".join(p.value if isinstance(p, ast.Constant) else "{}" for p in parts)
        if not SQL.search(text):
            continue
        for before, value, after in zip(parts, parts[1:], parts[2:], strict=False):
            if (isinstance(value, ast.FormattedValue) and isinstance(before, ast.Constant)
                    and isinstance(after, ast.Constant) and str(before.value).endswith("'")
                    and str(after.value).startswith("'")):
                found.append((node.lineno, text))
    return found


def test_the_check_finds_a_value_pasted_into_a_quoted_literal():
    assert _pasted_literals('sku = "x"\nq = f"SELECT * FROM t WHERE sku = \'{sku}\'"\n') == [
        (2, "SELECT * FROM t WHERE sku = '{}'")]
    assert _pasted_literals('q = f\'SELECT * FROM raw."{table}" WHERE sku = ?\'\n') == []


def test_no_module_pastes_a_value_into_sql():
    offenders = []
    for package in PACKAGES:
        for path in sorted((REPO / package).rglob("*.py")):
            offenders += [f"{path.relative_to(REPO)}:{line}: {text}"
                          for line, text in _pasted_literals(path.read_text(encoding="utf-8"))]
    assert offenders == []
