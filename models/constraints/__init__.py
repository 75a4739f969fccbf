"""One module per family of MODEL.md constraints; each ``add_<family>(m, data, index)``
has its MODEL.md number and formula in its docstring and reads only its arguments."""
