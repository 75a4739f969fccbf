"""Read instance files into raw string tables, remembering where each row came from.

Nothing is interpreted here: every cell stays a stripped string (blank = ""),
column names are lower-cased, and each table gets a ``_row`` column with the
row number a planner sees in the file (the header is row 1). The validator
turns these into an :class:`~solver.domain.instance.Instance`.

What cannot be read is said plainly, once per file, with the row where it is
known: a file that is not UTF-8 (and which line), an unclosed quote (the row
it opens in), a file separated by semicolons, a repeated or missing column
header, a row with more cells than the header, a cell or file beyond the
limits below, a workbook formula with no saved value, two sheets for one
table. A table that cannot be read is marked ``unreadable`` so the validator
does not add knock-on reference errors into it.
"""

from __future__ import annotations

import contextlib
import copy
import csv
import datetime as dt
import io
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
import yaml

from solver.domain.errors import InstanceError, Issue
from solver.io.schema import TABLES
from solver.io.sheets import unneutral

ROW = "_row"
MAX_FILE_BYTES = 256 * 2**20  # one instance file (CSV, YAML or workbook)
MAX_CELL_CHARS = 10_000  # one cell
UTF8_HINT = "save it as UTF-8 (in Excel: 'CSV UTF-8 (Comma delimited)')"


@dataclass
class RawInstance:
    """Tables as read, before validation; scenarios edit this form."""

    tables: dict[str, pd.DataFrame]
    settings: dict
    sources: dict[str, str]  # table -> "assets.csv" / "book.xlsx sheet assets"
    settings_source: str
    path: Path | None = None
    read_issues: list[Issue] = field(default_factory=list)
    read_warnings: list[Issue] = field(default_factory=list)
    unreadable: set[str] = field(default_factory=set)  # tables that could not be read

    def copy(self) -> RawInstance:
        return RawInstance(
            tables={k: v.copy() for k, v in self.tables.items()},
            settings=copy.deepcopy(self.settings),
            sources=dict(self.sources),
            settings_source=self.settings_source,
            path=self.path,
            read_issues=list(self.read_issues),
            read_warnings=list(self.read_warnings),
            unreadable=set(self.unreadable),
        )


def _empty(name: str) -> pd.DataFrame:
    cols = list(TABLES[name].column_names) + [ROW]
    return pd.DataFrame({c: pd.Series(dtype="object") for c in cols})


def _letter(i: int) -> str:
    """Spreadsheet column letter of a 0-based position (A, B, ..., Z, AA, ...)."""
    s = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        s = chr(65 + r) + s
    return s


def _control(text: str) -> bool:
    return any(unicodedata.category(c) == "Cc" and c not in "\t" for c in text)


# --------------------------------------------------------------------------- text files
def read_text(path: Path, source: str) -> str:
    """A small text file as UTF-8 (a BOM allowed); raises InstanceError naming the file,
    and the line of the first byte that is not UTF-8."""
    if path.is_dir():
        raise InstanceError([Issue(source, f"a file, but {path} is a folder")])
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        raise InstanceError([Issue(source, f"a file of at most {MAX_FILE_BYTES // 2**20} MiB (this one has "
                                           f"{size / 2**20:,.0f} MiB)")])
    data = path.read_bytes()
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise InstanceError([Issue(source, f"UTF-8 text, not UTF-16: {UTF8_HINT}")])
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        byte = data[exc.start: exc.start + 1].hex()
        raise InstanceError([Issue(source, f"UTF-8 text: byte 0x{byte} is not UTF-8 (latin-1 or Windows-1252?); "
                                           f"{UTF8_HINT}", row=line)]) from None


class NoAliasLoader(yaml.SafeLoader):
    """YAML without anchors and aliases: these files never need them, and nested aliases
    ('billion laughs') would take minutes and gigabytes to expand."""

    def compose_node(self, parent, index):
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed in this file",
                                              event.start_mark)
        return super().compose_node(parent, index)


def load_yaml(text: str, source: str, loader: type = NoAliasLoader):
    """Parse YAML without aliases; raises InstanceError with the line of the problem."""
    try:
        return yaml.load(text, Loader=loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow
        line = text[: exc.position].count("\n") + 1
        raise InstanceError([Issue(source, f"valid YAML text (character {exc.character!r} is not allowed)",
                                   row=line)]) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise InstanceError([Issue(source, f"valid YAML ({problem})",
                                   row=mark.line + 1 if mark is not None else None)]) from None


# --------------------------------------------------------------------------- tables
def _frame(header: list, rows: list[list], lines: list[int], source: str, issues: list[Issue],
           name: str) -> pd.DataFrame | None:
    """Checks shared by CSV and sheets; a DataFrame of stripped strings, or None."""
    head = ["" if h is None else str(h).strip() for h in header]
    title = _title_rows(head, rows, lines, name)
    if title is not None:
        issues.append(Issue(source, title[1], row=1, column="A", value=title[0]))
        return None
    while head and head[-1] == "" and not any(len(r) >= len(head) and r[len(head) - 1].strip() for r in rows):
        head.pop()
    bad = False
    if len(head) == 1 and any(sep in head[0] for sep in (";", "\t")):
        sep = "';'" if ";" in head[0] else "tabs"
        issues.append(Issue(source, f"comma-separated columns; this file seems to use {sep} (save it as CSV "
                                    "with commas)", row=1, value=head[0]))
        return None
    seen: dict[str, int] = {}
    for i, h in enumerate(head):
        low = h.lower()
        if low == "":
            if any(i < len(r) and r[i].strip() for r in rows):
                issues.append(Issue(source, f"a header for column {_letter(i)}, which has values (merged "
                                            "header cells? unmerge them)", row=1))
                bad = True
            continue
        if low in seen:
            issues.append(Issue(source, f"each column once; '{h}' repeats column {_letter(seen[low])} in column "
                                        f"{_letter(i)}", row=1, column=h))
            bad = True
        seen.setdefault(low, i)
    # a row that cannot be read is reported and left out; the other rows are still
    # checked (the caller marks the table so no reference into it is checked)
    width = len(head)
    data, rownums = [], []
    for r, line in zip(rows, lines, strict=True):
        cells = [c.strip() for c in r]
        if len(cells) > width and any(cells[width:]):
            issues.append(Issue(source, f"at most {width} cells, as the header has ({len(cells)} here: a comma "
                                        "inside a value needs quotes)", row=line))
            continue
        cells = (cells + [""] * width)[:width]
        if not any(cells):
            continue
        row_ok = True
        for i, c in enumerate(cells):
            if len(c) > MAX_CELL_CHARS:
                issues.append(Issue(source, f"a cell of at most {MAX_CELL_CHARS:,} characters ({len(c):,} here)",
                                    row=line, column=head[i] or _letter(i), value=c[:40] + "..."))
                row_ok = False
            elif _control(c):
                issues.append(Issue(source, "text without control characters", row=line,
                                    column=head[i] or _letter(i), value=c))
                row_ok = False
        if row_ok:
            data.append(cells)
            rownums.append(line)
    if bad:  # the header itself is wrong: the rows were checked, the table is not read
        return None
    keep = [i for i, h in enumerate(head) if h]
    df = pd.DataFrame([[row[i] for i in keep] for row in data], columns=[head[i].lower() for i in keep],
                      dtype=object)
    if df.empty:
        df = pd.DataFrame({head[i].lower(): pd.Series(dtype=object) for i in keep})
    df[ROW] = rownums
    return df.reset_index(drop=True)


def parse_csv(text: str, source: str, name: str, issues: list[Issue]) -> pd.DataFrame | None:
    """One CSV file's text as a table of strings; problems go to ``issues``."""
    if not text.strip():
        cols = ", ".join(TABLES[name].column_names)
        issues.append(Issue(source, f"a header row ({cols}); the file is empty"))
        return None
    # the planner's row numbers: records as a spreadsheet numbers them (the header is row 1)
    records = _csv_records(text, source, issues)
    if not records or records[0] is None:
        return None
    good = [(r, i) for i, r in enumerate(records[1:], start=2) if r is not None]
    return _frame(records[0], [r for r, _ in good], [i for _, i in good], source, issues, name)


@contextlib.contextmanager
def _field_limit(limit: int):
    """csv's own cap on a field (128 KiB) is lifted while a file is read, so an oversized
    cell reaches the check that names its row and column (MAX_CELL_CHARS)."""
    old = csv.field_size_limit()
    csv.field_size_limit(max(old, limit))
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_records(text: str, source: str, issues: list[Issue]) -> list[list[str] | None]:
    """Every record of a CSV text; a record that cannot be read (an unclosed quote that
    runs to the end of the file or into another row) is reported and stands as None,
    and reading resumes on the next line, so the file's later errors are found too."""
    lines = io.StringIO(text, newline="").readlines()
    records: list[list[str] | None] = []
    pos = 0
    with _field_limit(MAX_FILE_BYTES):
        while pos < len(lines):
            reader = csv.reader(io.StringIO("".join(lines[pos:]), newline=""), strict=True)
            consumed = 0
            try:
                for record in reader:
                    records.append([unneutral(c) for c in record])
                    consumed = reader.line_num
                break
            except csv.Error as exc:  # the record after the last good one opened the quote
                issues.append(Issue(source, f"a closing quote for the quote opened in this row ({exc}); the rows "
                                            "after it were read from the next line on", row=len(records) + 1))
                records.append(None)
                pos += consumed + 1
    return records


def _title_rows(head: list[str], rows: list[list], lines: list[int], name: str) -> tuple[str, str] | None:
    """A title (or notes) above the header: the first row names no column of the table
    while a later row holds the table's key column. (first cell, message) or None."""
    known = {"key", "value"} if name == "settings" else set(TABLES[name].column_names)
    key = "key" if name == "settings" else TABLES[name].key[0]
    if {h.lower() for h in head} & known:
        return None
    for r, line in zip(rows[:10], lines[:10], strict=False):
        if key in {str(c).strip().lower() for c in r}:
            first = next((h for h in head if h), "")
            return first, (f"the header row (with '{key}') on the first row; it is on row {line}: delete the "
                           f"{'row' if line == 2 else 'rows'} above it (a title or notes)")
    return None


def read_folder(path: Path) -> RawInstance:
    """A folder of ``<table>.csv`` files plus ``instance.yaml``."""
    issues: list[Issue] = []
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    unreadable: set[str] = set()
    for name in TABLES:
        f = path / f"{name}.csv"
        sources[name] = f.name
        tables[name] = _empty(name)
        if not f.exists():
            if TABLES[name].required:
                issues.append(Issue(f.name, f"the required table '{name}' is missing (no {f.name} in {path})"))
                unreadable.add(name)
            continue
        before = len(issues)
        try:
            df = parse_csv(read_text(f, f.name), f.name, name, issues)
        except InstanceError as exc:
            issues += exc.issues
            df = None
        if df is not None:
            tables[name] = df
        if df is None or len(issues) > before:  # partly read: no reference into it is checked
            unreadable.add(name)
    settings: dict = {}
    yml = path / "instance.yaml"
    if yml.exists():
        try:
            loaded = load_yaml(read_text(yml, yml.name), yml.name)
        except InstanceError as exc:
            issues += exc.issues
            loaded = {}
        if loaded is None:
            loaded = {}
        if not isinstance(loaded, dict):
            issues.append(Issue(yml.name, "a mapping of settings (name, objective, ...)", value=loaded))
            loaded = {}
        settings = loaded
    settings.setdefault("name", path.name)
    return RawInstance(tables, settings, sources, yml.name, path, issues, [], unreadable)


# --------------------------------------------------------------------------- workbooks
def _cell_text(v) -> str:
    """A workbook cell as the text a CSV would hold: numbers without float noise."""
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() else repr(v)
    if isinstance(v, (dt.datetime, dt.date)):
        return v.isoformat()
    return str(v)


def _settings_from_sheet(df: pd.DataFrame, source: str, issues: list[Issue]) -> dict:
    """``key``/``value`` rows; dotted keys (``objective.cost``) nest."""
    settings: dict = {}
    if df.empty:
        return settings
    if not {"key", "value"} <= set(df.columns):
        issues.append(Issue(source, "two columns named 'key' and 'value'"))
        return settings
    for _, r in df.iterrows():
        key, value = r["key"], r["value"]
        if not key:
            continue
        parts = key.split(".")
        node = settings
        for p in parts[:-1]:
            node = node.setdefault(p, {})
            if not isinstance(node, dict):
                issues.append(Issue(source, "keys that do not clash", row=int(r[ROW]), column="key", value=key))
                break
        else:
            if parts[-1] == "lexicographic":
                value = [v.strip() for v in value.split(";") if v.strip()]
            elif value != "" and parts[-1] not in ("name", "description") and parts[0] != "units":
                with contextlib.suppress(InstanceError):  # a value that is no YAML stays text
                    value = load_yaml(value, source)
            node[parts[-1]] = value
    return settings


def _sheet_rows(values_ws, formulas_ws) -> tuple[list, list[list[str]], list[tuple[int, int, str]]]:
    """Header, text rows, and (row, column, formula) of formula cells without a saved value."""
    header, rows, missing = None, [], []
    formula_rows = formulas_ws.iter_rows(values_only=True) if formulas_ws is not None else None
    for r, values in enumerate(values_ws.iter_rows(values_only=True), start=1):
        formulas = next(formula_rows, ()) if formula_rows is not None else ()
        if header is None:
            header = list(values)
            continue
        cells = [_cell_text(v) for v in values]
        for c, (v, f) in enumerate(zip(values, formulas, strict=False)):
            if v is None and isinstance(f, str) and f.startswith("="):
                missing.append((r, c, f))
        rows.append(cells)
    return header or [], rows, missing


def read_workbook(path: Path) -> RawInstance:
    """One ``.xlsx`` workbook: a sheet per table and a ``settings`` sheet."""
    from openpyxl import load_workbook  # noqa: PLC0415 - only workbooks need openpyxl

    if path.stat().st_size > MAX_FILE_BYTES:
        raise InstanceError([Issue(path.name, f"a workbook of at most {MAX_FILE_BYTES // 2**20} MiB")])
    try:
        values = load_workbook(path, read_only=True, data_only=True)
        formulas = load_workbook(path, read_only=True, data_only=False)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise InstanceError([Issue(path.name, f"a readable .xlsx workbook ({type(exc).__name__}: {exc})")]) from None
    issues: list[Issue] = []
    warnings: list[Issue] = []
    by_table: dict[str, str] = {}
    known = set(TABLES) | {"settings"}
    for title in values.sheetnames:
        key = title.strip().lower()
        if key in by_table:
            issues.append(Issue(f"{path.name} sheet {title}", f"one sheet per table; sheets '{by_table[key]}' and "
                                                              f"'{title}' both hold {key}"))
        elif key in known:
            by_table[key] = title
        else:
            warnings.append(Issue(f"{path.name} sheet {title}", f"a sheet named after a table ({', '.join(known)}); "
                                                                "this one is ignored", severity="warning"))
    tables: dict[str, pd.DataFrame] = {}
    sources: dict[str, str] = {}
    unreadable: set[str] = set()
    settings_df = None
    for name in [*TABLES, "settings"]:
        src = f"{path.name} sheet {by_table.get(name, name)}"
        if name != "settings":
            sources[name] = src
            tables[name] = _empty(name)
        if name not in by_table:
            if name in TABLES and TABLES[name].required:
                issues.append(Issue(src, f"the required sheet '{name}' is missing"))
                unreadable.add(name)
            continue
        header, rows, missing = _sheet_rows(values[by_table[name]], formulas[by_table[name]])
        for r, c, formula in missing:
            head = str(header[c]).strip() if header and c < len(header) and header[c] is not None else ""
            issues.append(Issue(src, "a value: this cell's formula has no saved result (open the workbook in "
                                     "Excel and save it, or type the value)", row=r,
                                column=f"{_letter(c)} ({head})" if head else _letter(c), value=formula))
        before = len(issues)
        df = _frame(header, rows, list(range(2, len(rows) + 2)), src, issues, name) if header else None
        if name == "settings":
            settings_df = df
        elif df is None or missing:
            unreadable.add(name)
            if not header:
                issues.append(Issue(src, "a header row on the first line"))
        else:
            tables[name] = df
            if len(issues) > before:
                unreadable.add(name)
    values.close()
    formulas.close()
    settings_src = f"{path.name} sheet {by_table.get('settings', 'settings')}"
    settings = _settings_from_sheet(settings_df, settings_src, issues) if settings_df is not None else {}
    settings.setdefault("name", path.stem)
    return RawInstance(tables, settings, sources, settings_src, path, issues, warnings, unreadable)


def read_raw(path: str | Path) -> RawInstance:
    """Read a folder or an ``.xlsx`` workbook; raises InstanceError if it is neither."""
    p = Path(path)
    if p.is_dir():
        return read_folder(p)
    if p.is_file() and p.suffix.lower() in (".xlsx", ".xlsm"):
        return read_workbook(p)
    if not p.exists():
        raise InstanceError([Issue(str(p), "an existing instance folder or .xlsx workbook (no such path)")])
    raise InstanceError([Issue(str(p), "an instance folder (CSV files + instance.yaml) or an .xlsx workbook")])
