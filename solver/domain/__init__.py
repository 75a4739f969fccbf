"""Ground floor: the validated instance, the political commitments, statuses and errors.

No Pyomo, no HiGHS, no files: everything above reads these definitions.
"""
