"""CSV files as Japanese shops exchange them: UTF-8 (with or without BOM), CP932, UTF-16.

Reading detects the encoding and the delimiter unless told; writing refuses characters the
chosen encoding cannot hold, naming row and column, instead of replacing them with ``?``.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import locale
import os
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from charset_normalizer import from_bytes

from app.domain.errors import QT_TRANSLATE_N_NOOP, QT_TRANSLATE_NOOP, BadInput

from .common import (
    CHECK_EVERY,
    MAX_CELL_CHARS,
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_CSV_BYTES,
    MAX_ROWS,
    CancelCheck,
    FileRefused,
    OperationCancelled,
    Problem,
    Progress,
    Table,
    column_letter,
    create_temporary,
    never_cancelled,
    no_progress,
    refuse_file,
    replace_file,
    too_long_cell,
    too_many_rows,
    too_wide_row,
)

# Encodings a user may name, and what Rendo uses for them. Shift_JIS files are read as CP932,
# its superset (Windows' own: ①, ㈱, 髙 …).
_ALIASES = {
    "utf8": "utf-8", "utf-8": "utf-8", "utf-8-sig": "utf-8-sig", "utf8-sig": "utf-8-sig",
    "utf-8-bom": "utf-8-sig", "bom": "utf-8-sig",
    "cp932": "cp932", "sjis": "cp932", "shift_jis": "cp932", "shift-jis": "cp932",
    "ms932": "cp932", "windows-31j": "cp932", "mskanji": "cp932",
    "utf-16": "utf-16", "utf16": "utf-16", "euc-jp": "euc_jp", "euc_jp": "euc_jp",
}
_DELIMITERS = {",": ",", "comma": ",", "\t": "\t", "\\t": "\t", "tab": "\t", ";": ";",
               "semicolon": ";", "|": "|", "pipe": "|"}
WRITE_ENCODINGS = ("utf-8-sig", "cp932")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_HALFWIDTH_KANA = re.compile(r"[\uff61-\uff9f]")


def normalize_encoding(name: str) -> str:
    """The codec Rendo uses for the encoding called *name*; refuses unknown names."""
    key = name.strip().lower()
    if key in _ALIASES:
        return _ALIASES[key]
    try:
        return codecs.lookup(key).name
    except LookupError:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown encoding {name!r}; use utf-8, "
                                         "utf-8-sig or cp932."), name=name) from None


def normalize_delimiter(name: str) -> str:
    key = name if name in _DELIMITERS else name.strip().lower()
    if key in _DELIMITERS:
        return _DELIMITERS[key]
    if len(name) == 1:
        return name
    raise BadInput(QT_TRANSLATE_NOOP("Errors", "Unknown delimiter {name!r}; use comma, tab or "
                                     "semicolon."), name=name)


def system_is_japanese() -> bool:
    """Is this PC set up for Japanese: a ``ja`` locale (Linux, macOS from a terminal,
    ``Japanese_Japan`` on Windows), or Windows' code page for programs that are not Unicode
    (what Excel there reads a CSV file as) being CP932, also when Python runs in UTF-8 mode?"""
    names = [os.environ.get(v, "") for v in ("LC_ALL", "LC_CTYPE", "LANG")]
    with contextlib.suppress(ValueError):
        names.append(locale.getlocale()[0] or "")
    if any(n.lower().startswith(("ja", "japanese")) for n in names if n):
        return True
    return _code_page() == "cp932"


def _code_page() -> str:
    """The locale's encoding as Python names it (on Windows: the ANSI code page)."""
    try:
        return codecs.lookup(locale.getencoding()).name
    except LookupError:
        return ""


def default_encoding() -> str:
    """CP932 on a Japanese system (Excel there opens it directly), else UTF-8 with BOM."""
    return "cp932" if system_is_japanese() else "utf-8-sig"


def detect_encoding(data: bytes) -> str:
    """BOMs first; then UTF-8 if the bytes are valid UTF-8; then CP932; then a guess."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    try:
        data.decode("utf-8")
        return "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp932")
    except UnicodeDecodeError:
        pass
    else:
        return "euc_jp" if _looks_like_euc_jp(data, text) else "cp932"
    best = from_bytes(data[:200_000]).best()
    if best is None:
        raise BadInput(QT_TRANSLATE_NOOP("Errors", "cannot tell the file's encoding; choose "
                                         "it (utf-8, cp932…)."))
    return normalize_encoding(best.encoding)


DETECT_RECORDS = 30
DETECT_CHARS = 1_000_000
_QUOTED = re.compile(r'"[^"]*(?:""[^"]*)*"')


def detect_delimiter(text: str) -> str:
    """Comma, tab or semicolon: the one that splits the first records into the most equal
    number (2 or more) of fields. Records are parsed as CSV, so a quoted field may hold line
    breaks and the other delimiters; a candidate that leaves quote marks inside fields (it
    did not see where a quoted field starts and ends) loses to one that does not. A file
    with one column gets a comma."""
    sample = text[:DETECT_CHARS]
    best, best_score = ",", None
    for candidate in ("\t", ",", ";"):
        widths, stray = _record_widths(sample, candidate, cut=len(text) > len(sample))
        if not widths:
            continue
        common = max(set(widths), key=widths.count)
        if common < 2:
            continue
        score = (-stray, widths.count(common), common)
        if best_score is None or score > best_score:
            best, best_score = candidate, score
    return best


def _record_widths(sample: str, delimiter: str, cut: bool) -> tuple[list[int], int]:
    """The field counts of the first non-blank records of *sample* read with *delimiter*
    (the last record is dropped when *cut*), and how many of them hold a quote mark out of
    place: a quoted field followed by something other than the delimiter or the line's end
    (``"a","b"`` read with ``;``), or a quote inside a field that does not start with one.
    A quote doubled inside a quoted field (HTML's ``width=""100%""``) is in its place."""
    widths: list[int] = []
    stray = 0
    unquoted = re.compile(f"[^{re.escape(delimiter)}\r\n]*")
    pos, end = 0, len(sample)
    while pos < end and len(widths) < DETECT_RECORDS:
        fields, filled, misplaced = 0, False, False
        while True:
            if sample.startswith('"', pos):
                match = _QUOTED.match(sample, pos)
                if match is None:  # the sample ends inside a quoted field
                    if cut:
                        return widths, stray
                    misplaced, value, pos = True, sample[pos + 1:], end
                else:
                    value, pos = match.group(), match.end()
                    if pos < end and sample[pos] not in (delimiter, "\r", "\n"):
                        rest = unquoted.match(sample, pos)
                        assert rest is not None  # the pattern matches the empty string
                        misplaced, value, pos = True, value + rest.group(), rest.end()
            else:
                rest = unquoted.match(sample, pos)
                assert rest is not None
                value, pos = rest.group(), rest.end()
                misplaced = misplaced or '"' in value
            fields += 1
            filled = filled or bool(value.strip(' "'))
            if pos < end and sample[pos] == delimiter:
                pos += 1
                continue
            break
        pos += 2 if sample.startswith("\r\n", pos) else 1
        if filled:
            widths.append(fields)
            stray += misplaced
    if cut and pos >= end and len(widths) > 1 and len(widths) < DETECT_RECORDS:
        widths.pop()
    return widths, stray


def _looks_like_euc_jp(data: bytes, cp932_text: str) -> bool:
    """EUC-JP kana and kanji read as CP932 come out as runs of half-width katakana."""
    sample = cp932_text[:100_000]
    wide = len(_NON_ASCII.findall(sample))
    if not wide or len(_HALFWIDTH_KANA.findall(sample)) * 2 < wide:
        return False
    try:
        data.decode("euc_jp")
    except UnicodeDecodeError:
        return False
    best = from_bytes(data[:200_000], cp_isolation=["cp932", "euc_jp"]).best()
    return best is not None and normalize_encoding(best.encoding) == "euc_jp"


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as error:
        line = data.count(b"\n", 0, error.start) + 1
        problem = Problem(name, line, None, QT_TRANSLATE_NOOP(
            "Errors", "byte 0x{byte} cannot be read as {encoding}; choose the file's encoding."),
            {"byte": f"{data[error.start]:02X}", "encoding": encoding})
        raise FileRefused(QT_TRANSLATE_NOOP("Errors", "{file} cannot be read as {encoding}."),
                          [problem], file=name, encoding=encoding) from None


def read_csv(
    path: Path | str, encoding: str | None = None, delimiter: str | None = None,
    progress: Progress = no_progress, cancelled: CancelCheck = never_cancelled,
) -> Table:
    """Read every non-blank row of *path* (all cells are text).

    A cell that starts with ``'`` followed by ``= + - @``, a tab or a CR loses that one quote:
    it is how Rendo's exports keep spreadsheets from running such a cell as a formula.
    Files, cells and rows beyond the limits in ``common`` are refused, naming row and column.
    """
    path = Path(path)
    try:
        if path.stat().st_size > MAX_CSV_BYTES:
            raise refuse_file(path, QT_TRANSLATE_NOOP(
                "Errors", "the file is larger than {max} MB; split it into smaller files."),
                max=MAX_CSV_BYTES // (1024 * 1024))
        data = path.read_bytes()
    except OSError as error:
        raise refuse_file(path, QT_TRANSLATE_NOOP("Errors", "cannot read the file ({error})."),
                          error=error.strerror or str(error)) from None
    try:
        encoding = normalize_encoding(encoding) if encoding else detect_encoding(data)
    except BadInput as error:
        raise refuse_file(path, error.template, **error.params) from None
    if encoding == "utf-8" and data.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    text = _decode(data, encoding, path.name)
    del data
    delimiter = normalize_delimiter(delimiter) if delimiter else detect_delimiter(text)
    total = text.count("\n") + 1
    quoted = "'" in text
    rows: list[tuple[int, tuple[Any, ...]]] = []
    blank = cells = 0
    number = 0
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=False)
    lines_before = 0  # physical lines before the record being read
    try:
        for number, record in enumerate(reader, start=1):
            if number % CHECK_EVERY == 0:
                if cancelled():
                    raise OperationCancelled
                progress(reader.line_num, total)
            lines_before = reader.line_num
            if not any(cell.strip() for cell in record):
                blank += 1
                continue
            if len(record) > MAX_COLUMNS or max(map(len, record)) > MAX_CELL_CHARS:
                record = _within_limits(path.name, number, record)
            cells += len(record)
            if number > MAX_ROWS or cells > MAX_CELLS:
                raise too_many_rows(path.name, number)
            if quoted:
                record = [_unescape(cell) for cell in record]
            rows.append((number, tuple(record)))
    except csv.Error as error:
        if "field limit" in str(error):
            column = _long_field(text, _offset_of_line(text, lines_before), delimiter)
            raise too_long_cell(path.name, number + 1, column) from None
        raise refuse_file(path, QT_TRANSLATE_NOOP("Errors", "the file is not valid CSV near "
                                                  "line {line} ({error})."),
                          line=reader.line_num, error=str(error)) from None
    progress(total, total)
    return Table(path, "csv", rows, encoding=encoding, delimiter=delimiter, blank_rows=blank)


def _within_limits(name: str, number: int, record: list[str]) -> list[str]:
    """*record* without empty cells beyond ``MAX_COLUMNS``; refused when too wide or long."""
    if len(record) > MAX_COLUMNS:
        for index in range(MAX_COLUMNS, len(record)):
            if record[index].strip():
                raise too_wide_row(name, number, index)
        record = record[:MAX_COLUMNS]
    if max(map(len, record)) > MAX_CELL_CHARS:
        index = next(i for i, cell in enumerate(record) if len(cell) > MAX_CELL_CHARS)
        raise too_long_cell(name, number, index)
    return record


def _offset_of_line(text: str, lines: int) -> int:
    """Where physical line *lines* (0-based, as the csv module counts them) starts."""
    offset = 0
    for count, line in enumerate(io.StringIO(text, newline="")):
        if count == lines:
            break
        offset += len(line)
    return offset


def _long_field(text: str, start: int, delimiter: str) -> int:
    """The 0-based column of the first field longer than ``MAX_CELL_CHARS`` in the record
    starting at *start* (quotes as the csv module reads them)."""
    column = length = 0
    quoted, field_start = False, True
    index, end = start, len(text)
    while index < end:
        char = text[index]
        index += 1
        if quoted:
            if char == '"':
                if text.startswith('"', index):
                    index += 1
                    length += 1
                else:
                    quoted = False
            else:
                length += 1
        elif char == '"' and field_start:
            quoted = True
        elif char == delimiter:
            column, length, field_start = column + 1, 0, True
            continue
        elif char in "\r\n":
            break
        else:
            length += 1
        field_start = False
        if length > MAX_CELL_CHARS:
            break
    return column


# A cell starting with one of these is run as a formula by Excel, LibreOffice and Sheets
# (OWASP: CSV injection); tab and CR too, as some programs skip them before the "=".
FORMULA_STARTS = frozenset("=+-@\t\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)\Z")


def neutralise(value: str) -> str:
    """*value* with a ``'`` in front when a spreadsheet could run it as a formula (OWASP's
    rule). Plain numbers such as ``-3`` or ``+5`` stay numbers. A value that already starts
    with quotes before such a character gets one more, so that reading back (which removes
    one) gives the value unchanged."""
    first = value[:1]
    if first in FORMULA_STARTS:
        return value if _PLAIN_NUMBER.match(value) else "'" + value
    if first == "'" and value.lstrip("'")[:1] in FORMULA_STARTS:
        return "'" + value
    return value


def _unescape(cell: str) -> str:
    """The reverse of ``neutralise``: one ``'`` less before a formula character."""
    if cell[:1] == "'" and cell.lstrip("'")[:1] in FORMULA_STARTS:
        return cell[1:]
    return cell


def _first_unwritable(value: str, encoding: str) -> tuple[str, str | None] | None:
    """The first character of *value* that *encoding* cannot write as itself, and what the
    codec would silently write instead (CP932 turns 〜 U+301C into ～, − into －)."""
    try:
        if value.encode(encoding).decode(encoding) == value:
            return None
    except UnicodeError:
        pass
    for char in value:
        try:
            back = char.encode(encoding).decode(encoding)
        except UnicodeError:
            return char, None
        if back != char:
            return char, back
    return None


def unencodable(rows: Iterable[Sequence[Any]], encoding: str, name: str,
                first_row: int = 1) -> list[Problem]:
    """Every cell of *rows* holding a character *encoding* cannot write unchanged."""
    problems: list[Problem] = []
    for number, row in enumerate(rows, start=first_row):
        for index, value in enumerate(row):
            if not isinstance(value, str) or value.isascii():
                continue
            found = _first_unwritable(value, encoding)
            if found is None:
                continue
            char, instead = found
            params = {"encoding": encoding, "char": char, "code": ord(char), "value": value,
                      "instead": instead}
            if instead is None:
                template = QT_TRANSLATE_NOOP(
                    "Errors", "{encoding} cannot hold the character {char!r} (U+{code:04X}) in "
                    "{value!r}; export as UTF-8 (BOM) or .xlsx, or change the text.")
            else:
                template = QT_TRANSLATE_NOOP(
                    "Errors", "{encoding} cannot hold the character {char!r} (U+{code:04X}) in "
                    "{value!r} (it would become {instead!r}); export as UTF-8 (BOM) or .xlsx, "
                    "or change the text.")
            problems.append(Problem(name, number, column_letter(index), template, params))
    return problems


def write_csv(
    path: Path | str, header: Sequence[str], rows: Sequence[Sequence[Any]], encoding: str,
    cancelled: CancelCheck = never_cancelled, progress: Progress = no_progress,
    delimiter: str = ",",
) -> None:
    """Write *header* and *rows*; nothing is written when a cell cannot be encoded.

    Text cells that a spreadsheet would run as a formula are written with a ``'`` in front
    (see ``neutralise``); numbers are written as they are."""
    path = Path(path)
    encoding = normalize_encoding(encoding)
    problems = unencodable([header, *rows], encoding, path.name)
    if problems:
        raise FileRefused(QT_TRANSLATE_N_NOOP(
            "Errors", "{file}: %n cells hold characters {encoding} cannot write; nothing "
            "was written."), problems, file=path.name, encoding=encoding)
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=delimiter, lineterminator="\r\n")
    writer.writerow([_cell(v) for v in header])
    for number, row in enumerate(rows, start=1):
        if number % CHECK_EVERY == 0:
            if cancelled():
                raise OperationCancelled
            progress(number, len(rows))
        writer.writerow([_cell(v) for v in row])
    replace_atomically(path, buffer.getvalue().encode(encoding))
    progress(len(rows), len(rows))


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    return neutralise(value) if isinstance(value, str) else value


def replace_atomically(path: Path, data: bytes) -> None:
    """Write *data* to *path* through a temporary file: never a half-written file."""
    handle, temporary = create_temporary(path)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        replace_file(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
