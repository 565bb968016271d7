"""Placeholder until its indexer lands."""

from indexers.base import ParsedFile
from memorybrain.models import FileExtract


def extract(pf: ParsedFile) -> FileExtract:
    return FileExtract()
