"""Ingest: find raw files, identify them by content, decode them, and record what cannot be read.

Raw files are only ever opened for reading. Every path under the raw folder ends up either as a
document or in `ingest_errors` with a reason; the one exception is hidden names (starting with
'.'), which are ignored silently as editors, version control and sync tools keep their state there.
Symbolic links are followed only to regular files inside the raw folder.
"""
from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from charset_normalizer import from_bytes

from newsfacts import sidecars
from newsfacts.records import FileStat, IngestError, RawDocument

TEXT_SUFFIXES = {".txt": "text", ".html": "html", ".htm": "html"}
MAX_BYTES = 10 * 1024 * 1024  # far above any article; guards memory against dumps and archives
# About 80,000 words of plain text: several times the longest long-read. A longer text is a dump,
# a book or a log, and parsing it would hold the run for many minutes.
MAX_TEXT_CHARS = 500_000
CONTROL_SHARE_LIMIT = 0.05  # decoded text with more control characters than this is not prose
CONTROL_CHARS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f]")
CONTROL_BYTES = bytes([*range(0x00, 0x09), 0x0b, *range(0x0e, 0x20)])

# HTML saved under a text suffix: a page opens with one of these (after a BOM, an XML declaration or
# comments) ...
HTML_OPENING = re.compile(r"(?:\s|\ufeff|<\?xml[^>]*>|<!--.*?-->)*<(?:!doctype\s+html|html|head|body)[\s>]", re.I | re.S)
# ... or a fragment is mostly markup. Prose that quotes a tag or two stays far below this share.
HTML_TAG = re.compile(
    r"</?(?:a|article|aside|b|body|br|div|em|figure|footer|h[1-6]|head|header|html|i|iframe|img|li|link|main|"
    r"meta|nav|ol|p|script|section|span|strong|style|table|td|th|tr|ul)\b[^<>]{0,2000}>", re.I)
MARKUP_SHARE = 0.1
MIN_MARKUP_TAGS = 4
SNIFF_CHARS = 200_000
# Tags, and the script and style elements whose content a reader never sees. `[^<>]` keeps the scan
# linear on broken markup.
MARKUP_TAG = re.compile(r"<[^<>]*>")
HIDING_TAG = re.compile(r"<(/?)(script|style)\b[^<>]*>", re.I)  # a tag never holds another's start


@dataclass
class Candidate:
    source_path: str  # relative to the raw folder, as found (a link keeps its own name)
    path: Path  # the regular file to read (a link's target)
    via_link: bool = False


@dataclass
class PendingDocument:
    """A new document the survey found: where to read it again, and the doc_id its bytes had."""

    source_path: str
    doc_id: str
    format: str
    size_bytes: int
    candidate: Candidate  # the file (a feed's file, for one of its lines)
    feed_line: int | None = None


@dataclass
class IngestResult:
    documents: list[RawDocument] = field(default_factory=list)  # read whole (ingest), not by survey
    errors: list[IngestError] = field(default_factory=list)
    skipped_known: list[str] = field(default_factory=list)  # paths whose content was processed before
    known_by_path: dict[str, str] = field(default_factory=dict)  # those paths -> the doc_id of their bytes
    pending: list[PendingDocument] = field(default_factory=list)  # new documents, to read in batches
    file_stats: dict[str, FileStat] = field(default_factory=dict)  # path -> its file's stat and doc_id


def ingest(raw_dir: Path, known_doc_ids: set[str] | frozenset[str] = frozenset()) -> IngestResult:
    """Every new document read whole, for callers that want them all at once (evaluation, benchmarks)."""
    return survey(raw_dir, known_doc_ids, keep_documents=True)


def survey(raw_dir: Path, known_doc_ids: set[str] | frozenset[str] = frozenset(),
           keep_documents: bool = False, see_text: Callable[[str], None] | None = None,
           known_files: dict[str, FileStat] | None = None) -> IngestResult:
    """Read every raw file once: which documents are new, and which files are errors.

    Without keep_documents only a PendingDocument per new document is kept (read_pending reads it
    again, a batch at a time), so a run's memory does not grow with its raw folder. `see_text` is
    shown each new plain text as it passes (the clean stage counts the lines texts repeat).
    `known_files`: what an earlier survey found (file_stats); a file that still has the size and
    modification time it had then, for a document still stored, is not read again.
    """
    known_files = known_files or {}
    result = IngestResult()
    candidates, result.errors = discover(raw_dir)
    seen: dict[str, str] = {}
    for candidate in candidates:
        if (known := unchanged_known(candidate, known_files, known_doc_ids)) is not None:
            result.file_stats[candidate.source_path] = known
            result.skipped_known.append(candidate.source_path)
            result.known_by_path[candidate.source_path] = known.doc_id
            continue
        survey_candidate(candidate, Path(raw_dir), known_doc_ids, keep_documents, see_text, seen, result)
    result.errors.sort(key=lambda error: error.source_path)
    return result


def files_to_read(raw_dir: Path, known: dict[str, tuple[int, int]], enough: int) -> int:
    """A quick look, before a run, at how many files its survey will read, counted up to `enough`: the
    article files and feeds under raw_dir (hidden names and linked folders left out, as the survey leaves
    them) not in `known` (source path -> size, modification time) with the size and time they have now.
    Only names and stats, no file is opened; a feed counts once, whatever it holds."""
    found = 0
    folders = [(Path(raw_dir), "")]
    while folders:
        folder, prefix = folders.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            if entry.name.startswith("."):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    folders.append((Path(entry.path), f"{prefix}{entry.name}/"))
                    continue
                suffix = os.path.splitext(entry.name)[1].lower()
                if suffix not in TEXT_SUFFIXES and suffix != sidecars.FEED_SUFFIX:
                    continue
                status = entry.stat()
            except OSError:
                continue
            if known.get(prefix + entry.name) != (status.st_size, status.st_mtime_ns):
                found += 1
                if found >= enough:
                    return found
    return found


def unchanged_known(candidate: Candidate, known_files: dict[str, FileStat], known_doc_ids) -> FileStat | None:
    """What an earlier survey found of a file whose size and modification time are what they were when
    it was read for a document that is still stored (its bytes need not be read again), else None."""
    before = known_files.get(candidate.source_path)
    if before is None or before.doc_id not in known_doc_ids:
        return None
    try:
        status = candidate.path.stat()
    except OSError:
        return None
    if (status.st_size, status.st_mtime_ns) != (before.size_bytes, before.mtime_ns):
        return None
    return before


def survey_candidate(candidate: Candidate, raw_dir: Path, known_doc_ids, keep_documents: bool, see_text,
                     seen: dict[str, str], result: IngestResult) -> None:
    try:
        status = candidate.path.stat()
    except OSError:
        status = None
    for outcome in sidecars.read_candidate(candidate, raw_dir, read_document):
        if isinstance(outcome, IngestError):
            result.errors.append(outcome)
            continue
        # stat taken before the read: a file written since reads as changed next time, never the reverse
        if status is not None and outcome.source_path == candidate.source_path:  # a file, not a feed's line
            result.file_stats[outcome.source_path] = FileStat(status.st_size, status.st_mtime_ns, outcome.doc_id)
        if outcome.doc_id in known_doc_ids:
            result.skipped_known.append(outcome.source_path)
            result.known_by_path[outcome.source_path] = outcome.doc_id
        elif outcome.doc_id in seen:
            result.errors.append(
                IngestError(outcome.source_path, "duplicate", f"same bytes as {seen[outcome.doc_id]}",
                            outcome.size_bytes, outcome.doc_id)
            )
        else:
            seen[outcome.doc_id] = outcome.source_path
            if see_text is not None and outcome.format == "text":
                see_text(outcome.text)
            result.pending.append(pending_document(candidate, outcome))
            if keep_documents:
                result.documents.append(outcome)


def pending_document(candidate: Candidate, doc: RawDocument) -> PendingDocument:
    feed_line = int(doc.source_path.rpartition("#")[2]) if doc.source_path != candidate.source_path else None
    return PendingDocument(doc.source_path, doc.doc_id, doc.format, doc.size_bytes, candidate, feed_line)


def read_pending(raw_dir: Path, pending: list[PendingDocument]) -> list[RawDocument | IngestError]:
    """The pending documents read again, in their order. A file whose bytes changed since the survey
    is an error ("changed") this run, and a new document the next."""
    wanted: dict[str, PendingDocument] = {doc.source_path: doc for doc in pending}
    lines: dict[str, set[int]] = {}
    for doc in pending:
        lines.setdefault(doc.candidate.source_path, set()).add(doc.feed_line)
    read: dict[str, RawDocument | IngestError] = {}
    for doc in pending:
        if doc.candidate.source_path in lines:
            only = lines.pop(doc.candidate.source_path) - {None}
            for outcome in sidecars.read_candidate(doc.candidate, Path(raw_dir), read_document, only or None):
                if outcome.source_path in wanted:  # a sidecar's error was recorded by the survey
                    read[outcome.source_path] = outcome
    return [checked(doc, read.get(doc.source_path)) for doc in pending]


def checked(doc: PendingDocument, outcome: RawDocument | IngestError | None) -> RawDocument | IngestError:
    if isinstance(outcome, RawDocument) and outcome.doc_id == doc.doc_id:
        return outcome
    detail = outcome.detail if isinstance(outcome, IngestError) else "its bytes changed"
    return IngestError(doc.source_path, "changed", f"the file changed while the run read it ({detail}); "
                                                   "the next run reads it again", doc.size_bytes, doc.doc_id)


def discover(raw_dir: Path) -> tuple[list[Candidate], list[IngestError]]:
    """Every regular file under raw_dir to read, in a stable order, and every other path with why not."""
    root = Path(raw_dir).resolve()
    candidates: list[Candidate] = []
    errors: list[IngestError] = []

    def unreadable_folder(exc: OSError) -> None:
        where = relative(Path(exc.filename), root) if exc.filename else "."
        errors.append(IngestError(where, "unreadable", f"{type(exc).__name__}: {exc}"))

    for folder, dirnames, filenames in os.walk(root, onerror=unreadable_folder):
        here = Path(folder)
        dirnames[:] = sorted(name for name in dirnames if not name.startswith("."))
        for name in list(dirnames):
            path = here / name
            if path.is_symlink():
                dirnames.remove(name)  # never walked through a link: its target is walked on its own or not at all
                errors.append(folder_link_error(path, root))
            elif path.suffix.lower() in TEXT_SUFFIXES:
                errors.append(IngestError(relative(path, root), "not_a_file",
                                          "a folder named like an article; the files in it are read one by one"))
        for name in sorted(filenames):
            if name.startswith("."):
                continue
            outcome = classify_file(here / name, root)
            (errors if isinstance(outcome, IngestError) else candidates).append(outcome)
    # a file read through a link comes after the files themselves: the file keeps its own path, the link is the duplicate
    return sorted(candidates, key=lambda candidate: (candidate.via_link, candidate.source_path)), errors


def relative(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def classify_file(path: Path, root: Path) -> Candidate | IngestError:
    """A regular file (or a link to one inside the raw folder) to read, or why it is not read."""
    source_path = relative(path, root)
    try:
        status = os.stat(path)  # follows links
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return IngestError(source_path, "link_loop", f"symbolic link to itself, through {os.readlink(path)}")
        if path.is_symlink():
            return IngestError(source_path, "broken_link", f"symbolic link to missing {os.readlink(path)}")
        return IngestError(source_path, "unreadable", f"{type(exc).__name__}: {exc}")
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(root):
        return IngestError(source_path, "outside_raw_folder",
                           f"symbolic link to {target}, outside the raw folder; not followed")
    if not stat.S_ISREG(status.st_mode):
        return IngestError(source_path, "not_a_file", f"a {file_kind(status.st_mode)}, not a regular file")
    return Candidate(source_path, target, via_link=path.is_symlink())


def folder_link_error(path: Path, root: Path) -> IngestError:
    source_path = relative(path, root)
    target = Path(os.path.realpath(path))
    if not target.is_relative_to(root):
        return IngestError(source_path, "outside_raw_folder",
                           f"symbolic link to folder {target}, outside the raw folder; not followed")
    if path.parent.resolve().is_relative_to(target):
        return IngestError(source_path, "link_loop", f"symbolic link to {relative(target, root) or '.'}, "
                                                     "a folder that holds the link itself; not followed")
    return IngestError(source_path, "linked_folder", f"symbolic link to folder {relative(target, root)}, "
                                                     "which is read under its own path; not followed")


def file_kind(mode: int) -> str:
    kinds = {stat.S_ISDIR: "folder", stat.S_ISFIFO: "named pipe", stat.S_ISSOCK: "socket",
             stat.S_ISCHR: "character device", stat.S_ISBLK: "block device"}
    return next((kind for test, kind in kinds.items() if test(mode)), "special file")


def read_document(candidate: Candidate) -> RawDocument | IngestError:
    source_path = candidate.source_path
    suffix = Path(source_path).suffix
    suffix_format = TEXT_SUFFIXES.get(suffix.lower())
    if suffix_format is None:
        return IngestError(source_path, "unsupported", f"suffix {suffix or '(none)'} is not .txt, .html or .htm")
    try:
        data = read_regular_file(candidate.path)
    except TooLarge as exc:
        return IngestError(source_path, "too_large", f"{exc.size} bytes > limit of {MAX_BYTES}", exc.size)
    except OSError as exc:
        return IngestError(source_path, "unreadable", f"{type(exc).__name__}: {exc}")
    doc_id = hashlib.sha256(data).hexdigest()
    try:
        text, charset = decode(data)
    except UnusableBytes as exc:
        return IngestError(source_path, exc.reason, exc.detail, len(data), doc_id)
    doc_format = sniff_format(text, suffix_format)
    text_chars = text_length(text, doc_format)
    if text_chars > MAX_TEXT_CHARS:
        return IngestError(source_path, "too_long", f"{text_chars} characters of {doc_format} text > limit of "
                                                    f"{MAX_TEXT_CHARS} for one article", len(data), doc_id)
    return RawDocument(doc_id, source_path, doc_format, charset, len(data), text)


class TooLarge(OSError):
    def __init__(self, size: int):
        super().__init__(f"{size} bytes")
        self.size = size


def read_regular_file(path: Path) -> bytes:
    """The file's bytes, checked on the open handle: a file swapped for a pipe or a link since it
    was found is refused rather than waited on or followed."""
    handle = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    with os.fdopen(handle, "rb") as file:
        status = os.fstat(file.fileno())
        if not stat.S_ISREG(status.st_mode):
            raise OSError(f"{path} is a {file_kind(status.st_mode)}, not a regular file")
        if status.st_size > MAX_BYTES:
            raise TooLarge(status.st_size)
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:  # grew since it was measured
        raise TooLarge(len(data))
    return data


def sniff_format(text: str, suffix_format: str) -> str:
    """The format the content shows: an HTML page saved as .txt is HTML; an .html file without markup is text."""
    sample = text[:SNIFF_CHARS]
    if HTML_OPENING.match(sample):
        return "html"
    tags = [match.group() for match in HTML_TAG.finditer(sample)]
    if len(tags) >= MIN_MARKUP_TAGS and sum(map(len, tags)) >= MARKUP_SHARE * len(sample):
        return "html"
    if suffix_format == "html" and not tags and not re.search(r"<[A-Za-z!/?]", sample):
        return "text"
    return suffix_format


def text_length(text: str, doc_format: str) -> int:
    """The characters a reader could read: a page's visible characters are counted only when the page is
    longer than the limit (counting a page's tags costs more than reading and hashing it; a page no longer
    than the limit cannot show more)."""
    if doc_format == "text" or len(text) <= MAX_TEXT_CHARS:
        return len(text)
    return visible_chars(text)


def visible_chars(html: str) -> int:
    """Characters of an HTML page outside tags, scripts and styles: what a reader could read. Only the
    script and style tags are walked here; the tags between them are taken out by the regex engine."""
    visible, position, hidden_in = 0, 0, None
    for token in HIDING_TAG.finditer(html):
        closing, element = token.group(1), token.group(2).lower()
        if hidden_in is None and not closing:
            visible += len(MARKUP_TAG.sub("", html[position:token.start()]))
            hidden_in = element
        elif hidden_in is not None and closing and element == hidden_in:
            hidden_in, position = None, token.end()
    return visible + (len(MARKUP_TAG.sub("", html[position:])) if hidden_in is None else 0)


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
        # in UTF-8 a byte below 0x80 is always that character: counted on the bytes, many times faster
        controls = len(data) - len(data.translate(None, CONTROL_BYTES))
    except UnicodeDecodeError:
        best = from_bytes(data).best()
        if best is None:
            raise UnusableBytes("undecodable", "no character set fits these bytes") from None
        text, charset = str(best), best.encoding
        controls = len(CONTROL_CHARS.findall(text))
    share = controls / max(len(text), 1)
    if share > CONTROL_SHARE_LIMIT:
        raise UnusableBytes("binary", f"{share:.0%} control characters after decoding as {charset}")
    if not text.strip():
        raise UnusableBytes("empty", "only whitespace after decoding")
    return text, charset
