"""Instance readers and validation, result writers, generators and importers: the file layer
(no Pyomo, no HiGHS). ``load_instance`` reads, then validates."""

from __future__ import annotations

from solver.io.readers import RawInstance, read_raw
from solver.io.validate import load_instance

__all__ = ["RawInstance", "load_instance", "read_raw"]
