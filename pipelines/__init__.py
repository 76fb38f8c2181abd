"""Stockpilot's domain code: pure Python on pandas and DuckDB, no Dagster imports."""
