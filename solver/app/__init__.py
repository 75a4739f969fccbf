"""Top floor: the Python API a notebook calls (``api``) and the thin click CLI over it."""
