"""Landing files into raw.* and quarantine.*: validated against the contract, loaded once.

``ingest_reference`` loads the reference tables, ``ingest_feed`` one event feed; both return
``LoadReport``s. See ``pipelines.contract`` for the rules applied.
"""

from pipelines.ingest.loader import ingest_feed, ingest_reference
from pipelines.ingest.report import LoadReport

__all__ = ["LoadReport", "ingest_feed", "ingest_reference"]
