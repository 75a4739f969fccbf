"""Suggestions for misspelt names: columns, settings keys, nations, roles, frameworks.

A suggestion must never mislead: "did you mean 'USA'?" for a misspelt Spain
would, if followed, withdraw the United States. So a key is matched by its code
*and* its name (``SPA`` is a prefix of "Spain", hence ``ESP``), a match that
changes too much of a short code is not offered, and when two candidates are
equally good both are named rather than one picked at random.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping


def edit_distance(a: str, b: str) -> int:
    """Damerau-Levenshtein distance (optimal string alignment), case-insensitive:
    insertions, deletions, substitutions and swaps of two neighbours cost one each."""
    a, b = a.lower(), b.lower()
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i] + [0] * len(b)
        for j, cb in enumerate(b, 1):
            cur[j] = min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb))
            if i > 1 and j > 1 and ca == b[j - 2] and a[i - 2] == cb:
                cur[j] = min(cur[j], prev2[j - 2] + 1)
        prev2, prev = prev, cur
    return prev[-1]


def close_column(name: str, known: Iterable[str]) -> str | None:
    """The known column an unknown one is a misspelling of, or None.

    MODEL.md v3: within two edits of a known name is an error with the suggestion.
    Read with two provisos (docs/model.md, "Input rules"): the edits must change
    less than half of the shorter name (so a ``note`` column is not taken for
    ``name``, nor ``id`` for ``eu``), and an abbreviation counts as a misspelling:
    an unknown name of at least 5 characters that begins a known one and covers at
    least half of it (``approval_prob`` for ``approval_probability``)."""
    low = name.strip().lower()
    best: tuple[int, str] | None = None
    for k in known:
        d = edit_distance(low, k)
        if d == 0:
            return k
        if d <= 2 and 2 * d < min(len(low), len(k)) and (best is None or d < best[0]):
            best = (d, k)
    if best is not None:
        return best[1]
    for k in known:
        if len(low) >= 5 and k.startswith(low) and 2 * len(low) >= len(k):
            return k
    return None


def _name_score(value: str, name: str) -> float:
    """How well ``value`` matches a long name: a prefix of it (``SPA``/"Spain") or a
    few edits away; 0 when not at all."""
    v, n = value.lower(), name.lower()
    if len(v) >= 3 and n.startswith(v):
        return 0.9
    words = [w for w in n.replace("-", " ").split() if w[0].isalpha()]
    if len(words) >= 2 and v == "".join(w[0] for w in words):
        return 0.9  # initials: UK for United Kingdom
    d = edit_distance(v, n)
    if d <= max(1, len(n) // 4) and 2 * d < len(n):
        return 0.85 - 0.05 * d
    return 0.0


def _code_score(value: str, code: str) -> float:
    """How well ``value`` matches a code: one edit for a short code, two for a long one."""
    d = edit_distance(value, code)
    if d == 0:
        return 1.0
    allowed = 1 if len(code) <= 4 else 2
    if d <= allowed and 2 * d < max(len(code), 2):
        return 0.8 - 0.05 * d
    return 0.0


def suggest_key(value: object, keys: Mapping[str, str] | Iterable[str]) -> list[str]:
    """The keys ``value`` most likely means, best first (at most two, and two only when
    they are equally good); empty when nothing is close. ``keys`` maps each key to its
    name (a nation code to "Spain"), or is a plain list of keys."""
    text = str(value).strip()
    if not text:
        return []
    names = dict(keys) if isinstance(keys, Mapping) else {str(k): str(k) for k in keys}
    scored = []
    for code, name in names.items():
        code, name = str(code), str(name or code)
        if text.lower() == name.lower() and text.lower() != code.lower():
            s = 0.95  # the nation's name written instead of its code
        else:
            s = max(_code_score(text, code), _name_score(text, name) if name != code else 0.0)
        if s > 0:
            scored.append((s, code))
    if not scored:
        return []
    scored.sort(key=lambda t: -t[0])
    top = scored[0][0]
    return [c for s, c in scored if s == top][:2]


def did_you_mean(value: object, keys: Mapping[str, str] | Iterable[str]) -> str:
    """`` (did you mean 'ESP' (Spain)?)`` or ``""``: the suffix an error message takes."""
    names = dict(keys) if isinstance(keys, Mapping) else {}
    found = suggest_key(value, keys)
    if not found:
        return ""

    def label(code: str) -> str:
        name = names.get(code)
        return f"'{code}' ({name})" if name and str(name) != code else f"'{code}'"

    return f" (did you mean {' or '.join(label(c) for c in found)}?)"
