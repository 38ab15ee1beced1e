"""Article metadata carried beside the text: `<name>.json` sidecar files and JSON Lines feeds.

A plain-text article says nothing reliable about where it was published. Crawlers write that
down beside it, in one of two shapes this module reads:
- a sidecar: `story.txt` (or .html) with `story.json` next to it, a JSON object with any of
  `url`, `outlet`, `title`, `published`;
- a feed: `*.jsonl`, one JSON object per line holding the article's `text` (or `html`) and the
  same fields. Each line is a document of its own (source path `feed.jsonl#<line number>`).
Common crawler spellings of the fields are accepted (news-please's `maintext`, `date_publish`,
`source_domain`, ...). Raw files are only read.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path
from typing import Callable, Iterator

from newsfacts.records import IngestError, RawDocument

SIDECAR_SUFFIX = ".json"
FEED_SUFFIX = ".jsonl"
ARTICLE_SUFFIXES = (".txt", ".html", ".htm")
# Field -> the keys crawlers use for it, first found wins.
FIELD_KEYS = {
    "url": ("url", "canonical_url", "link"),
    "outlet": ("outlet", "site_name", "sitename", "publisher", "source", "source_domain"),
    "title": ("title", "headline"),
    "published": ("published", "date_publish", "published_at", "publish_date", "date"),
}
TEXT_KEYS = ("text", "maintext", "body", "content")
HTML_KEYS = ("html", "raw_html")

Reader = Callable[[object], "RawDocument | IngestError"]


def metadata_fields(record: dict) -> dict[str, str]:
    """The metadata fields a JSON object carries, under our names, as non-empty strings."""
    found = {}
    for name, keys in FIELD_KEYS.items():
        value = next((record[key] for key in keys if isinstance(record.get(key), (str, int, float))
                      and str(record[key]).strip()), None)
        if value is not None:
            found[name] = str(value).strip()
    return found


def is_sidecar(path: Path) -> bool:
    """A .json file whose name matches an article file beside it."""
    return path.suffix.lower() == SIDECAR_SUFFIX and any(
        path.with_suffix(suffix).is_file() for suffix in ARTICLE_SUFFIXES)


def read_sidecar(article: Path, raw_dir: Path) -> dict[str, str] | IngestError | None:
    """The metadata in the article's sidecar; None without one; an IngestError when it is unusable."""
    path = article.with_suffix(SIDECAR_SUFFIX)
    if not path.is_file():
        return None
    source_path = path.relative_to(raw_dir).as_posix()
    try:
        record = json.loads(path.read_bytes().decode("utf-8-sig"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
        return IngestError(source_path, "bad_metadata", f"sidecar is not readable JSON: {exc}")
    if not isinstance(record, dict):
        return IngestError(source_path, "bad_metadata", "sidecar is not a JSON object")
    return metadata_fields(record)


def read_feed(path: Path, feed: str, wanted: set[int] | None = None) -> Iterator[RawDocument | IngestError]:
    """One document (or error) per non-blank line of a JSON Lines feed (`feed`: its source path);
    only the `wanted` line numbers when given."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        yield IngestError(feed, "unreadable", f"{type(exc).__name__}: {exc}")
        return
    for number, line in enumerate(data.splitlines(), 1):
        if line.strip() and (wanted is None or number in wanted):
            yield read_feed_line(line.strip(), f"{feed}#{number}")


def read_feed_line(line: bytes, source_path: str) -> RawDocument | IngestError:
    doc_id = hashlib.sha256(line).hexdigest()
    try:
        record = json.loads(line.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return IngestError(source_path, "bad_metadata", f"line is not JSON: {exc}", len(line), doc_id)
    if not isinstance(record, dict):
        return IngestError(source_path, "bad_metadata", "line is not a JSON object", len(line), doc_id)
    text_key = next((k for k in TEXT_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    html_key = next((k for k in HTML_KEYS if isinstance(record.get(k), str) and record[k].strip()), None)
    if text_key is None and html_key is None:
        return IngestError(source_path, "empty", f"no article text under any of {TEXT_KEYS + HTML_KEYS}",
                           len(line), doc_id)
    doc_format, text = ("text", record[text_key]) if text_key else ("html", record[html_key])
    return RawDocument(doc_id, source_path, doc_format, "utf-8", len(line), text, metadata_fields(record))


def read_candidate(candidate, raw_dir: Path, read_document: Reader,
                   lines: set[int] | None = None) -> Iterator[RawDocument | IngestError]:
    """The documents (or errors) of one raw file: a feed's lines (only `lines`, when given), else the
    article with its sidecar's metadata; nothing for a sidecar itself."""
    found = Path(raw_dir) / candidate.source_path
    if found.suffix.lower() == FEED_SUFFIX:
        yield from read_feed(candidate.path, candidate.source_path, lines)
        return
    if is_sidecar(found):
        return
    outcome = read_document(candidate)
    metadata = read_sidecar(found, raw_dir)
    if isinstance(metadata, IngestError):
        yield metadata  # the article itself is still read, without metadata
    elif metadata and isinstance(outcome, RawDocument):
        outcome.metadata = metadata
    yield outcome
