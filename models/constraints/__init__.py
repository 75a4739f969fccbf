"""One module per family of MODEL.md constraints; each exposes ``add_<family>(m, data)``."""
