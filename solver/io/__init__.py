"""Instance readers and result writers."""

from __future__ import annotations

from pathlib import Path

from solver.instance import Instance
from solver.io.readers import RawInstance, read_raw
from solver.validate import validate


def load_instance(path: str | Path) -> Instance:
    """Read and validate an instance folder or workbook (raises InstanceError)."""
    return validate(read_raw(path))


__all__ = ["RawInstance", "load_instance", "read_raw"]
