"""Reading article inputs and writing record outputs, safely and in a streaming way.

Every command that takes articles (``build-dataset``, ``predict``, ``summarize`` ...) reads them through
:func:`read_records`, and every command that writes rows writes them through :class:`RecordWriter`, so
that input formats, encodings and error handling behave the same everywhere.

Inputs
    * ``.txt`` — one article per file; the id is the file stem (``seeds/001_ab.txt`` -> ``001_ab``).
    * ``.jsonl`` / ``.ndjson`` — one JSON object per line.
    * ``.csv`` / ``.tsv`` — a header row is required; cells are read as strings, an empty cell is a
      missing value; a list written by :class:`RecordWriter` (a JSON list in the cell) is read back
      as a list for ``also``.
    * ``.parquet`` — read batch by batch with :meth:`pyarrow.parquet.ParquetFile.iter_batches`.
    * ``.txt.gz``, ``.jsonl.gz``, ``.ndjson.gz``, ``.csv.gz``, ``.tsv.gz`` — the same, gzip-compressed.
    * a folder — walked recursively in sorted order; hidden files and folders (``.name``) are ignored,
      any other file with an unsupported suffix is a *bad input* ("unsupported file type"): it fails the
      run in ``on_error="fail"`` mode and is reported as skipped in ``"skip"`` mode.
    * ``"-"`` — JSON Lines on standard input (UTF-8).

    ``.json`` is not accepted: a JSON array cannot be streamed, and guessing whether a ``.json`` file
    holds one object per line would make the error messages unreliable.

    A column or field ``text`` (or the one named by ``text_field``) is required; ``id``, ``url``, ``date``,
    ``title``, ``label`` and ``also`` are optional; any other field is kept in :attr:`RawRecord.extra`.
    A JSON record with no text but a non-empty ``sentences`` list (pre-split input) takes the sentences,
    one per line, as its text and keeps the list in ``extra["sentences"]``.

Encodings
    UTF-8 (with or without BOM) and UTF-16/UTF-32 with a BOM are recognised directly; anything else is
    handed to ``charset-normalizer`` restricted to the Turkish legacy code pages Windows-1254 and
    ISO-8859-9, so ``ğ ş ı İ`` come out right instead of the ``ð þ ý Ý`` a Latin-1 guess would give.
    Text files and the first 64 KiB of JSONL/CSV files are used for detection; big files are then
    decoded line by line with the detected codec, never loaded whole.

Errors
    Bad input (empty file, binary file, malformed JSON line, CSV row with the wrong number of fields,
    record without text, duplicate id, ...) produces :class:`InputError` whose message names the file
    and line: ``"data.jsonl:17: malformed JSON (Expecting ',' delimiter: column 15)"``. With
    ``on_error="skip"`` the problem is recorded in an :class:`ErrorReport` instead, so that
    *records in = records read + records reported*: nothing is dropped silently. Usage errors — an
    explicit path that does not exist or has an unsupported suffix — always raise, before anything is
    read.

Ids
    Ids are kept exactly as given, as strings (``7`` -> ``"7"``, CSV ``"007"`` stays ``"007"``). A record
    without an id gets ``"<file stem>:<line>"`` (for Parquet the 1-based row number), which is
    deterministic across runs. An id seen twice in one :func:`read_records` call is a bad input
    ("duplicate id"), because every downstream output is keyed by id.
"""

from __future__ import annotations

import codecs
import csv
import datetime as _dt
import gzip
import io
import json
import logging
import os
import re
import sys
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field, is_dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any, BinaryIO, Literal

log = logging.getLogger(__name__)

__all__ = [
    "SUPPORTED_SUFFIXES",
    "ErrorReport",
    "InputError",
    "RawRecord",
    "RecordWriter",
    "Skipped",
    "decode_text",
    "detect_encoding",
    "read_records",
    "write_json_atomic",
]

#: Input suffixes understood by :func:`read_records` and the reader used for each.
SUPPORTED_SUFFIXES: dict[str, str] = {
    ".txt": "txt",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".csv": "csv",
    ".tsv": "tsv",
    ".parquet": "parquet",
    ".txt.gz": "txt",
    ".jsonl.gz": "jsonl",
    ".ndjson.gz": "jsonl",
    ".csv.gz": "csv",
    ".tsv.gz": "tsv",
}

#: Fields of :class:`RawRecord` that are taken from an input record (the rest go to ``extra``).
STANDARD_FIELDS = ("id", "text", "title", "date", "url", "label", "also")

#: Largest single article (a .txt file, a JSONL line, a CSV field) accepted; anything bigger is an error,
#: which also bounds the memory a runaway CSV quote or a newline-free "JSONL" file can take.
MAX_RECORD_BYTES = 64 * 1024 * 1024

#: How much of a JSONL/CSV file is looked at to detect its encoding and whether it is binary.
SAMPLE_BYTES = 64 * 1024

#: Share of control characters above which decoded text is called binary.
MAX_CONTROL_RATIO = 0.05

#: Code pages that charset-normalizer may choose between for non-UTF text.
TURKISH_LEGACY_ENCODINGS = ["cp1254", "iso8859_9"]

_ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": "UTF-8",
    "utf-16": "UTF-16",
    "utf-32": "UTF-32",
    "cp1254": "Windows-1254",
    "iso8859_9": "ISO-8859-9",
}

OnError = Literal["fail", "skip"]


# --------------------------------------------------------------------------------------------------
# data types
# --------------------------------------------------------------------------------------------------


@dataclass
class RawRecord:
    """One input article as read from disk, before any cleaning.

    ``source`` is the file it came from (``"<stdin>"`` for standard input) and ``line`` the 1-based line
    (JSONL), physical line of the row start (CSV) or row number (Parquet); ``None`` for ``.txt`` files.
    """

    id: str
    text: str
    title: str | None = None
    date: str | None = None
    url: str | None = None
    label: str | None = None
    also: list[str] = field(default_factory=list)
    source: str = ""
    line: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def where(self) -> str:
        """``"file:line"`` (or just ``"file"``), for messages."""
        return f"{self.source}:{self.line}" if self.line is not None else self.source

    def to_dict(self, *, extra: bool = True) -> dict[str, Any]:
        """The record as a flat dict (standard fields first, then ``extra`` unless ``extra=False``).

        ``source`` and ``line`` are provenance, not data, so they are left out.
        """
        out: dict[str, Any] = {
            "id": self.id,
            "text": self.text,
            "title": self.title,
            "date": self.date,
            "url": self.url,
            "label": self.label,
            "also": list(self.also),
        }
        if extra:
            for key, value in self.extra.items():
                out.setdefault(key, value)
        return out


_MESSAGE = re.compile(r"^(.+?)(?::(\d+))?: (.+)$", re.DOTALL)


class InputError(ValueError):
    """A bad input: ``str(e) == "<path>:<line>: <reason>"`` (``"<path>: <reason>"`` for whole files).

    Build it as ``InputError(path, line, reason)`` (``line`` None for whole-file problems), or from a
    ready message ``InputError("gold.jsonl:3: malformed JSON")``, which is split back into
    ``source``/``line``/``reason`` where it has that shape.
    """

    def __init__(
        self,
        source: str | os.PathLike[str],
        line: int | None = None,
        reason: str | None = None,
        *,
        id: str | None = None,
    ):
        self.id = id
        if reason is None and line is None:  # one ready-made message
            message = str(source)
            match = _MESSAGE.match(message)
            self.source, number, self.reason = match.groups() if match else ("", None, message)
            self.line = int(number) if number else None
            super().__init__(message)
            return
        self.source = str(source)
        self.line = line
        self.reason = reason or "bad input"
        where = f"{self.source}:{line}" if line is not None else self.source
        super().__init__(f"{where}: {self.reason}")

    def to_skipped(self) -> Skipped:
        """The same problem as a :class:`Skipped` entry."""
        return Skipped(source=self.source, line=self.line, id=self.id, reason=self.reason)


@dataclass(slots=True)
class Skipped:
    """One input that was not read: a record (``line`` set) or a whole file (``line`` None, or the line
    where reading had to stop)."""

    source: str
    line: int | None
    id: str | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.source}:{self.line}" if self.line is not None else self.source
        return f"{where}: {self.reason}"


_QUOTED = re.compile(r"\s*'[^']*'")


class ErrorReport:
    """What :func:`read_records` read and what it skipped (and why).

    ``read`` counts records yielded, ``files`` the input files opened (or tried), ``skipped`` lists every
    record or file that was not read. In skip mode, records in = ``read`` + record-level ``skipped``.
    """

    def __init__(self) -> None:
        self.read: int = 0
        self.files: int = 0
        self.skipped: list[Skipped] = []

    def add(self, skipped: Skipped) -> None:
        """Record one skipped record or file."""
        self.skipped.append(skipped)

    @property
    def ok(self) -> bool:
        """True when nothing was skipped."""
        return not self.skipped

    def reasons(self) -> dict[str, int]:
        """How many skips per kind of reason (the reason up to its first parenthesis, quoted parts
        such as ids removed: ``"duplicate id 'x' (...)"`` counts as ``"duplicate id"``)."""
        counts: dict[str, int] = {}
        for s in self.skipped:
            kind = _QUOTED.sub("", s.reason.split(" (", 1)[0].split(";", 1)[0]).strip()
            counts[kind] = counts.get(kind, 0) + 1
        return dict(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])))

    def summary(self, max_items: int = 10) -> str:
        """One paragraph for humans, e.g. ``"read 120 records from 3 files; skipped 2: a.jsonl:17:
        malformed JSON (...); b.csv:4: CSV row has 3 fields, header has 4."``"""
        files = f"{self.files} file" + ("" if self.files == 1 else "s")
        records = f"{self.read} record" + ("" if self.read == 1 else "s")
        head = f"read {records} from {files}"
        if not self.skipped:
            return head + "; nothing skipped."
        items = "; ".join(str(s) for s in self.skipped[:max_items])
        more = len(self.skipped) - max_items
        tail = f"; ... and {more} more" if more > 0 else ""
        kinds = ", ".join(f"{k}: {n}" for k, n in self.reasons().items())
        return f"{head}; skipped {len(self.skipped)} ({kinds}): {items}{tail}."

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready form: counts, reasons and every skipped entry."""
        return {
            "read": self.read,
            "files": self.files,
            "skipped_count": len(self.skipped),
            "reasons": self.reasons(),
            "skipped": [asdict(s) for s in self.skipped],
        }

    def write_json(self, path: str | os.PathLike[str]) -> Path:
        """Write :meth:`to_dict` as JSON (atomically) and return the path."""
        return write_json_atomic(path, self.to_dict())

    def __repr__(self) -> str:
        return f"ErrorReport(read={self.read}, files={self.files}, skipped={len(self.skipped)})"


# --------------------------------------------------------------------------------------------------
# encodings
# --------------------------------------------------------------------------------------------------


class _NotText(Exception):
    """Raised by the encoding helpers with a reason ("binary file ...")."""


def _control_ratio(text: str) -> float:
    """Share of characters that are control characters other than tab, newline, CR, form feed."""
    if not text:
        return 0.0
    bad = sum(1 for ch in text if ch < " " and ch not in "\t\n\r\f\v" or "\x7f" <= ch <= "\x9f")
    return bad / len(text)


def detect_encoding(sample: bytes, *, complete: bool = True) -> str:
    """Return the Python codec for ``sample`` (the whole file if ``complete``, else its first bytes).

    Order: BOMs (UTF-8, UTF-32, UTF-16), NUL bytes -> binary, strict UTF-8 (a multibyte character cut at
    the end of an incomplete sample is fine), then charset-normalizer restricted to
    :data:`TURKISH_LEGACY_ENCODINGS`. Bytes that are mostly valid UTF-8 multibyte sequences with a few
    invalid ones stay UTF-8 (legacy Turkish text essentially never forms valid UTF-8 sequences), so a
    mostly-UTF-8 file with one bad line gets that line reported rather than being misread as
    Windows-1254. charset-normalizer gives up on very short all-accented strings,
    so as a last resort Windows-1254 is taken when it decodes the bytes to text with few control
    characters (the same test that rejects binary files). Raises :class:`_NotText` for binary input.
    """
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)):
        return "utf-32"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if b"\x00" in sample:
        raise _NotText("binary file (contains NUL bytes)")
    try:
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=complete)
        return "utf-8"
    except UnicodeDecodeError:
        pass
    if _mostly_utf8(sample):
        return "utf-8"  # a UTF-8 file with a few bad bytes: callers report the bad lines
    import charset_normalizer

    best = charset_normalizer.from_bytes(sample, cp_isolation=TURKISH_LEGACY_ENCODINGS).best()
    encoding = best.encoding if best is not None else None
    if encoding is not None:
        # The two code pages only differ in 0x80-0x9F: printable in cp1254, C1 controls in ISO-8859-9.
        if encoding == "iso8859_9" and any(0x80 <= b <= 0x9F for b in sample):
            encoding = "cp1254"
        return encoding
    for candidate in TURKISH_LEGACY_ENCODINGS:
        try:
            text = sample.decode(candidate)
        except UnicodeDecodeError:
            continue
        if _control_ratio(text) <= MAX_CONTROL_RATIO:
            return candidate
    raise _NotText("binary file or unknown encoding (not UTF-8, UTF-16, Windows-1254 or ISO-8859-9)")


def _mostly_utf8(data: bytes) -> bool:
    """True when ``data`` holds more valid non-ASCII UTF-8 characters than invalid bytes."""
    decoded = data.decode("utf-8", errors="replace")
    invalid = decoded.count("\ufffd")
    valid = sum(1 for ch in decoded if ch > "\x7f") - invalid
    return valid > invalid


def decode_text(data: bytes) -> tuple[str, str]:
    """Decode a whole text file: returns ``(text, codec)``; BOM removed, line ends normalised to ``\\n``.

    Raises :class:`_NotText` for binary data or a file that is UTF-8 except for some invalid bytes.
    """
    encoding = detect_encoding(data, complete=True)
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as e:  # mostly UTF-8 with some invalid bytes
        name = _ENCODING_NAMES.get(encoding, encoding)
        raise _NotText(f"not valid {name} (byte 0x{data[e.start]:02x} at offset {e.start})") from e
    text = text.removeprefix("\ufeff")
    _check_not_binary(text)
    return text.replace("\r\n", "\n").replace("\r", "\n"), encoding


def _check_not_binary(text: str) -> None:
    ratio = _control_ratio(text)
    if ratio > MAX_CONTROL_RATIO:
        raise _NotText(f"binary file ({ratio:.0%} control characters)")


# --------------------------------------------------------------------------------------------------
# field conversion
# --------------------------------------------------------------------------------------------------


def _sentence_list(value: Any) -> bool:
    """True for a non-empty list of strings with some text."""
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value) and any(
        v.strip() for v in value)


def _type_name(value: Any) -> str:
    return {dict: "object", list: "array", str: "string", bool: "boolean", type(None): "null"}.get(
        type(value), type(value).__name__
    )


def _optional_str(value: Any) -> str | None:
    """Optional metadata as a stripped string; empty -> None; dates -> ISO; nested -> JSON."""
    if value is None:
        return None
    if isinstance(value, str):
        value = value.strip()
        return value or None
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (dict, list, tuple)):
        return json.dumps(value, ensure_ascii=False, default=_json_default)
    return str(value)


def _also_list(value: Any) -> list[str]:
    """``also`` as a list of label names: a list, a JSON list in a string, or a string separated by
    commas or semicolons."""
    if value is None:
        return []
    if isinstance(value, str):
        if value.lstrip().startswith("["):  # a JSON list, as RecordWriter puts lists into CSV cells
            try:
                parsed = json.loads(value)
            except json.JSONDecodeError:
                parsed = None
            if isinstance(parsed, list):
                return _also_list(parsed)
        parts = value.replace(";", ",").split(",")
    elif isinstance(value, (list, tuple)):
        parts = [str(v) for v in value if v is not None]
    else:
        parts = [str(value)]
    return [p.strip() for p in parts if p.strip()]


def _record_id(value: Any) -> str | None:
    """The id exactly as given, as a string (None when absent or empty). Floats that are whole numbers
    (a Parquet/pandas artefact of int columns with nulls) lose their ``.0``."""
    if value is None:
        return None
    if isinstance(value, str):
        return value if value != "" else None
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, (int, float)):
        return str(value)
    raise TypeError(_type_name(value))


# --------------------------------------------------------------------------------------------------
# reading
# --------------------------------------------------------------------------------------------------


def _kind_and_stem(path: Path) -> tuple[str | None, str]:
    """Reader kind for ``path`` (None if unsupported) and its stem without the (compound) suffix."""
    name = path.name
    lower = name.lower()
    for suffix in sorted(SUPPORTED_SUFFIXES, key=len, reverse=True):
        if lower.endswith(suffix) and len(name) > len(suffix):
            return SUPPORTED_SUFFIXES[suffix], name[: -len(suffix)]
    return None, path.stem


def _suffix_of(path: Path) -> str:
    suffixes = "".join(path.suffixes[-2:]) if path.suffix.lower() == ".gz" else path.suffix
    return suffixes or "(none)"


def _unsupported(path: Path) -> str:
    listed = ", ".join(s for s in SUPPORTED_SUFFIXES if not s.endswith(".gz"))
    return f"unsupported file type '{_suffix_of(path)}' (expected {listed}, optionally .gz)"


def _open_binary(path: Path) -> BinaryIO:
    if path.name.lower().endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


class _Reader:
    """State of one :func:`read_records` call: options, report, ids seen so far."""

    def __init__(self, text_field: str, id_field: str, on_error: OnError, report: ErrorReport) -> None:
        self.text_field = text_field
        self.id_field = id_field
        self.on_error = on_error
        self.report = report
        self.sources: list[str] = []
        self.nonblank = 0  # non-blank lines of the JSONL stream being read
        # id -> (index into self.sources, line) of its first occurrence; ints keep this small.
        self.seen: dict[str, int] = {}

    # -- problems ------------------------------------------------------------------------------

    def problem(self, source: str, line: int | None, reason: str, id: str | None = None) -> None:
        """Raise in fail mode; record and return in skip mode."""
        if self.on_error == "fail":
            raise InputError(source, line, reason, id=id)
        skipped = Skipped(source=source, line=line, id=id, reason=reason)
        self.report.add(skipped)
        log.debug("skipped %s", skipped)

    # -- records -------------------------------------------------------------------------------

    def make_record(self, obj: dict[str, Any], source: str, line: int, stem: str) -> RawRecord | None:
        """Turn one input mapping into a :class:`RawRecord`, or report why not (returns None)."""
        tf, idf = self.text_field, self.id_field
        raw_id = obj.get(idf)
        try:
            rid = _record_id(raw_id)
        except TypeError as e:
            self.problem(source, line, f"field '{idf}' must be a string or number, not {e}")
            return None
        if tf not in obj and _sentence_list(obj.get("sentences")):
            # pre-split input (e.g. sentence-level relevance annotations): the sentences are the text
            obj = {**obj, tf: "\n".join(s.strip() for s in obj["sentences"])}
        if tf not in obj:
            fields = ", ".join(str(k) for k in list(obj)[:12]) or "none"
            self.problem(
                source,
                line,
                f"record without text (no '{tf}' field; fields: {fields}; name another with --text-field)",
                rid,
            )
            return None
        text = obj[tf]
        if text is None or (isinstance(text, str) and not text.strip()):
            self.problem(source, line, f"record without text (empty '{tf}')", rid)
            return None
        if not isinstance(text, str):
            self.problem(source, line, f"field '{tf}' must be a string, not {_type_name(text)}", rid)
            return None
        if rid is None:
            rid = f"{stem}:{line}"
        extra = {k: v for k, v in obj.items() if k not in (tf, idf) and k not in STANDARD_FIELDS}
        if tf != "text" and "text" in obj:
            extra["text"] = obj["text"]
        if idf != "id" and "id" in obj:
            extra["id"] = obj["id"]
        return RawRecord(
            id=rid,
            text=text,
            title=_optional_str(obj.get("title")),
            date=_optional_str(obj.get("date")),
            url=_optional_str(obj.get("url")),
            label=_optional_str(obj.get("label")),
            also=_also_list(obj.get("also")),
            source=source,
            line=line,
            extra=extra,
        )

    def accept(self, record: RawRecord) -> bool:
        """Check the id is new in this run; count the record as read. False (after reporting) if not."""
        first = self.seen.get(record.id)
        if first is not None:
            src, line = self.sources[first >> 32], first & 0xFFFFFFFF
            where = f"{src}:{line}" if line else src
            self.problem(
                record.source, record.line, f"duplicate id '{record.id}' (first seen at {where})", record.id
            )
            return False
        self.seen[record.id] = ((len(self.sources) - 1) << 32) | min(record.line or 0, 0xFFFFFFFF)
        self.report.read += 1
        return True

    # -- inputs ----------------------------------------------------------------------------------

    def expand(self, inputs: list[str | Path]) -> Iterator[str | Path]:
        """Yield ``"-"`` and file paths in reading order; folders are walked (sorted, hidden skipped)."""
        for item in inputs:
            if str(item) == "-":
                yield "-"
                continue
            path = Path(item)
            if not path.is_dir():
                yield path
                continue
            found = False
            for dirpath, dirnames, filenames in os.walk(path):
                dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
                for name in sorted(filenames):
                    if name.startswith("."):
                        continue
                    child = Path(dirpath) / name
                    found = True
                    if _kind_and_stem(child)[0] is None:
                        self.report.files += 1
                        self.problem(str(child), None, _unsupported(child))
                    else:
                        yield child
            if not found:
                self.problem(str(path), None, "empty folder (no input files)")

    def read_one(self, item: str | Path) -> Iterator[RawRecord]:
        """Yield the records of one file (or stdin); whole-file problems raise :class:`InputError`."""
        self.report.files += 1
        if item == "-":
            self.sources.append("<stdin>")
            stream = getattr(sys.stdin, "buffer", None) or _EncodingReader(sys.stdin)
            yield from self.read_jsonl_stream(stream, "<stdin>", "stdin", "utf-8")
            return
        path = Path(item)
        source = str(path)
        self.sources.append(source)
        kind, stem = _kind_and_stem(path)
        try:
            size = path.stat().st_size
        except OSError as e:
            raise InputError(source, None, f"cannot read file ({e.strerror or e})") from e
        if size == 0:
            raise InputError(source, None, "empty file")
        try:
            if kind == "txt":
                yield from self.read_txt(path, source, stem)
            elif kind == "jsonl":
                yield from self.read_jsonl(path, source, stem)
            elif kind in ("csv", "tsv"):
                yield from self.read_csv(path, source, stem, "\t" if kind == "tsv" else ",")
            elif kind == "parquet":
                yield from self.read_parquet(path, source, stem)
            else:  # expand() and the up-front check keep this from happening
                raise InputError(source, None, _unsupported(path))
        except _FatalDecode as e:
            raise InputError(source, e.lineno, f"{e.reason}; rest of file not read") from e
        except (gzip.BadGzipFile, EOFError) as e:
            raise InputError(source, None, f"broken gzip file ({e or 'truncated'})") from e
        except OSError as e:
            raise InputError(source, None, f"cannot read file ({e.strerror or e})") from e

    def read_txt(self, path: Path, source: str, stem: str) -> Iterator[RawRecord]:
        with _open_binary(path) as fh:
            data = fh.read(MAX_RECORD_BYTES + 1)
        if not data:
            raise InputError(source, None, "empty file")
        if len(data) > MAX_RECORD_BYTES:
            raise InputError(
                source, None, f"file too large for one article (over {MAX_RECORD_BYTES >> 20} MiB)"
            )
        try:
            text, _encoding = decode_text(data)
        except _NotText as e:
            raise InputError(source, None, str(e)) from None
        if not text.strip():
            raise InputError(source, None, "empty file (only whitespace)")
        record = RawRecord(id=stem, text=text, source=source, line=None)
        if self.accept(record):
            yield record

    def _sample(self, fh: BinaryIO, source: str) -> str:
        """Read the head of ``fh``, rewind, and return its codec (raising on empty/binary files)."""
        sample = fh.read(SAMPLE_BYTES)
        fh.seek(0)
        if not sample:
            raise InputError(source, None, "empty file")
        try:
            encoding = detect_encoding(sample, complete=len(sample) < SAMPLE_BYTES)
            if not encoding.startswith(("utf-16", "utf-32")):
                _check_not_binary(sample.decode(encoding, errors="ignore"))
        except _NotText as e:
            raise InputError(source, None, str(e)) from None
        return encoding

    def read_jsonl(self, path: Path, source: str, stem: str) -> Iterator[RawRecord]:
        with _open_binary(path) as fh:
            encoding = self._sample(fh, source)
            yield from self.read_jsonl_stream(fh, source, stem, encoding)

    def read_jsonl_stream(self, fh: BinaryIO, source: str, stem: str, encoding: str) -> Iterator[RawRecord]:
        """JSON Lines from a binary stream, one line at a time (each line at most MAX_RECORD_BYTES).

        Blank lines are not records; a stream without any non-blank line is an "empty file".
        """
        self.nonblank = 0
        for lineno, line, error in _decoded_lines(fh, encoding):
            if error is None and not line.strip():
                continue  # blank lines are not records
            self.nonblank += 1
            if error is not None:
                self.problem(source, lineno, error)
                continue
            try:
                obj = json.loads(line.rstrip("\r\n"))
            except json.JSONDecodeError as e:
                self.problem(source, lineno, f"malformed JSON ({e.msg}: column {e.colno})")
                continue
            except RecursionError:
                self.problem(source, lineno, "malformed JSON (nested too deeply)")
                continue
            if not isinstance(obj, dict):
                self.problem(source, lineno, f"expected a JSON object, got {_type_name(obj)}")
                continue
            record = self.make_record(obj, source, lineno, stem)
            if record is not None and self.accept(record):
                yield record
        if self.nonblank == 0:
            raise InputError(source, None, "empty file (no records)")

    def read_csv(self, path: Path, source: str, stem: str, delimiter: str) -> Iterator[RawRecord]:
        with _open_binary(path) as fh:
            encoding = self._sample(fh, source)
            if csv.field_size_limit() < MAX_RECORD_BYTES:  # the default, 128 KiB, is too small for articles
                csv.field_size_limit(MAX_RECORD_BYTES)
            bad: dict[int, str] = {}

            def lines() -> Iterator[str]:
                for lineno, line, error in _decoded_lines(fh, encoding, replace=True):
                    if error is not None:
                        bad[lineno] = error
                    yield line

            # strict: a stray or unclosed quote is an error on that row instead of silently swallowing
            # the following lines into one field; the reader resynchronises on the next line.
            reader = csv.reader(lines(), delimiter=delimiter, strict=True)
            header: list[str] | None = None
            header_line = 0
            rows = 0
            previous = 0
            while True:
                start = previous + 1
                try:
                    row = next(reader)
                except StopIteration:
                    break
                except csv.Error as e:
                    previous = reader.line_num
                    if header is None:
                        raise InputError(source, start, f"malformed CSV header ({e})") from e
                    rows += 1
                    bad.clear()
                    span = f", lines {start}-{previous}" if previous > start else ""
                    self.problem(source, start, f"malformed CSV ({e}{span})")
                    continue
                previous = reader.line_num
                if not row or (len(row) == 1 and not row[0].strip() and header is None):
                    bad.pop(start, None)
                    continue  # blank line
                if header is None:
                    header = [h.strip() for h in row]
                    header_line = start
                    if self.text_field not in header:
                        cols = ", ".join(header[:20])
                        raise InputError(
                            source,
                            None,
                            f"no '{self.text_field}' column (columns: {cols}); name another with --text-field",
                        )
                    continue
                rows += 1
                errors = [bad.pop(n) for n in range(start, previous + 1) if n in bad]
                if errors:
                    self.problem(source, start, errors[0])
                    continue
                if len(row) != len(header):
                    self.problem(
                        source,
                        start,
                        f"wrong number of fields ({len(row)} in this row, {len(header)} in the header)",
                    )
                    continue
                # an empty cell is a missing value: CSV cannot tell "" from null
                obj = {k: (v if v != "" else None) for k, v in zip(header, row)}
                record = self.make_record(obj, source, start, stem)
                if record is not None and self.accept(record):
                    yield record
            if header is None:
                raise InputError(source, None, "empty file")
            if rows == 0:
                raise InputError(source, None, f"empty file (header on line {header_line}, no rows)")

    def read_parquet(self, path: Path, source: str, stem: str) -> Iterator[RawRecord]:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            pf = pq.ParquetFile(path)
        except (pa.ArrowException, OSError) as e:
            raise InputError(source, None, f"not a readable Parquet file ({e})") from e
        names = pf.schema_arrow.names
        if self.text_field not in names:
            cols = ", ".join(names[:20])
            raise InputError(
                source,
                None,
                f"no '{self.text_field}' column (columns: {cols}); name another with --text-field",
            )
        if pf.metadata.num_rows == 0:
            raise InputError(source, None, "empty file (no rows)")
        row = 0
        try:
            for batch in pf.iter_batches(batch_size=1024):
                for obj in batch.to_pylist():
                    row += 1
                    record = self.make_record(obj, source, row, stem)
                    if record is not None and self.accept(record):
                        yield record
        except pa.ArrowException as e:
            raise InputError(source, row + 1, f"unreadable Parquet data ({e}); rest of file not read") from e


class _EncodingReader:
    """``readline`` in UTF-8 bytes over a text stream (for a ``sys.stdin`` replaced by a StringIO)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream

    def readline(self, limit: int = -1) -> bytes:
        return self._stream.readline(limit).encode("utf-8")


class _FatalDecode(Exception):
    """A decoding error in a stream that cannot be resynchronised (UTF-16/32)."""

    def __init__(self, lineno: int, reason: str):
        super().__init__(reason)
        self.lineno = lineno
        self.reason = reason


def _decoded_lines(
    fh: BinaryIO, encoding: str, *, replace: bool = False
) -> Iterator[tuple[int, str, str | None]]:
    """Yield ``(line number, text, error)`` for each physical line of a binary stream.

    Single-byte and UTF-8 streams are split on ``\\n`` as bytes and each line is decoded on its own,
    so one bad line is one bad record. ``error`` is a reason for a line that could not be decoded or is
    longer than :data:`MAX_RECORD_BYTES` (then ``text`` is ``""``, or the line decoded with
    replacement characters when ``replace``). UTF-16/32 streams go through a text wrapper and raise
    :class:`_FatalDecode` on a decoding error.
    """
    name = _ENCODING_NAMES.get(encoding, encoding)
    if encoding.startswith(("utf-16", "utf-32")):
        text_stream = io.TextIOWrapper(fh, encoding=encoding, errors="strict", newline="")  # type: ignore[arg-type]
        lineno = 0
        try:
            for lineno, line in enumerate(text_stream, 1):
                yield lineno, line.lstrip("\ufeff") if lineno == 1 else line, None
        except UnicodeDecodeError as e:
            raise _FatalDecode(lineno + 1, f"not valid {name} ({e.reason})") from e
        finally:
            text_stream.detach()
        return
    codec = "utf-8" if encoding == "utf-8-sig" else encoding
    lineno = 0
    readline = fh.readline
    while True:
        raw = readline(MAX_RECORD_BYTES + 1)
        if not raw:
            return
        lineno += 1
        if len(raw) > MAX_RECORD_BYTES and not raw.endswith(b"\n"):
            while True:  # drop the rest of the over-long line without holding it
                chunk = readline(1 << 20)
                if not chunk or chunk.endswith(b"\n"):
                    break
            yield lineno, "", f"line too long (over {MAX_RECORD_BYTES >> 20} MiB)"
            continue
        if lineno == 1 and raw.startswith(codecs.BOM_UTF8):
            raw = raw[3:]
        try:
            yield lineno, raw.decode(codec), None
        except UnicodeDecodeError as e:
            column = len(raw[: e.start].decode(codec, errors="replace")) + 1
            error = f"not valid {name} (byte 0x{raw[e.start]:02x} at column {column})"
            yield lineno, raw.decode(codec, errors="replace") if replace else "", error


def read_records(
    inputs: Iterable[str | os.PathLike[str]] | str | os.PathLike[str],
    *,
    text_field: str = "text",
    id_field: str = "id",
    on_error: OnError = "fail",
    report: ErrorReport | None = None,
) -> Iterator[RawRecord]:
    """Yield :class:`RawRecord` s from files, folders and ``"-"`` (JSONL on stdin), streaming.

    ``text_field``/``id_field`` name the columns holding the text and the id. ``on_error="fail"`` raises
    :class:`InputError` at the first bad input; ``"skip"`` records it in ``report`` (a fresh, logged
    one if none is given) and goes on. ``report.read`` counts the records yielded.

    Paths given explicitly are checked before anything is read: one that does not exist or has an
    unsupported suffix raises :class:`InputError` whatever ``on_error`` says (a usage error, not bad
    data). Files inside folders with unsupported suffixes are bad inputs like any other.
    """
    if on_error not in ("fail", "skip"):
        raise ValueError(f"on_error must be 'fail' or 'skip', not {on_error!r}")
    if isinstance(inputs, (str, os.PathLike)):
        inputs = [inputs]
    items: list[str | Path] = ["-" if str(i) == "-" else Path(i) for i in inputs]
    return _read_records(items, text_field, id_field, on_error, report)


def _read_records(
    items: list[str | Path], text_field: str, id_field: str, on_error: OnError, report: ErrorReport | None
) -> Iterator[RawRecord]:
    # Checked when iteration starts (this is a generator), before the first record is read.
    for item in items:
        if item == "-":
            continue
        path = Path(item)
        if not path.exists():
            raise InputError(str(path), None, "no such file or folder")
        if path.is_file() and _kind_and_stem(path)[0] is None:
            raise InputError(str(path), None, _unsupported(path))
    own_report = report is None
    state = _Reader(text_field, id_field, on_error, report if report is not None else ErrorReport())
    for item in state.expand(items):
        try:
            yield from state.read_one(item)
        except InputError as e:
            if on_error == "fail":
                raise
            state.report.add(e.to_skipped())
            log.debug("skipped %s", e)
    if own_report and state.report.skipped:
        log.warning("%s", state.report.summary())


# --------------------------------------------------------------------------------------------------
# writing
# --------------------------------------------------------------------------------------------------


def _json_default(value: Any) -> Any:
    """JSON for values the json module does not know: numpy scalars/arrays, dates, sets, paths."""
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    if isinstance(value, os.PathLike):
        return os.fspath(value)
    if is_dataclass(value) and not isinstance(value, type):
        return asdict(value)
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, default=_json_default)


def _as_dict(record: Any) -> dict[str, Any]:
    if isinstance(record, dict):
        return record
    if isinstance(record, RawRecord):
        return record.to_dict()
    if is_dataclass(record) and not isinstance(record, type):
        return asdict(record)
    raise TypeError(f"RecordWriter.write expects a dict, not {type(record).__name__}")


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _temp_beside(target: Path) -> tuple[int, str]:
    """Create a temporary file next to ``target`` (same filesystem, so os.replace is atomic)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    os.chmod(tmp, 0o666 & ~_umask())
    return fd, tmp


def write_json_atomic(path: str | os.PathLike[str], obj: Any, *, indent: int | None = 2,
                      sort_keys: bool = False) -> Path:
    """Write ``obj`` as UTF-8 JSON to ``path`` via a temp file and :func:`os.replace`; returns the path."""
    target = Path(path)
    fd, tmp = _temp_beside(target)
    try:
        with open(fd, "w", encoding="utf-8", newline="\n") as fh:
            json.dump(obj, fh, ensure_ascii=False, indent=indent, default=_json_default, sort_keys=sort_keys)
            fh.write("\n")
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return target


_WRITER_FORMATS = {".jsonl": "jsonl", ".ndjson": "jsonl", ".csv": "csv", ".parquet": "parquet"}


class RecordWriter:
    """Write dict records to ``.jsonl``, ``.csv`` or ``.parquet`` (by suffix or ``fmt``), or JSONL to
    stdout for ``"-"``; usable as a context manager.

    The file appears only on a successful :meth:`close`: rows go to a temporary file in the target
    folder that is renamed over the target (atomic on POSIX), and is deleted if the ``with`` block
    raises or :meth:`abort` is called — an interrupted run never leaves a half-written output.

    * JSONL: one ``json.dumps(record, ensure_ascii=False)`` per line.
    * CSV: header from the first record's keys; ``None`` -> empty cell; lists and dicts JSON-encoded.
    * Parquet: rows buffered and written in row groups of ``row_group_size``; column types inferred from
      the first group (all-null columns become strings); dict values and lists holding non-scalars are
      stored as JSON strings, lists of scalars as Parquet lists.

    CSV and Parquet have a fixed set of columns: a later record with a key that is not among them is an
    error (``ValueError``), a missing key is an empty/null cell. ``count`` is the number of records written.
    """

    def __init__(self, path: str | os.PathLike[str], fmt: str | None = None, *, row_group_size: int = 2000):
        self.path = str(path)
        self.count = 0
        self.row_group_size = row_group_size
        self._closed = False
        self._tmp: str | None = None
        self._fh: IO[str] | None = None
        self._csv: Any = None
        self._columns: list[str] | None = None
        self._rows: list[dict[str, Any]] = []
        self._pq_writer: Any = None
        self._schema: Any = None
        if self.path == "-":
            self.fmt = (fmt or "jsonl").lower()
            if self.fmt not in ("jsonl", "csv"):
                raise ValueError(f"cannot write {self.fmt} to stdout (use jsonl or csv)")
            self._target: Path | None = None
            self._fh = (
                io.TextIOWrapper(sys.stdout.buffer, encoding="utf-8", newline="\n", write_through=True)
                if hasattr(sys.stdout, "buffer")
                else sys.stdout
            )
            if self._fh is not sys.stdout:
                sys.stdout.flush()
        else:
            target = Path(path)
            self.fmt = (fmt or _WRITER_FORMATS.get(target.suffix.lower(), "")).lower()
            if self.fmt not in ("jsonl", "csv", "parquet"):
                raise ValueError(
                    f"{target}: cannot tell the output format from the suffix (use .jsonl, .csv or .parquet)"
                )
            self._target = target
            fd, self._tmp = _temp_beside(target)
            if self.fmt == "parquet":
                os.close(fd)
            else:
                # closed by close()/abort(), not by a with-block: the writer outlives __init__
                self._fh = open(fd, "w", encoding="utf-8", newline="\n" if self.fmt == "jsonl" else "")  # noqa: SIM115
        if self.fmt == "csv" and self._fh is not None:
            self._csv = csv.writer(self._fh)

    # -- context manager -----------------------------------------------------------------------

    def __enter__(self) -> RecordWriter:  # noqa: PYI034 - Self needs Python 3.11
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if exc_type is None:
            self.close()
        else:
            self.abort()

    # -- writing -------------------------------------------------------------------------------

    def write(self, record: dict[str, Any] | RawRecord) -> None:
        """Write one record (a dict; a :class:`RawRecord` or other dataclass is converted)."""
        if self._closed:
            raise ValueError(f"{self.path}: writer is closed")
        row = _as_dict(record)
        if self.fmt == "jsonl":
            assert self._fh is not None
            self._fh.write(_dumps(row) + "\n")
            if self._target is None:
                self._fh.flush()
        elif self.fmt == "csv":
            self._write_csv(row)
        else:
            self._check_columns(row)
            self._rows.append({k: _parquet_value(v) for k, v in row.items()})
            if len(self._rows) >= self.row_group_size:
                self._flush_parquet()
        self.count += 1

    def write_many(self, records: Iterable[dict[str, Any] | RawRecord]) -> None:
        """Write several records."""
        for record in records:
            self.write(record)

    def _check_columns(self, row: dict[str, Any]) -> None:
        if self._columns is None:
            if self.fmt == "csv":
                self._columns = list(row)
            return
        unknown = [k for k in row if k not in self._columns]
        if unknown:
            raise ValueError(
                f"{self.path}: record {self.count + 1} has fields not in the first record(s): "
                f"{', '.join(map(str, unknown))} ({self.fmt} needs a fixed set of columns)"
            )

    def _write_csv(self, row: dict[str, Any]) -> None:
        first = self._columns is None
        self._check_columns(row)
        assert self._columns is not None
        if first:
            self._csv.writerow(self._columns)
        self._csv.writerow([_csv_cell(row.get(k)) for k in self._columns])
        if self._target is None:
            assert self._fh is not None
            self._fh.flush()

    def _flush_parquet(self) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        if not self._rows:
            return
        rows, self._rows = self._rows, []
        if self._schema is None:
            columns: dict[str, None] = {}
            for r in rows:
                columns.update(dict.fromkeys(r))
            self._columns = list(columns)
            fields = []
            for name in self._columns:
                arr = _arrow_column(name, [r.get(name) for r in rows], None, self.path)
                typ = arr.type
                if pa.types.is_null(typ):
                    typ = pa.string()
                elif pa.types.is_list(typ) and pa.types.is_null(typ.value_type):
                    typ = pa.list_(pa.string())
                fields.append(pa.field(name, typ))
            self._schema = pa.schema(fields)
            assert self._tmp is not None
            self._pq_writer = pq.ParquetWriter(self._tmp, self._schema, compression="zstd")
        arrays = [
            _arrow_column(f.name, [r.get(f.name) for r in rows], f.type, self.path) for f in self._schema
        ]
        self._pq_writer.write_table(pa.Table.from_arrays(arrays, schema=self._schema))

    # -- finishing -----------------------------------------------------------------------------

    def close(self) -> None:
        """Flush everything and move the file into place (idempotent)."""
        if self._closed:
            return
        try:
            if self.fmt == "parquet":
                self._flush_parquet()
                if self._pq_writer is None:  # nothing written: an empty table without columns
                    import pyarrow as pa
                    import pyarrow.parquet as pq

                    pq.write_table(pa.table({}), self._tmp)
                else:
                    self._pq_writer.close()
            elif self._fh is not None:
                self._fh.flush()
                if self._target is not None:
                    os.fsync(self._fh.fileno())
                    self._fh.close()
                elif self._fh is not sys.stdout:
                    self._fh.detach()  # leave sys.stdout open
            self._fh = None
            if self._target is not None and self._tmp is not None:
                os.replace(self._tmp, self._target)
                self._tmp = None
        except BaseException:
            self.abort()
            raise
        self._closed = True

    def abort(self) -> None:
        """Discard what was written: close and delete the temporary file; the target is untouched."""
        self._closed = True
        try:
            if self._pq_writer is not None:
                try:
                    self._pq_writer.close()
                except Exception as e:  # noqa: BLE001 - we are discarding the file anyway
                    log.debug("closing discarded parquet writer: %s", e)
            if self._fh is not None:
                if self._target is not None:
                    self._fh.close()
                elif self._fh is not sys.stdout:
                    try:
                        self._fh.flush()
                    finally:
                        self._fh.detach()
        finally:
            self._fh = None
            self._pq_writer = None
            if self._tmp is not None:
                Path(self._tmp).unlink(missing_ok=True)
                self._tmp = None

    def __del__(self) -> None:  # an abandoned writer must not leave temp files behind
        if not getattr(self, "_closed", True) and getattr(self, "_tmp", None):
            try:
                self.abort()
            except Exception as e:  # noqa: BLE001 - nothing else to do during garbage collection
                log.debug("discarding abandoned writer: %s", e)


def _csv_cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list, tuple, set, frozenset)) or hasattr(value, "tolist"):
        converted = _json_default(value) if not isinstance(value, (dict, list, tuple)) else value
        if isinstance(converted, (dict, list, tuple)):
            return _dumps(converted)
        return str(converted)
    if isinstance(value, (_dt.datetime, _dt.date, _dt.time)):
        return value.isoformat()
    return str(value)


_SCALARS = (str, int, float, bool, type(None))


def _parquet_value(value: Any) -> Any:
    """Values Parquet stores well: dicts and lists of non-scalars become JSON strings."""
    if isinstance(value, dict):
        return _dumps(value)
    if isinstance(value, (list, tuple)):
        if all(isinstance(v, _SCALARS) for v in value):
            return list(value)
        return _dumps(list(value))
    if hasattr(value, "item") and getattr(value, "ndim", 1) == 0:
        return value.item()
    if hasattr(value, "tolist"):
        return _parquet_value(value.tolist())
    if isinstance(value, (set, frozenset)):
        return sorted(value, key=str)
    return value


def _arrow_column(name: str, values: list[Any], typ: Any, path: str) -> Any:
    import pyarrow as pa

    try:
        return pa.array(values, type=typ)
    except (pa.ArrowException, TypeError, ValueError, OverflowError) as e:
        want = f" as {typ}" if typ is not None else ""
        raise ValueError(f"{path}: column '{name}' cannot be stored{want} ({e})") from e
