"""The marketplace-report mappings of docs/data-contract.md, generated from the adapters so the
documentation cannot drift from the code (``stockpilot contract --adapters``; a test compares)."""

from __future__ import annotations

from pipelines.ingest.adapters import ADAPTERS


def _names(columns) -> str:
    return ", ".join(" / ".join(f"`{name}`" for name in column.names) for column in columns)


def render_markdown() -> str:
    lines: list[str] = []
    for adapter in ADAPTERS:
        lines.append(f"### {adapter.title} → `{adapter.feed}`\n")
        required = [c for c in adapter.columns if c.required]
        optional = [c for c in adapter.columns if not c.required]
        lines.append(f"Recognised by {_names(required)}" + (f"; also reads {_names(optional)}" if optional else "")
                     + ". Other columns are ignored.\n")
        lines.append(f"| `{adapter.feed}` column | from the report |")
        lines.append("|---|---|")
        for mapping in adapter.mappings:
            lines.append(f"| `{mapping.target}` | {mapping.rule} |")
        lines.append("")
        for note in adapter.notes:
            lines.append(f"- {note}")
        if adapter.notes:
            lines.append("")
    return "\n".join(lines).rstrip() + "\n"
