"""Your own files as tasks: CSV/TSV/JSON classification, CoNLL tagging, parallel translation.

Taught in ``notebooks/08_real_models_and_real_data`` (and ``docs/your_own_data.md``). Each loader
reads one file into one :class:`~metamap_edu.tasks.mapping.MappingTask` (:func:`load_classification`,
:func:`load_conll`, :func:`load_parallel`, :func:`from_hf_dataset`). They only parse text --
nothing read from a file is ever evaluated as code.
"""
from __future__ import annotations

import csv
import importlib.util
import io
import json
import numbers
import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from .._checks import check_choice, check_int, check_type
from .mapping import MappingTask, _show

__all__ = ["load_classification", "load_conll", "load_parallel", "from_hf_dataset"]


def _read_text(path: Any, encoding: str) -> tuple[Path, str]:
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or a pathlib.Path; got {_show(path)} of type {type(path).__name__}")
    check_type("encoding", encoding, str)
    p = Path(path)
    if not p.exists():
        raise FileNotFoundError(f"path {str(p)!r} does not exist")
    if p.is_dir():
        raise ValueError(f"path must be a file; {str(p)!r} is a directory")
    raw = p.read_bytes()
    try:
        text = raw.decode(encoding)
    except LookupError:
        raise ValueError(f"encoding must be a codec Python knows, e.g. 'utf-8' or 'latin-1'; got {encoding!r}") from None
    except UnicodeDecodeError as e:
        raise ValueError(
            f"file {str(p)!r} is not valid {encoding} text (byte {e.start}: {e.reason}); "
            f"pass the file's encoding, e.g. encoding='latin-1'"
        ) from None
    text = text.lstrip("\ufeff")
    if not text.strip():
        raise ValueError(f"file {str(p)!r} is empty; it has no data to load")
    return p, text


def _task_name(name: str | None, p: Path) -> str:
    if name is None:
        return p.stem
    check_type("name", name, str)
    return name


def _label_text(value: Any, where: str, column: str) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValueError(f"{where}: empty label in column {column!r}; every example needs a label")
    if isinstance(value, bool) or isinstance(value, numbers.Integral):
        return str(int(value)) if not isinstance(value, bool) else str(value).lower()
    if isinstance(value, (str, float)):
        return str(value).strip()
    raise ValueError(f"{where}: label in column {column!r} must be a str or an int; got {_show(value)}")


def _finish_classification(name: str, examples: list, p: Path | None, fmt: str, label_column: str) -> MappingTask:
    where = f"file {str(p)!r}" if p is not None else "the dataset"
    if not examples:
        raise ValueError(f"{where} has no examples (only a header or blank lines)")
    labels = sorted({y for _, y in examples})
    if len(labels) < 2:
        raise ValueError(
            f"{where} has only one label {labels[0]!r} in column label_column={label_column!r}; "
            "a classification task needs at least two classes"
        )
    md = {"family": "user", "format": fmt}
    if p is not None:
        md["source"] = p.name
    return MappingTask(name, "classification", examples, metadata=md)


def load_classification(
    path: str | os.PathLike,
    text_column: str = "text",
    label_column: str = "label",
    *,
    format: str | None = None,
    encoding: str = "utf-8",
    name: str | None = None,
    key: str | Sequence[str] | None = None,
) -> MappingTask:
    """A text-classification task from a CSV, TSV or JSON file with named columns.

    ``format`` is ``"csv"``, ``"tsv"``, ``"jsonl"`` or ``"json"``; by default it follows the file
    suffix (``.csv``, ``.tsv``/``.tab``, ``.jsonl``/``.ndjson``, ``.json``). CSV/TSV need a header
    row. JSON comes in three layouts (:data:`JSON_LAYOUTS`): JSON lines (one record per line), one
    JSON array of records (``[{"text": ..., "label": ...}, ...]``), or one JSON object of named
    lists of ``[text, label]`` pairs (``{"train": [["hi", "greet"], ...], "test": [...]}``), whose
    list ``key`` picks (a name or a list of names, joined; optional when there is one list). A
    ``.json`` file holding one document is read as the array or object layout, else as JSON lines.
    Integer labels become strings (``1 -> "1"``). The file is parsed, never evaluated.
    """
    check_type("text_column", text_column, str)
    check_type("label_column", label_column, str)
    if format is not None:
        check_type("format", format, str)
        check_choice("format", format, ("csv", "tsv", "jsonl", "json"))
    if key is not None:
        keys = [key] if isinstance(key, str) else key
        if not isinstance(keys, (list, tuple)) or not keys or not all(isinstance(k, str) for k in keys):
            raise TypeError(f"key must be a str or a non-empty list of str (names of lists in a JSON object); got {_show(key)}")
    p, text = _read_text(path, encoding)
    if format is None:
        suffix = p.suffix.lower()
        by_suffix = {".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "json"}
        if suffix not in by_suffix:
            raise ValueError(
                f"format must be given for a file ending in {suffix or '(no suffix)'!r}: pass "
                "format='csv', 'tsv', 'jsonl' or 'json'"
            )
        format = by_suffix[suffix]
    if key is not None and format in ("csv", "tsv"):
        raise ValueError(f"key={key!r} picks a list of a JSON object; file {str(p)!r} is read as {format.upper()}")
    name = _task_name(name, p)
    examples: list[tuple[str, str]] = []
    if format in ("csv", "tsv"):
        reader = csv.reader(io.StringIO(text), delimiter="," if format == "csv" else "\t")
        try:
            rows = [(reader.line_num, row) for row in reader]
        except csv.Error as e:
            raise ValueError(f"file {str(p)!r} is not valid {format.upper()}: {e}") from None
        rows = [(n, r) for n, r in rows if any(c.strip() for c in r)]
        if not rows:
            raise ValueError(f"file {str(p)!r} is empty; it has no header and no rows")
        header = [h.strip() for h in rows[0][1]]
        for arg, col in (("text_column", text_column), ("label_column", label_column)):
            if col not in header:
                raise ValueError(
                    f"{arg}={col!r} is not a column of file {str(p)!r}; its columns are {header}"
                )
        ti, li = header.index(text_column), header.index(label_column)
        for line, row in rows[1:]:
            if len(row) != len(header):
                raise ValueError(
                    f"file {str(p)!r} line {line}: expected {len(header)} fields like the header, got {len(row)}"
                )
            x = row[ti].strip()
            if not x:
                raise ValueError(f"file {str(p)!r} line {line}: empty text in column {text_column!r}")
            examples.append((x, _label_text(row[li], f"file {str(p)!r} line {line}", label_column)))
    else:
        document = None
        if format == "json":
            try:
                document = json.loads(text)
            except json.JSONDecodeError:
                format = "jsonl"  # not one document: try one record per line
            if key is not None and not isinstance(document, dict):
                raise ValueError(f"key={key!r} picks a list of a JSON object, but file {str(p)!r} holds "
                                 f"{'JSON lines' if document is None else 'a JSON ' + type(document).__name__}")
        if document is not None:
            examples = _json_document_examples(document, p, text_column, label_column, key)
        else:
            if key is not None:
                raise ValueError(f"key={key!r} picks a list of a JSON object; file {str(p)!r} is read as JSON lines")
            for line, raw in enumerate(text.splitlines(), start=1):
                if not raw.strip():
                    continue
                try:
                    obj = json.loads(raw)
                except json.JSONDecodeError as e:
                    raise ValueError(f"file {str(p)!r} line {line} is not valid JSON ({e.msg}), so it is neither "
                                     f"one JSON document nor JSON lines; the supported layouts are {JSON_LAYOUTS}") from None
                if not isinstance(obj, dict):
                    raise ValueError(
                        f"file {str(p)!r} line {line} must be a JSON object; got {_show(obj)} "
                        f"(the supported layouts are {JSON_LAYOUTS})"
                    )
                examples.append(_json_record(obj, f"file {str(p)!r} line {line}", text_column, label_column))
    return _finish_classification(name, examples, p, format, label_column)


#: The JSON layouts :func:`load_classification` reads, as its error messages name them.
JSON_LAYOUTS = (
    "JSON lines (one {\"text\": ..., \"label\": ...} object per line), "
    "a JSON array of such records, or a JSON object of named lists of [text, label] pairs "
    "(pick the list with key=)"
)


def _json_record(obj: Any, where: str, text_column: str, label_column: str) -> tuple[str, str]:
    """One example from a record ``{text_column: ..., label_column: ...}`` or a ``[text, label]`` pair."""
    if isinstance(obj, dict):
        for arg, col in (("text_column", text_column), ("label_column", label_column)):
            if col not in obj:
                raise ValueError(f"{arg}={col!r} is not a key of {where}; its keys are {sorted(obj)}")
        x, y = obj[text_column], obj[label_column]
    elif isinstance(obj, list) and len(obj) == 2:
        x, y = obj
    else:
        raise ValueError(f"{where} must be a record {{{text_column!r}: ..., {label_column!r}: ...}} or a "
                         f"[text, label] pair; got {_show(obj)} (the supported layouts are {JSON_LAYOUTS})")
    if not isinstance(x, str) or not x.strip():
        raise ValueError(f"{where}: the text must be a non-empty string; got {_show(x)}")
    return x.strip(), _label_text(y, where, label_column)


def _json_document_examples(document: Any, p: Path, text_column: str, label_column: str, key: Any) -> list:
    """Examples from one JSON document: an array of records, or an object of named lists (``key``)."""
    if isinstance(document, list):
        return [_json_record(obj, f"file {str(p)!r} item {i}", text_column, label_column) for i, obj in enumerate(document)]
    if not isinstance(document, dict):
        raise ValueError(f"file {str(p)!r} holds a single JSON {type(document).__name__}; the supported layouts are {JSON_LAYOUTS}")
    lists = sorted(k for k, v in document.items() if isinstance(v, list))
    if not lists:
        raise ValueError(f"file {str(p)!r} is a JSON object without lists (keys {sorted(document)[:10]}); "
                         f"the supported layouts are {JSON_LAYOUTS}")
    if key is None:
        if len(lists) > 1:
            raise ValueError(f"file {str(p)!r} holds {len(lists)} named lists {lists}; pick one or more with key=, "
                             f"e.g. key={lists[0]!r} or key={lists[:2]!r}")
        key = lists
    keys = [key] if isinstance(key, str) else list(key)
    unknown = [k for k in keys if k not in lists]
    if unknown:
        raise ValueError(f"key={key!r} names {unknown}, which {'is' if len(unknown) == 1 else 'are'} not a list of file "
                         f"{str(p)!r}; its lists are {lists}")
    return [_json_record(obj, f"file {str(p)!r} list {k!r} item {i}", text_column, label_column)
            for k in keys for i, obj in enumerate(document[k])]


def load_conll(
    path: str | os.PathLike,
    *,
    token_column: int = 0,
    tag_column: int = -1,
    encoding: str = "utf-8",
    name: str | None = None,
) -> MappingTask:
    """A tagging task from a CoNLL-style file: one ``token ... tag`` line per token, blank line between sentences.

    Columns are separated by whitespace; every token line must have the same number of columns.
    ``-DOCSTART-`` lines are skipped.
    """
    token_column = check_int("token_column", token_column)
    tag_column = check_int("tag_column", tag_column)
    p, text = _read_text(path, encoding)
    name = _task_name(name, p)
    examples: list[tuple[str, tuple[str, ...]]] = []
    tokens: list[str] = []
    tags: list[str] = []
    n_cols = first_line = None
    for line_no, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line.startswith("-DOCSTART-"):
            continue
        if not line:
            if tokens:
                examples.append((" ".join(tokens), tuple(tags)))
                tokens, tags = [], []
            continue
        cols = line.split()
        if n_cols is None:
            n_cols, first_line = len(cols), line_no
            if n_cols < 2:
                raise ValueError(
                    f"file {str(p)!r} line {line_no}: a CoNLL line needs a token and a tag column; got {line!r}"
                )
            for arg, c in (("token_column", token_column), ("tag_column", tag_column)):
                if not -n_cols <= c < n_cols:
                    raise ValueError(f"{arg} must be between {-n_cols} and {n_cols - 1} for a file with {n_cols} columns; got {c}")
        elif len(cols) != n_cols:
            raise ValueError(
                f"file {str(p)!r} line {line_no}: expected {n_cols} columns like line {first_line}, "
                f"got {len(cols)} ({line!r}); the file is ragged"
            )
        tokens.append(cols[token_column])
        tags.append(cols[tag_column])
    if tokens:
        examples.append((" ".join(tokens), tuple(tags)))
    if not examples:
        raise ValueError(f"file {str(p)!r} has no sentences")
    return MappingTask(name, "tagging", examples, metadata={"family": "user", "format": "conll", "source": p.name})


def load_parallel(
    path: str | os.PathLike,
    *,
    separator: str = "\t",
    encoding: str = "utf-8",
    name: str | None = None,
) -> MappingTask:
    """A translation task from a two-column file: ``source<separator>target`` on each line."""
    check_type("separator", separator, str)
    if not separator or separator.isspace() and separator != "\t":
        raise ValueError(f"separator must be a visible string or a tab; got {separator!r}")
    p, text = _read_text(path, encoding)
    name = _task_name(name, p)
    examples = []
    for line_no, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        parts = raw.split(separator)
        if len(parts) != 2:
            raise ValueError(
                f"file {str(p)!r} line {line_no}: expected 2 columns separated by {separator!r}, got {len(parts)}"
            )
        src, tgt = parts[0].strip(), parts[1].strip()
        if not src or not tgt:
            raise ValueError(f"file {str(p)!r} line {line_no}: empty {'source' if not src else 'target'} sentence")
        examples.append((src, tgt))
    if not examples:
        raise ValueError(f"file {str(p)!r} has no sentence pairs")
    return MappingTask(name, "translation", examples, metadata={"family": "user", "format": "parallel", "source": p.name})


def _datasets_available() -> bool:
    return importlib.util.find_spec("datasets") is not None


def from_hf_dataset(ds: Any, text_column: str = "text", label_column: str = "label", *, name: str = "hf_dataset") -> MappingTask:
    """A classification task from one split of a Hugging Face ``datasets`` dataset.

    Needs the optional package ``datasets`` (``pip install datasets``); nothing is downloaded here
    -- load the dataset yourself. Integer labels with ``ClassLabel`` names become those names.
    """
    if not _datasets_available():
        raise ImportError(
            "from_hf_dataset needs the optional package 'datasets', which is not installed; "
            "install it with: pip install datasets"
        )
    check_type("text_column", text_column, str)
    check_type("label_column", label_column, str)
    check_type("name", name, str)
    columns = getattr(ds, "column_names", None)
    if isinstance(columns, dict):
        raise ValueError(f"ds must be one split of a dataset, e.g. ds['train']; got a DatasetDict with splits {sorted(columns)}")
    if columns is None:
        raise TypeError(f"ds must be a datasets.Dataset (with column_names); got {type(ds).__name__}")
    columns = list(columns)
    for arg, col in (("text_column", text_column), ("label_column", label_column)):
        if col not in columns:
            raise ValueError(f"{arg}={col!r} is not a column of the dataset; its columns are {columns}")
    names = None
    features = getattr(ds, "features", None)
    if features is not None and label_column in features:
        names = getattr(features[label_column], "names", None)
    examples = []
    for i, row in enumerate(ds):
        x = row[text_column]
        if not isinstance(x, str) or not x.strip():
            raise ValueError(f"row {i}: text in {text_column!r} must be a non-empty string; got {_show(x)}")
        y = row[label_column]
        if names is not None and isinstance(y, numbers.Integral) and not isinstance(y, bool):
            if not 0 <= int(y) < len(names):
                raise ValueError(f"row {i}: label {y} is outside the ClassLabel names {list(names)}")
            y = names[int(y)]
        examples.append((x.strip(), _label_text(y, f"row {i}", label_column)))
    return _finish_classification(name, examples, None, "hf_dataset", label_column)
