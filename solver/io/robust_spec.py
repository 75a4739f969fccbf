"""What a robust solve and a re-plan are asked for (MODEL.md v3, "Withdrawals" and
"Re-plans that keep their word"), parsed from instance.yaml and the command line and
checked against the instance, every problem listed at once (exit 2).

:class:`RobustSpec` is resolved: H (the nations that may withdraw) and the protected
roles are explicit lists, so the model builders never read options again.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from solver.domain.errors import RobustInputError
from solver.domain.instance import Instance

ROBUST_KEYS = ("survive", "from", "roles", "reserve_cost", "recourse")
PERSISTENCE_KEYS = ("change_penalty", "plan")  # plan: an earlier allocation, relative to the instance
DEFAULT_RESERVE_COST = 0.25
DEFAULT_CHANGE_PENALTY = 1.0


@dataclass(frozen=True)
class RobustSpec:
    """A resolved withdrawal requirement: survive any ``k`` of ``hesitant`` (H) leaving,
    for the ``roles`` protected; ``recourse`` lets reserves step in."""

    k: int = 0
    hesitant: tuple[str, ...] = ()
    roles: tuple[str, ...] = ()
    recourse: bool = False
    reserve_cost: float = DEFAULT_RESERVE_COST
    source: str = "hesitant"  # how H was named: hesitant / all / list
    sets: tuple[tuple[str, ...], ...] | None = None  # recourse copies written (None: every set)
    enumerate_up_to: int = 200  # with recourse, more withdrawal sets than this: constraint generation

    @property
    def active(self) -> bool:
        return self.k > 0


@dataclass(frozen=True)
class KeepSpec:
    """An earlier plan to keep: its nation-role pledges, and the price of changing one
    (``change_penalty``) or a cap on the number of changes (``max_changes``)."""

    plan: str
    pledges: frozenset[tuple[str, str]] = field(default_factory=frozenset)
    change_penalty: float = DEFAULT_CHANGE_PENALTY
    max_changes: int | None = None


def _split(v) -> list[str] | str:
    if isinstance(v, str):
        t = v.strip()
        if t.lower() in ("all", "hesitant"):
            return t.lower()
        return [p.strip() for p in t.replace(";", ",").split(",") if p.strip()]
    return [str(p).strip() for p in v]


def _whole(v) -> bool:
    if isinstance(v, str):
        try:
            v = float(v)
        except ValueError:
            return False
    return isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0 and v == int(v)


def _bool(v) -> bool | None:
    if isinstance(v, bool):
        return v
    if isinstance(v, str) and v.strip().lower() in ("true", "yes", "1", "false", "no", "0"):
        return v.strip().lower() in ("true", "yes", "1")
    if isinstance(v, (int, float)) and v in (0, 1):
        return bool(v)
    return None


def parse_robust_settings(s: dict, src: str, error: Callable[..., None]) -> tuple[dict, dict]:
    """instance.yaml ``robust`` and ``persistence`` checked for type and range (references to
    nations and roles are checked by :func:`resolve_robust`, which sees the tables)."""
    robust: dict = {}
    raw = s.get("robust")
    if raw is not None and not isinstance(raw, dict):
        error(src, f"a mapping with keys {', '.join(ROBUST_KEYS)}", column="robust", value=raw)
        raw = None
    for k, v in (raw or {}).items():
        col = f"robust.{k}"
        if k not in ROBUST_KEYS:
            error(src, f"a robust key ({', '.join(ROBUST_KEYS)})", column=col, value=k)
        elif v is None or v == "":
            continue
        elif k == "survive":
            if _whole(v):
                robust[k] = int(float(v))
            else:
                error(src, "a whole number >= 0 of nations that may withdraw", column=col, value=v)
        elif k in ("from", "roles"):
            if isinstance(v, (str, list, tuple)):
                robust[k] = _split(v)
            else:
                error(src, "hesitant, all or a list of names" if k == "from" else "all or a list of roles",
                      column=col, value=v)
        elif k == "reserve_cost":
            if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0:
                robust[k] = float(v)
            else:
                error(src, "a number >= 0 (a reserve costs this times the asset's cost)", column=col, value=v)
        elif k == "recourse":
            b = _bool(v)
            if b is None:
                error(src, "true or false", column=col, value=v)
            else:
                robust[k] = b
    persistence: dict = {}
    raw = s.get("persistence")
    if raw is not None and not isinstance(raw, dict):
        error(src, "a mapping with key change_penalty", column="persistence", value=raw)
        raw = None
    for k, v in (raw or {}).items():
        if k not in PERSISTENCE_KEYS:
            error(src, f"a persistence key ({', '.join(PERSISTENCE_KEYS)})", column=f"persistence.{k}", value=k)
        elif k == "plan":
            if isinstance(v, str) and v.strip():
                persistence[k] = v.strip()
            else:
                error(src, "the path of an earlier solution.json or allocation.csv", column="persistence.plan", value=v)
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v) and v >= 0:
            persistence[k] = float(v)
        else:
            error(src, "a number >= 0 (objective units per changed pledge)", column=f"persistence.{k}", value=v)
    return robust, persistence


def default_roles(inst: Instance) -> tuple[str, ...]:
    """Every role with a requirement > 0 (MODEL.md: the default protected roles)."""
    return tuple(inst.roles.index[inst.roles["requirement"] > 0])


def hesitant_set(inst: Instance, source: str | list[str]) -> tuple[str, ...]:
    """H: the hesitant nations, every nation with an asset (``all``), or a list."""
    nats = inst.nations
    if source == "all":
        with_assets = set(inst.assets["nation"])
        return tuple(n for n in nats.index if n in with_assets)
    if source == "hesitant":
        return tuple(nats.index[nats["hesitant"].astype(bool)])
    return tuple(source)


def resolve_robust(inst: Instance, *, survive: int | float | str | None = None,
                   from_: str | list[str] | None = None, protect: str | list[str] | None = None,
                   recourse: bool | None = None, require_k_within_h: bool = True) -> RobustSpec:
    """Options (command line first, then instance.yaml) checked against the instance.
    Raises :class:`RobustInputError` with every problem: survive not a whole number >= 0,
    K > |H| (when ``require_k_within_h``), an unknown nation or role."""
    cfg = inst.settings.robust
    issues: list[str] = []
    src_k = "--survive" if survive is not None else "instance.yaml robust.survive"
    k = survive if survive is not None else cfg.get("survive", 0)
    if not _whole(k):
        issues.append(f"{src_k}: got {k!r}; a whole number >= 0 of nations that may withdraw")
        k = 0
    k = int(float(k))
    src_f = "--from" if from_ is not None else "instance.yaml robust.from"
    source = _split(from_) if from_ is not None else cfg.get("from", "hesitant")
    if isinstance(source, list):
        unknown = [n for n in source if n not in inst.nations.index]
        if unknown:
            issues.append(f"{src_f}: unknown nation{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                          f"expected hesitant, all or nations of nations.csv")
        source = [n for n in dict.fromkeys(source) if n in inst.nations.index]
    h = hesitant_set(inst, source)
    src_r = "--protect" if protect is not None else "instance.yaml robust.roles"
    wanted = _split(protect) if protect is not None else cfg.get("roles", "all")
    if wanted == "hesitant":
        wanted = ["hesitant"]
    if wanted == "all":
        roles = default_roles(inst)
    else:
        unknown = [r for r in wanted if r not in inst.roles.index]
        if unknown:
            issues.append(f"{src_r}: unknown role{'s' if len(unknown) > 1 else ''} {', '.join(unknown)}; "
                          f"expected all or roles of roles.csv")
        roles = tuple(r for r in dict.fromkeys(wanted) if r in inst.roles.index)
    if require_k_within_h and k > len(h):
        what = "hesitant nations" if source == "hesitant" else "nations in H"
        issues.append(f"{src_k}: got {k}; at most {len(h)}, the number of {what} "
                      f"({', '.join(h) or 'none'})")
    if issues:
        raise RobustInputError(issues)
    rec = recourse if recourse is not None else bool(cfg.get("recourse", False))
    return RobustSpec(k=k, hesitant=h, roles=roles, recourse=rec,
                      reserve_cost=float(cfg.get("reserve_cost", DEFAULT_RESERVE_COST)),
                      source=source if isinstance(source, str) else "list")


def plan_path(inst: Instance) -> str | None:
    """instance.yaml persistence.plan, relative to the instance's folder (or workbook's)."""
    plan = inst.settings.persistence.get("plan")
    if not plan:
        return None
    base = inst.source if inst.source is not None else Path(".")
    base = base if base.is_dir() else base.parent
    return str((base / plan) if not Path(plan).is_absolute() else Path(plan))


def change_penalty(inst: Instance, penalty: float | None) -> float:
    """--change-penalty, else instance.yaml persistence.change_penalty, else 1."""
    if penalty is not None:
        if not (math.isfinite(penalty) and penalty >= 0):
            raise RobustInputError([f"--change-penalty: got {penalty!r}; a number >= 0"])
        return float(penalty)
    return float(inst.settings.persistence.get("change_penalty", DEFAULT_CHANGE_PENALTY))


def read_plan(inst: Instance, path: str | Path, *, penalty: float | None = None,
              max_changes: int | None = None) -> KeepSpec:
    """An earlier solution.json or allocation.csv of this instance as the pledges to keep.
    Raises RobustInputError listing every unknown asset, nation and role, and an asset
    filed under another nation."""
    p = Path(path)
    issues: list[str] = []
    if max_changes is not None and (not isinstance(max_changes, int) or max_changes < 0):
        issues.append(f"--max-changes: got {max_changes!r}; a whole number >= 0")
    rows: pd.DataFrame | None = None
    try:
        if p.suffix.lower() == ".json" or (p.is_file() and p.read_text(errors="replace").lstrip().startswith("{")):
            doc = json.loads(p.read_text())
            alloc = doc.get("allocation") if isinstance(doc, dict) else None
            if not isinstance(alloc, list):
                issues.append(f"{p}: no 'allocation' list; expected a solution.json written by forcealloc solve")
            else:
                rows = pd.DataFrame(alloc)
        else:
            rows = pd.read_csv(p, dtype=str, keep_default_na=False)
    except (OSError, ValueError) as exc:
        issues.append(f"{p}: cannot be read as solution.json or allocation.csv ({exc})")
    if rows is not None:
        missing = [c for c in ("nation", "role") if c not in rows.columns]
        if missing:
            issues.append(f"{p}: no column {', '.join(missing)}; expected an allocation with nation and role")
            rows = None
    pledges: set[tuple[str, str]] = set()
    if rows is not None:
        if "status" in rows.columns:
            rows = rows[rows["status"].astype(str) != "reserve"]
        nats, roles, assets = inst.nations.index, inst.roles.index, inst.assets
        bad_n = sorted({str(n) for n in rows["nation"] if n not in nats})
        bad_r = sorted({str(r) for r in rows["role"] if r not in roles})
        if bad_n:
            issues.append(f"{p}: nations not in this instance: {', '.join(bad_n)}")
        if bad_r:
            issues.append(f"{p}: roles not in this instance: {', '.join(bad_r)}")
        if "asset" in rows.columns:
            # a withdrawn nation (in nations, no asset left) keeps its old asset names: forced changes
            left = set(assets["nation"])
            bad_a = sorted({str(a) for a, n in zip(rows["asset"], rows["nation"], strict=True)
                            if a not in assets.index and (n not in nats or n in left)})
            if bad_a:
                issues.append(f"{p}: assets not in this instance: {', '.join(bad_a)}")
            moved = sorted({f"{a} ({n}, instance says {assets.at[a, 'nation']})"
                            for a, n in zip(rows["asset"], rows["nation"], strict=True)
                            if a in assets.index and assets.at[a, "nation"] != n})
            if moved:
                issues.append(f"{p}: assets of another nation in this instance: {', '.join(moved)}")
        pledges = {(str(n), str(r)) for n, r in zip(rows["nation"], rows["role"], strict=True)}
    if issues:
        raise RobustInputError(issues)
    try:
        cp = change_penalty(inst, penalty)
    except RobustInputError as exc:
        raise RobustInputError(issues + exc.issues) from None
    return KeepSpec(plan=str(p), pledges=frozenset(pledges), change_penalty=cp, max_changes=max_changes)


def withdrawal_sets(hesitant, k: int) -> list[tuple[str, ...]]:
    """Every W of H with 1 <= |W| <= k, smallest first, in name order."""
    h = sorted(hesitant)
    return [w for size in range(1, min(k, len(h)) + 1) for w in itertools.combinations(h, size)]


def count_withdrawal_sets(n: int, k: int) -> int:
    """How many withdrawal sets of at most k of n nations there are."""
    return sum(math.comb(n, i) for i in range(1, min(k, n) + 1))


def forced_changes(index, pledges) -> list[tuple[str, str]]:
    """Pledges of the earlier plan the model cannot keep at all (no w variable in ``index``)."""
    return sorted(p for p in pledges if p not in index.by_nation_role)
