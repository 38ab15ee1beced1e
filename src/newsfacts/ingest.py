"""Ingest: find raw files, identify them by content, decode them, and record what cannot be read.

Raw files are only ever opened for reading.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from charset_normalizer import from_bytes

from newsfacts import sidecars
from newsfacts.records import IngestError, RawDocument

TEXT_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
MAX_BYTES = 10 * 1024 * 1024  # far above any article; guards memory against dumps and archives
CONTROL_SHARE_LIMIT = 0.05  # decoded text with more control characters than this is not prose


@dataclass
class IngestResult:
    documents: list[RawDocument] = field(default_factory=list)
    errors: list[IngestError] = field(default_factory=list)
    skipped_known: list[str] = field(default_factory=list)  # paths whose content was processed before


def discover(raw_dir: Path) -> list[Path]:
    """Every candidate file under raw_dir, recursively, in a stable order (hidden files ignored)."""
    return sorted(
        path
        for path in raw_dir.rglob("*")
        if path.is_file() and not any(part.startswith(".") for part in path.relative_to(raw_dir).parts)
    )


def ingest(raw_dir: Path, known_doc_ids: set[str] | frozenset[str] = frozenset()) -> IngestResult:
    result = IngestResult()
    seen: dict[str, str] = {}
    for outcome in sidecars.read_all(discover(raw_dir), raw_dir, read_document):
        if isinstance(outcome, IngestError):
            result.errors.append(outcome)
        elif outcome.doc_id in known_doc_ids:
            result.skipped_known.append(outcome.source_path)
        elif outcome.doc_id in seen:
            result.errors.append(
                IngestError(outcome.source_path, "duplicate", f"same bytes as {seen[outcome.doc_id]}",
                            outcome.size_bytes, outcome.doc_id)
            )
        else:
            seen[outcome.doc_id] = outcome.source_path
            result.documents.append(outcome)
    return result


def read_document(path: Path, raw_dir: Path) -> RawDocument | IngestError:
    source_path = path.relative_to(raw_dir).as_posix()
    doc_format = TEXT_SUFFIXES.get(path.suffix.lower())
    if doc_format is None:
        return IngestError(source_path, "unsupported", f"suffix {path.suffix or '(none)'} is not .txt, .html or .htm")
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return IngestError(source_path, "too_large", f"{size} bytes > limit of {MAX_BYTES}", size)
        data = path.read_bytes()
    except OSError as exc:
        return IngestError(source_path, "unreadable", f"{type(exc).__name__}: {exc}")
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        text, charset = decode(data)
    except UnusableBytes as exc:
        return IngestError(source_path, exc.reason, exc.detail, len(data), doc_id)
    return RawDocument(doc_id, source_path, doc_format, charset, len(data), text)


class UnusableBytes(ValueError):
    def __init__(self, reason: str, detail: str):
        super().__init__(f"{reason}: {detail}")
        self.reason, self.detail = reason, detail


def decode(data: bytes) -> tuple[str, str]:
    """(text, charset); raises UnusableBytes when the bytes are not text worth reading."""
    if not data.strip():
        raise UnusableBytes("empty", "no bytes" if not data else "only whitespace")
    utf16 = data.startswith((b"\xff\xfe", b"\xfe\xff"))
    if b"\x00" in data and not utf16:
        raise UnusableBytes("binary", "contains NUL bytes")
    try:
        text, charset = data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise UnusableBytes("undecodable", "no character set fits these bytes") from None
        text, charset = str(best), best.encoding
    share = control_share(text)
    if share > CONTROL_SHARE_LIMIT:
        raise UnusableBytes("binary", f"{share:.0%} control characters after decoding as {charset}")
    if not text.strip():
        raise UnusableBytes("empty", "only whitespace after decoding")
    return text, charset


def control_share(text: str) -> float:
    controls = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t\f")
    return controls / max(len(text), 1)
