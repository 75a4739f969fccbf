"""Spreadsheets and CSV files that behave when a planner opens them.

* Text is text: a cell is written as a string whatever it starts with, so a
  nation named ``=HYPERLINK(...)`` never becomes a live formula; characters a
  workbook cannot hold (NUL, BEL, ...) are dropped from the workbook copy.
* Numbers are numbers, with a number format per column (whole numbers,
  two decimals, or per cent for shares and probabilities) and no float noise
  (2484.6, not 2484.5999999999995), in workbooks and CSV files alike.
* Columns are as wide as their content (within limits); the header is bold
  and frozen.
* In CSV files a text cell that a spreadsheet would run as a formula (it starts
  with = + - @, a tab or a carriage return, and is not a number) is neutralised
  by a leading apostrophe, OWASP's rule against CSV injection; the instance
  reader takes the apostrophe off again, so instances survive the round trip.
"""

from __future__ import annotations

import math
import numbers
import re
from pathlib import Path

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")
_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
PERCENT_COLUMNS = ("share", "approval_probability", "mip_gap", "gap")
DECIMALS = 9  # figures in files are rounded to this many decimals (no float noise)


def neutral(v):
    """A text cell a spreadsheet would run as a formula, made inert (a leading apostrophe).
    Numbers, and text that is a plain number such as "-5", are left alone."""
    if isinstance(v, str) and v.startswith(FORMULA_START) and not _NUMBER.match(v):
        return "'" + v
    return v


def unneutral(v: str) -> str:
    """The reader's inverse of ``neutral`` for a cell of an instance file."""
    if v.startswith("'") and v[1:].startswith(FORMULA_START) and not _NUMBER.match(v[1:]):
        return v[1:]
    return v


def _round(v):
    if isinstance(v, float) and math.isfinite(v):
        r = round(v, DECIMALS)
        return r + 0.0 if r != 0 else 0.0
    return v


def csv_frame(df: pd.DataFrame) -> pd.DataFrame:
    """A copy fit for a CSV file: text cells and headers neutralised, figures rounded."""
    out = df.copy()
    out.columns = [neutral(str(c)) for c in out.columns]
    for c in out.columns:
        col = out[c]
        if pd.api.types.is_float_dtype(col):
            out[c] = col.round(DECIMALS)
        elif col.dtype == object or pd.api.types.is_string_dtype(col):
            out[c] = col.map(lambda v: neutral(_round(v)) if not isinstance(v, (list, tuple)) else v)
    return out


def write_csv(df: pd.DataFrame, path: Path) -> None:
    """A UTF-8 CSV file of the frame, neutralised and rounded."""
    csv_frame(df).to_csv(path, index=False, encoding="utf-8")


def _format(column: str, values: pd.Series) -> str | None:
    name = column.lower()
    if any(name == p or name.endswith("_" + p) for p in PERCENT_COLUMNS):
        return "0.0%"
    nums = [v for v in values if isinstance(v, numbers.Real) and not isinstance(v, bool)
            and not (isinstance(v, float) and math.isnan(v))]
    if not nums:
        return None
    return "#,##0" if all(float(v).is_integer() for v in nums) else "#,##0.00"


def _cell(ws, v, fmt: str | None):
    if isinstance(v, np.generic):
        v = v.item()
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return WriteOnlyCell(ws, value=None)
    if isinstance(v, bool):
        return WriteOnlyCell(ws, value=v)
    if isinstance(v, numbers.Real):
        cell = WriteOnlyCell(ws, value=_round(float(v)) if isinstance(v, float) else v)
        if fmt:
            cell.number_format = fmt
        return cell
    if isinstance(v, (list, tuple)):
        v = ";".join(map(str, v))
    cell = WriteOnlyCell(ws, value=_ILLEGAL.sub("", str(v)))
    cell.data_type = "s"  # text stays text: never a formula
    return cell


def write_workbook(path: Path, sheets: dict[str, pd.DataFrame]) -> None:
    """One workbook, a sheet per table: typed cells, number formats, widths, a frozen header."""
    wb = Workbook(write_only=True)
    for name, df in sheets.items():
        ws = wb.create_sheet(_ILLEGAL.sub("", name)[:31])
        cols = [str(c) for c in df.columns]
        formats = [_format(c, df[c]) for c in df.columns]
        for i, c in enumerate(cols, 1):
            longest = max([len(c)] + [len(str(v)) for v in df.iloc[:500, i - 1]])
            ws.column_dimensions[get_column_letter(i)].width = min(60, max(8, longest + 2))
        ws.freeze_panes = "A2"
        header = []
        for c in cols:
            cell = WriteOnlyCell(ws, value=_ILLEGAL.sub("", c))
            cell.data_type = "s"
            cell.font = Font(bold=True)
            header.append(cell)
        ws.append(header)
        for row in df.itertuples(index=False, name=None):
            ws.append([_cell(ws, v, f) for v, f in zip(row, formats, strict=True)])
    wb.save(path)
