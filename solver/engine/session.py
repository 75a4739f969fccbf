"""A Session: the engine with the way forcealloc searches it, for every question alike.

:meth:`Session.optimise` is the one re-solve path of the analysis features: solve,
alternatives, explanations, diagnoses, what-ifs and the brief all call it, so the
objective mode of the instance (weighted, or lexicographic stages) and the search
(framework by framework on large models, a greedy start on very large ones) are
the same whatever the question. It composes the strategies of
``solver.engine.strategies`` over the engine (:class:`solver.engine.core.Engine`);
the engine itself never imports them.
"""

from __future__ import annotations

import time
from dataclasses import replace

from solver.domain.instance import Instance
from solver.domain.status import Status
from solver.engine.core import NOTHING_TO_FORCE, Engine, Forcing, Run, SolveOptions
from solver.engine.greedy import greedy_start
from solver.engine.strategies.decompose import solve_by_framework
from solver.engine.strategies.lexicographic import solve_stages
from solver.engine.strategies.retarget import retarget
from solver.results.solution import Solution


class Session(Engine):
    """An engine searched the forcealloc way (see the module docstring)."""

    def stages(self, o: SolveOptions | None = None) -> tuple[tuple[str, ...], float] | None:
        """The lexicographic priorities in force under options ``o`` (the session's by
        default; options first, then instance.yaml), or None."""
        o, s = o or self.options, self.instance.settings
        stages = s.lexicographic if o.lexicographic is None else o.lexicographic
        if not stages:
            return None
        return tuple(stages), (s.lex_tolerance if o.lex_tolerance is None else o.lex_tolerance)

    def optimise(self, *, forcing: Forcing | None = None, floor: float | None = None,
                 overrides: dict | None = None, start=None) -> Run:
        """The best allocation under the instance's objective mode, with ``forcing`` held,
        a proven ``floor`` on the weighted objective (ignored under lexicographic stages,
        whose first stage is another objective) and ``overrides`` of the options, all
        for this search only. ``start``, a known allocation (columns), replaces the greedy one."""
        o = replace(self.options, **(overrides or {}))
        run = self._optimise(o, forcing, floor, start)
        run.options = o
        return run

    def _optimise(self, o: SolveOptions, forcing: Forcing | None, floor: float | None, start) -> Run:
        lex = self.stages(o)
        with self.scratch(), self._forcing(forcing or Forcing()) as possible:
            if not possible:
                return Run(status=Status.INFEASIBLE, message=NOTHING_TO_FORCE)
            if lex is not None:
                return solve_stages(self, lex[0], lex[1], o)
            if floor is not None:
                self.add_row(self.model.objective.expr >= floor - 1e-9 * max(1.0, abs(floor)), "proven_bound")
            open_ = self.open_frameworks()
            big = len(self.data.options) >= o.greedy_from and self.time is None  # small: HiGHS alone
            self.timings["greedy_s"] = 0.0

            def begin(frameworks: list[str]):
                if start is not None:
                    return start
                t0 = time.perf_counter()
                try:
                    return greedy_start(self.data, frameworks) if o.warm_start and big else None
                finally:
                    self.timings["greedy_s"] += time.perf_counter() - t0

            robust = o.robust is not None and o.robust.k > 0 and not o.split_robust  # one search (split_robust)
            if o.by_framework and not robust and len(open_) > 1 and len(self.data.options) >= o.split_from:
                run = solve_by_framework(self, open_, begin, o)
                run.by_framework = True
                return run
            return self.run_with(o, start=begin(open_))

    def solve(self, *, forcing: Forcing | None = None, floor: float | None = None,
              overrides: dict | None = None) -> Solution:
        """:meth:`optimise`, as the planner's :class:`Solution`."""
        return self.solution(self.optimise(forcing=forcing, floor=floor, overrides=overrides))

    def retarget(self, inst: Instance) -> bool:
        """Take over an instance that differs only in parameters (see
        ``solver.engine.strategies.retarget``); False, changing nothing, when the model
        must be rebuilt."""
        return retarget(self, inst)


__all__ = ["Forcing", "Run", "Session", "SolveOptions"]
