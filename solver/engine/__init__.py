"""The engine: one built model held by one persistent HiGHS, re-solved for every question.

``adapter`` is the only module that talks to HiGHS; ``core`` owns the model and its
scratch rows; ``strategies`` are ways to search it (by framework, lexicographic stages,
retargeting to a what-if) that take the engine; ``session`` puts them together.
"""
