"""Publishing the marts: to a BI database through SQLAlchemy (``bi``) and as Parquet files
(``parquet``). No Dagster here; ``orchestration.publish`` runs them after every other asset."""

from pipelines.publish.bi import PUBLISHED_AT, PublishedTable, bi_engine, masked_url, publish_marts
from pipelines.publish.parquet import ExportedFile, export_parquet

__all__ = ["PUBLISHED_AT", "ExportedFile", "PublishedTable", "bi_engine", "export_parquet", "masked_url",
           "publish_marts"]
