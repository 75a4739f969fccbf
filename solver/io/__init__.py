"""Instance readers and result writers: the file layer (no Pyomo, no HiGHS).

``load_instance`` (read, then validate) is defined in ``solver.validate`` and
offered here too; it is looked up on first use so this package never imports the
validator that reads through it.
"""

from __future__ import annotations

import importlib

from solver.io.readers import RawInstance, read_raw

__all__ = ["RawInstance", "load_instance", "read_raw"]


def __getattr__(name: str):
    if name == "load_instance":
        return importlib.import_module("solver.validate").load_instance
    raise AttributeError(f"module 'solver.io' has no attribute {name!r}")
