"""Tests for classify.io: formats, encodings, bad inputs (fail and skip), streaming, atomic writers."""

from __future__ import annotations

import csv
import gzip
import inspect
import io
import json
import os
import sys
import tracemalloc
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

import classify.io as cio
from classify.io import ErrorReport, InputError, RawRecord, RecordWriter, read_records, write_json_atomic

TURKISH = "Çocuk Hizmetleri Genel Müdürlüğü, İl Müdürü Sahit Aydın"
DEV = Path(__file__).resolve().parents[1].parent / "shared" / "corpus" / "dev.jsonl"


def _jsonl(path: Path, rows: list[dict | str], encoding: str = "utf-8") -> Path:
    """Write rows (dicts as JSON, strings verbatim) one per line."""
    lines = [r if isinstance(r, str) else json.dumps(r, ensure_ascii=False) for r in rows]
    path.write_bytes(("\n".join(lines) + "\n").encode(encoding))
    return path


def _fail(inputs, **kwargs) -> str:
    """The message of the InputError that reading ``inputs`` raises."""
    with pytest.raises(InputError) as info:
        list(read_records(inputs, **kwargs))
    return str(info.value)


def _skip(inputs, **kwargs) -> tuple[list[RawRecord], ErrorReport]:
    report = ErrorReport()
    records = list(read_records(inputs, on_error="skip", report=report, **kwargs))
    assert report.read == len(records)
    return records, report


# ------------------------------------------------------------------------------------------------
# formats and encodings
# ------------------------------------------------------------------------------------------------


def test_seed_folder_reads_every_txt_with_stem_ids(seeds_dir: Path, seed_texts: dict[str, str]) -> None:
    records, report = _skip([seeds_dir])
    assert [r.id for r in records] == sorted(seed_texts)
    for r in records:
        assert r.text == seed_texts[r.id].replace("\r\n", "\n")
        assert r.source == str(seeds_dir / f"{r.id}.txt") and r.line is None
    assert report.skipped == [] and report.files == 5
    assert report.summary() == "read 5 records from 5 files; nothing skipped."


@pytest.mark.parametrize("encoding", ["cp1254", "iso8859_9"])
def test_turkish_legacy_txt_decodes_to_correct_letters(tmp_path: Path, encoding: str, seed_texts) -> None:
    seed = seed_texts["002_a15e888e3a1cd478"]  # the one seed that ISO-8859-9 can encode
    path = tmp_path / "eski.txt"
    path.write_bytes((TURKISH + "\n\n" + seed).encode(encoding))
    (record,) = read_records([path])
    assert record.text == TURKISH + "\n\n" + seed.replace("\r\n", "\n")
    assert "ğ" in record.text and "İl" in record.text and "Aydın" in record.text
    assert record.id == "eski"


def test_short_cp1254_text_still_decodes(tmp_path: Path) -> None:
    # charset-normalizer gives up on very short all-accented strings; the fallback must not.
    path = tmp_path / "kisa.txt"
    path.write_bytes("ğüşıöç ĞÜŞİÖÇ".encode("cp1254"))
    assert next(read_records([path])).text == "ğüşıöç ĞÜŞİÖÇ"


def test_cp1254_punctuation_range_is_not_read_as_iso(tmp_path: Path, seed_texts) -> None:
    seed = seed_texts["000_5d7abf124fa395bf"]  # has ’ (0x92 in Windows-1254, a C1 control in ISO-8859-9)
    path = tmp_path / "a.txt"
    path.write_bytes(seed.encode("cp1254"))
    text = next(read_records([path])).text
    assert "Erdoğan’ın" in text and text == seed.replace("\r\n", "\n")


@pytest.mark.parametrize("bom,encoding", [("\ufeff", "utf-8"), ("", "utf-16"), ("", "utf-16-be")])
def test_bom_files(tmp_path: Path, bom: str, encoding: str) -> None:
    data = (bom + TURKISH + "\r\nİkinci satır").encode(encoding)
    if encoding == "utf-16-be":
        data = b"\xfe\xff" + data
    path = tmp_path / "bom.txt"
    path.write_bytes(data)
    assert next(read_records([path])).text == TURKISH + "\nİkinci satır"


def test_jsonl_fields_ids_and_extra(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "haber.jsonl",
        [
            {"id": 7, "text": TURKISH, "title": " Başlık ", "also": "kadin; cocuk,", "why": "x"},
            {"text": "Kimliksiz kayıt", "also": ["engelli"], "date": "2025-01-02", "label": "kadin"},
            {"id": "007", "text": "Sıfırlar kalır", "url": "https://example.org/ş"},
        ],
    )
    a, b, c = read_records([path])
    assert (a.id, a.title, a.also, a.extra, a.line) == ("7", "Başlık", ["kadin", "cocuk"], {"why": "x"}, 1)
    assert (b.id, b.also, b.date, b.label) == ("haber:2", ["engelli"], "2025-01-02", "kadin")
    assert (c.id, c.url) == ("007", "https://example.org/ş")


def test_text_and_id_field_options(tmp_path: Path) -> None:
    path = _jsonl(tmp_path / "x.jsonl", [{"key": "k1", "body": TURKISH, "text": "başka"}])
    (r,) = read_records([path], text_field="body", id_field="key")
    assert (r.id, r.text, r.extra) == ("k1", TURKISH, {"text": "başka"})


def test_cp1254_jsonl_streams_with_detected_encoding(tmp_path: Path) -> None:
    rows = [{"id": i, "text": f"{TURKISH} {i}"} for i in range(3000)]  # > 64 KiB sample
    path = _jsonl(tmp_path / "eski.jsonl", rows, encoding="cp1254")
    assert path.stat().st_size > cio.SAMPLE_BYTES
    records = list(read_records([path]))
    assert [r.text for r in records] == [r["text"] for r in rows]


def test_utf16_jsonl_and_gzip_jsonl(tmp_path: Path) -> None:
    rows = [{"id": "a", "text": TURKISH}, {"id": "b", "text": "Şehit yakınları"}]
    u16 = _jsonl(tmp_path / "u16.jsonl", rows, encoding="utf-16")
    gz = tmp_path / "z.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write("\n".join(json.dumps(r, ensure_ascii=False) for r in rows) + "\n")
    assert [(r.id, r.text) for r in read_records([u16])] == [("a", TURKISH), ("b", "Şehit yakınları")]
    assert [(r.id, r.text, r.source) for r in read_records([gz])] == [
        ("a", TURKISH, str(gz)),
        ("b", "Şehit yakınları", str(gz)),
    ]


def test_csv_multiline_fields_keep_physical_line_numbers(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text(
        'id,text,also\n007,"Birinci satır\nikinci satır",kadin;cocuk\n,Tek satır,\n', encoding="utf-8-sig"
    )
    a, b = read_records([path])
    assert (a.id, a.text, a.also, a.line) == ("007", "Birinci satır\nikinci satır", ["kadin", "cocuk"], 2)
    assert (b.id, b.line, b.also) == ("h:4", 4, [])


def test_csv_field_longer_than_csv_default_limit(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    long_text = "\n".join(seed_texts.values()) * 30  # ~500 KB, over csv's default 128 KiB field limit
    path = tmp_path / "uzun.csv"
    with path.open("w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows([["id", "text"], ["u1", long_text], ["u2", TURKISH]])
    assert [(r.id, r.text) for r in read_records([path])] == [("u1", long_text), ("u2", TURKISH)]


def test_tsv_and_parquet(tmp_path: Path) -> None:
    tsv = tmp_path / "t.tsv"
    tsv.write_text(f"id\ttext\n1\t{TURKISH}\n", encoding="cp1254")
    pqf = tmp_path / "p.parquet"
    pq.write_table(pa.table({"text": [TURKISH, "İkinci"], "also": [["a"], []], "n": [1, None]}), pqf)
    assert [(r.id, r.text) for r in read_records([tsv])] == [("1", TURKISH)]
    recs = list(read_records([pqf]))
    assert [(r.id, r.text, r.also, r.extra) for r in recs] == [
        ("p:1", TURKISH, ["a"], {"n": 1}),
        ("p:2", "İkinci", [], {"n": None}),
    ]


def test_stdin_jsonl(monkeypatch: pytest.MonkeyPatch) -> None:
    data = (
        json.dumps({"text": TURKISH}, ensure_ascii=False) + "\n\n" + '{"id": "b", "text": "ş"}\n'
    ).encode()
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(data), encoding="utf-8"))
    expected = [("stdin:1", "<stdin>", 1), ("b", "<stdin>", 3)]
    assert [(r.id, r.source, r.line) for r in read_records(["-"])] == expected
    monkeypatch.setattr(sys, "stdin", io.StringIO(data.decode("utf-8")))  # no binary buffer
    assert [(r.id, r.source, r.line) for r in read_records(["-"])] == expected
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert _fail(["-"]) == "<stdin>: empty file (no records)"


def test_dev_corpus_reads_completely() -> None:
    if not DEV.is_file():
        pytest.skip(f"dev corpus not available at {DEV}")
    with DEV.open(encoding="utf-8") as fh:
        lines = sum(1 for line in fh if line.strip())
    records, report = _skip([DEV])
    assert len(records) == lines and report.ok
    assert all(r.label for r in records) and len({r.id for r in records}) == lines


# ------------------------------------------------------------------------------------------------
# bad input: exact messages in fail mode, accounting in skip mode
# ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["e.txt", "e.jsonl", "e.csv", "e.parquet"])
def test_empty_files(tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    path.write_bytes(b"")
    assert _fail([path]) == f"{path}: empty file"


def test_blank_jsonl_and_header_only_csv_are_empty(tmp_path: Path) -> None:
    blank = tmp_path / "b.jsonl"
    blank.write_text("\n  \n", encoding="utf-8")
    header = tmp_path / "h.csv"
    header.write_text("id,text\n", encoding="utf-8")
    ws = tmp_path / "w.txt"
    ws.write_text(" \n\t\n", encoding="utf-8")
    empty_pq = tmp_path / "z.parquet"
    pq.write_table(pa.table({"text": pa.array([], pa.string())}), empty_pq)
    assert _fail([blank]) == f"{blank}: empty file (no records)"
    assert _fail([header]) == f"{header}: empty file (header on line 1, no rows)"
    assert _fail([ws]) == f"{ws}: empty file (only whitespace)"
    assert _fail([empty_pq]) == f"{empty_pq}: empty file (no rows)"


def test_binary_files(tmp_path: Path) -> None:
    png = tmp_path / "resim.txt"
    png.write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 4)
    noise = tmp_path / "gurultu.jsonl"
    noise.write_bytes(bytes(b for b in range(1, 256) if b != 10) * 40)  # no NUL, no newline
    assert _fail([png]) == f"{png}: binary file (contains NUL bytes)"
    assert _fail([noise]).startswith(f"{noise}: binary file")
    fake = tmp_path / "fake.parquet"
    fake.write_text("id,text\n1,x\n", encoding="utf-8")
    assert _fail([fake]).startswith(f"{fake}: not a readable Parquet file (")


def test_malformed_json_line(tmp_path: Path) -> None:
    path = _jsonl(
        tmp_path / "d.jsonl",
        [{"text": TURKISH}, "", '{"id": 2, "text": "Aydın"', "[1, 2]", {"text": "son"}],
    )
    assert _fail([path]) == f"{path}:3: malformed JSON (Expecting ',' delimiter: column 26)"
    records, report = _skip([path])
    assert [r.id for r in records] == ["d:1", "d:5"]
    assert [str(s) for s in report.skipped] == [
        f"{path}:3: malformed JSON (Expecting ',' delimiter: column 26)",
        f"{path}:4: expected a JSON object, got array",
    ]
    assert report.read + len(report.skipped) == 4  # four non-blank lines in, all accounted for


def test_csv_row_with_wrong_number_of_fields(tmp_path: Path) -> None:
    path = tmp_path / "c.csv"
    path.write_text('id,text,label\n1,"iki\nsatır",kadin\n2,fazla,alan,var\n3,tamam,\n', encoding="utf-8")
    assert _fail([path]) == f"{path}:4: wrong number of fields (4 in this row, 3 in the header)"
    records, report = _skip([path])
    assert [r.id for r in records] == ["1", "3"] and report.read + len(report.skipped) == 3


def test_csv_bad_quoting_is_reported_not_swallowed(tmp_path: Path) -> None:
    path = tmp_path / "tirnak.csv"
    path.write_text('id,text\n1,"Aydın" dedi\n2,Kadın\n3,"kapanmayan tırnak\n4,son\n', encoding="utf-8")
    assert _fail([path]) == f"{path}:2: malformed CSV (',' expected after '\"')"
    records, report = _skip([path])
    assert [r.id for r in records] == ["2"]
    assert [str(s) for s in report.skipped] == [
        f"{path}:2: malformed CSV (',' expected after '\"')",
        f"{path}:4: malformed CSV (unexpected end of data, lines 4-5)",
    ]


@pytest.mark.parametrize(
    "row,reason",
    [
        ({"id": "x", "text": "   "}, "record without text (empty 'text')"),
        ({"id": "x", "text": None}, "record without text (empty 'text')"),
        (
            {"id": "x", "body": TURKISH},
            "record without text (no 'text' field; fields: id, body; name another with --text-field)",
        ),
        ({"id": "x", "text": ["liste"]}, "field 'text' must be a string, not array"),
        ({"id": {"a": 1}, "text": "metin"}, "field 'id' must be a string or number, not object"),
    ],
)
def test_record_without_text(tmp_path: Path, row: dict, reason: str) -> None:
    path = _jsonl(tmp_path / "r.jsonl", [{"id": "ok", "text": TURKISH}, row])
    assert _fail([path]) == f"{path}:2: {reason}"
    records, report = _skip([path])
    assert [r.id for r in records] == ["ok"] and [s.reason for s in report.skipped] == [reason]


def test_missing_text_column_names_the_columns(tmp_path: Path) -> None:
    c = tmp_path / "c.csv"
    c.write_text(f'id,govde\n1,"{TURKISH}"\n', encoding="utf-8")
    p = tmp_path / "p.parquet"
    pq.write_table(pa.table({"id": ["1"], "govde": [TURKISH]}), p)
    for path in (c, p):
        assert (
            _fail([path]) == f"{path}: no 'text' column (columns: id, govde); name another with --text-field"
        )
        assert next(read_records([path], text_field="govde")).text == TURKISH


def test_invalid_utf8_line_in_utf8_jsonl_is_reported_by_line(tmp_path: Path) -> None:
    path = tmp_path / "karisik.jsonl"
    good = json.dumps({"text": TURKISH}, ensure_ascii=False).encode()
    bad = '{"text": "Kış"}'.encode("cp1254")
    path.write_bytes(good + b"\n" + bad + b"\n" + good.replace(b"text", b"text", 1) + b"\n")
    assert _fail([path]) == f"{path}:2: not valid UTF-8 (byte 0xfd at column 12)"
    records, report = _skip([path])
    assert [r.line for r in records] == [1, 3] and len(report.skipped) == 1


def test_duplicate_ids(tmp_path: Path) -> None:
    a = _jsonl(tmp_path / "a.jsonl", [{"id": "7", "text": TURKISH}])
    b = tmp_path / "b.csv"
    b.write_text("id,text\n8,sekiz\n7,yedi\n", encoding="utf-8")
    assert _fail([a, b]) == f"{b}:3: duplicate id '7' (first seen at {a}:1)"
    records, report = _skip([a, b])
    assert [r.id for r in records] == ["7", "8"] and report.skipped[0].id == "7"
    assert report.reasons() == {"duplicate id": 1}


def test_unsupported_files(tmp_path: Path) -> None:
    folder = tmp_path / "girdi"
    folder.mkdir()
    (folder / "a.txt").write_text(TURKISH, encoding="utf-8")
    (folder / "notlar.md").write_text("# not", encoding="utf-8")
    (folder / ".DS_Store").write_bytes(b"\x00\x01")  # hidden: ignored
    (folder / ".git").mkdir()
    (folder / ".git" / "HEAD").write_text("ref", encoding="utf-8")
    expected = f"{folder / 'notlar.md'}: unsupported file type '.md' (expected .txt, .jsonl, .ndjson, .csv, .tsv, .parquet, optionally .gz)"
    assert _fail([folder]) == expected
    records, report = _skip([folder])
    assert [r.id for r in records] == ["a"] and [str(s) for s in report.skipped] == [expected]
    # An explicit path with an unknown suffix, or a missing path, is a usage error even in skip mode,
    # and is reported before anything is read.
    with pytest.raises(InputError, match=r"notlar\.md: unsupported file type"):
        next(read_records([folder / "a.txt", folder / "notlar.md"], on_error="skip"))
    with pytest.raises(InputError, match=r"yok\.jsonl: no such file or folder"):
        next(read_records([folder, tmp_path / "yok.jsonl"], on_error="skip"))
    with pytest.raises(ValueError, match="on_error"):
        read_records([folder], on_error="ignore")  # type: ignore[arg-type]


def test_skip_mode_accounts_for_every_record_across_formats(tmp_path: Path, seeds_dir: Path) -> None:
    """records in = records read + records reported, over a folder mixing every kind of problem."""
    folder = tmp_path / "karma"
    folder.mkdir()
    for seed in sorted(seeds_dir.glob("*.txt"))[:2]:
        (folder / seed.name).write_bytes(seed.read_text(encoding="utf-8").encode("cp1254"))
    (folder / "bos.txt").write_bytes(b"")
    (folder / "ikili.txt").write_bytes(b"\x00\x01\x02")
    _jsonl(folder / "a.jsonl", [{"id": "j1", "text": TURKISH}, "{bozuk", {"id": "j3", "text": ""}])
    (folder / "b.csv").write_text("id,text\nc1,bir\nc2,iki,üç\nj1,tekrar\nc4,dört\n", encoding="utf-8")
    pq.write_table(pa.table({"id": ["p1", "p2"], "text": ["beş", None]}), folder / "c.parquet")
    records, report = _skip([folder])
    assert sorted(r.id for r in records) == sorted(
        [p.stem for p in sorted(seeds_dir.glob("*.txt"))[:2]] + ["j1", "c1", "c4", "p1"]
    )
    record_level = [s for s in report.skipped if s.line is not None]
    whole_files = [s for s in report.skipped if s.line is None]
    records_in = 2 + 3 + 4 + 2  # txt files that have an article, JSONL lines, CSV rows, Parquet rows
    assert report.read + len(record_level) == records_in
    assert sorted(Path(s.source).name for s in whole_files) == ["bos.txt", "ikili.txt"]
    assert report.files == 7
    summary = report.summary()
    assert summary.startswith("read 6 records from 7 files; skipped 7 (")
    assert f"{folder / 'a.jsonl'}:2: malformed JSON" in summary
    out = report.write_json(tmp_path / "rapor.json")
    saved = json.loads(out.read_text(encoding="utf-8"))
    assert saved["read"] == 6 and saved["skipped_count"] == 7 and len(saved["skipped"]) == 7


def test_overlong_line_is_reported_not_loaded(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cio, "MAX_RECORD_BYTES", 1000)
    path = _jsonl(tmp_path / "uzun.jsonl", [{"text": "ş" * 2000}, {"id": "k", "text": TURKISH}])
    records, report = _skip([path])
    assert [r.id for r in records] == ["k"]
    assert [str(s) for s in report.skipped] == [f"{path}:1: line too long (over 0 MiB)"]


# ------------------------------------------------------------------------------------------------
# streaming
# ------------------------------------------------------------------------------------------------


def test_big_jsonl_streams_in_bounded_memory(tmp_path: Path, seed_texts: dict[str, str]) -> None:
    path = tmp_path / "buyuk.jsonl"
    texts = list(seed_texts.values())
    n = 0
    with path.open("w", encoding="utf-8") as fh:
        while fh.tell() < 50_000_000:
            fh.write(json.dumps({"id": f"r{n}", "text": texts[n % len(texts)]}, ensure_ascii=False) + "\n")
            n += 1
    size = path.stat().st_size
    gen = read_records([path])
    assert inspect.isgenerator(gen)
    tracemalloc.start()
    try:
        count = 0
        for record in gen:
            count += 1
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert count == n and record.id == f"r{n - 1}"
    # the id set grows with the number of records, the text held never exceeds a few records
    assert peak < 8_000_000, f"peak {peak / 1e6:.1f} MB while reading {size / 1e6:.0f} MB"


# ------------------------------------------------------------------------------------------------
# writers
# ------------------------------------------------------------------------------------------------

ROWS = [
    {
        "id": "001",
        "text": TURKISH + '\nİkinci satır, "tırnak" ve virgül',
        "label": "cocuk",
        "also": ["kadin", "engelli"],
        "label_scores": {"cocuk": 0.9, "kadin": 0.1},
        "n": 3,
        "note": None,
    },
    {
        "id": "002",
        "text": "Şehit yakınları",
        "label": None,
        "also": [],
        "label_scores": {"yasli": 1.0},
        "n": 4,
    },
]


@pytest.mark.parametrize("suffix", [".jsonl", ".csv", ".parquet"])
def test_writer_round_trip(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / "alt" / f"cikti{suffix}"
    with RecordWriter(path, row_group_size=1) as writer:
        for row in ROWS:
            writer.write(row)
    assert writer.count == 2 and path.is_file()
    assert sorted(os.listdir(path.parent)) == [path.name]  # no temp file left behind
    a, b = read_records([path])
    assert (a.id, a.text, a.label, a.also) == ("001", ROWS[0]["text"], "cocuk", ["kadin", "engelli"])
    assert (b.id, b.text, b.label, b.also) == ("002", "Şehit yakınları", None, [])
    scores = a.extra["label_scores"]
    if suffix == ".jsonl":
        assert scores == {"cocuk": 0.9, "kadin": 0.1} and a.extra["n"] == 3 and "note" not in b.extra
    else:  # nested dicts are JSON strings in CSV cells and Parquet columns
        assert json.loads(scores) == {"cocuk": 0.9, "kadin": 0.1} and b.extra["note"] is None
        assert a.extra["n"] == (3 if suffix == ".parquet" else "3")
    if suffix == ".parquet":
        assert pq.ParquetFile(path).metadata.num_row_groups == 2
        assert pq.read_table(path).schema.field("also").type == pa.list_(pa.string())
    if suffix == ".csv":
        with path.open(encoding="utf-8", newline="") as fh:
            assert next(csv.reader(fh)) == ["id", "text", "label", "also", "label_scores", "n", "note"]


def test_writer_is_atomic(tmp_path: Path) -> None:
    for suffix in (".jsonl", ".csv", ".parquet"):
        path = tmp_path / f"o{suffix}"
        with pytest.raises(RuntimeError), RecordWriter(path) as writer:
            writer.write(ROWS[0])
            raise RuntimeError("iş yarıda kesildi")
        assert not path.exists()
    kept = tmp_path / "eski.jsonl"
    kept.write_text('{"id": "eski", "text": "korunur"}\n', encoding="utf-8")
    with pytest.raises(RuntimeError), RecordWriter(kept) as writer:
        writer.write(ROWS[1])
        raise RuntimeError
    assert kept.read_text(encoding="utf-8") == '{"id": "eski", "text": "korunur"}\n'
    assert sorted(os.listdir(tmp_path)) == ["eski.jsonl"]


def test_writer_fixed_columns_and_formats(tmp_path: Path) -> None:
    with (
        pytest.raises(ValueError, match="fields not in the first record"),
        RecordWriter(tmp_path / "c.csv") as w,
    ):
        w.write({"id": "1", "text": "a"})
        w.write({"id": "2", "text": "b", "yeni": 1})
    assert not (tmp_path / "c.csv").exists()
    with pytest.raises(ValueError, match="output format"):
        RecordWriter(tmp_path / "c.xlsx")
    with RecordWriter(tmp_path / "bos.parquet"):
        pass
    assert pq.read_table(tmp_path / "bos.parquet").num_rows == 0
    with RecordWriter(tmp_path / "r.jsonl") as writer:
        writer.write(RawRecord(id="r", text=TURKISH, also=["kadin"], extra={"why": "gerekçe"}))
    assert json.loads((tmp_path / "r.jsonl").read_text(encoding="utf-8")) == {
        "id": "r",
        "text": TURKISH,
        "title": None,
        "date": None,
        "url": None,
        "label": None,
        "also": ["kadin"],
        "why": "gerekçe",
    }


def test_writer_stdout(capfdbinary: pytest.CaptureFixture[bytes]) -> None:
    with RecordWriter("-") as writer:
        writer.write({"id": "1", "text": TURKISH})
    out = capfdbinary.readouterr().out.decode("utf-8")
    assert out == json.dumps({"id": "1", "text": TURKISH}, ensure_ascii=False) + "\n"
    with pytest.raises(ValueError, match="stdout"):
        RecordWriter("-", fmt="parquet")


def test_write_json_atomic(tmp_path: Path) -> None:
    import numpy as np

    path = write_json_atomic(
        tmp_path / "a" / "b.json", {"ad": "İl Müdürü", "p": np.float32(0.5), "v": np.arange(2)}
    )
    assert json.loads(path.read_text(encoding="utf-8")) == {"ad": "İl Müdürü", "p": 0.5, "v": [0, 1]}
    assert os.listdir(path.parent) == ["b.json"]


def test_input_error_forms() -> None:
    e = InputError("gold.jsonl", 3, "malformed JSON (Expecting value: column 1)")
    assert str(e) == "gold.jsonl:3: malformed JSON (Expecting value: column 1)"
    again = InputError(str(e))  # a ready-made message is split back into its parts
    assert (again.source, again.line, again.reason) == (
        "gold.jsonl",
        3,
        "malformed JSON (Expecting value: column 1)",
    )
    whole = InputError("boş.txt", None, "empty file")
    assert str(whole) == "boş.txt: empty file" and whole.to_skipped().line is None
    assert isinstance(whole, ValueError)


def test_undecodable_text_is_named_precisely(tmp_path: Path) -> None:
    mixed = tmp_path / "karisik.txt"  # UTF-8 text with one Windows-1254 byte: not misread as cp1254
    mixed.write_bytes(TURKISH.encode() + " Kış".encode("cp1254"))
    assert _fail([mixed]) == f"{mixed}: not valid UTF-8 (byte 0xfd at offset {len(TURKISH.encode()) + 2})"
    cut = tmp_path / "kesik.jsonl"  # UTF-16 cut in the middle of a character
    cut.write_bytes(('{"id": "a", "text": "Şehit"}\n{"id": "b", "text": "İl"}\n').encode("utf-16") + b"\x00")
    records, report = _skip([cut])
    assert [r.id for r in records] == ["a", "b"]
    assert [str(s) for s in report.skipped] == [
        f"{cut}:3: not valid UTF-16 (truncated data); rest of file not read"
    ]


def test_presplit_record_without_text_takes_its_sentences(tmp_path):
    path = tmp_path / "presplit.jsonl"
    sentences = ["Balıkesir'de çocuk hizmetleri toplantısı yapıldı.", "İl Müdürü Emine Böçkün konuştu."]
    path.write_text(json.dumps({"id": "p1", "sentences": sentences}, ensure_ascii=False) + "\n", encoding="utf-8")
    (rec,) = list(read_records([path]))
    assert rec.text == "\n".join(sentences)
    assert rec.extra["sentences"] == sentences
