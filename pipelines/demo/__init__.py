"""The seeded demo-data generator: a multichannel seller's landing files in the contract format."""

from pipelines.demo.generator import DemoSummary, generate_demo
from pipelines.demo.writer import BadRow

__all__ = ["BadRow", "DemoSummary", "generate_demo"]
