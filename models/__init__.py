"""The Pyomo formulation of MODEL.md: eligibility, the option index, constraints, objective.

``models.eligibility`` (index sets and coefficients, in pandas) does not load
Pyomo; ``models.build`` assembles the model. Nothing here imports ``solver``.
"""
