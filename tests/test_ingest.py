import hashlib
from pathlib import Path

from newsfacts import ingest


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_good_files_are_read_recursively_and_identified_by_content(tmp_path):
    write(tmp_path, "a.txt", b"Officials said 12 people were hurt.\n")
    write(tmp_path, "nested/b.html", b"<html><body><p>Text</p></body></html>")
    result = ingest.ingest(tmp_path)
    assert [d.source_path for d in result.documents] == ["a.txt", "nested/b.html"]
    assert [d.format for d in result.documents] == ["text", "html"]
    assert result.documents[0].doc_id == hashlib.sha256(b"Officials said 12 people were hurt.\n").hexdigest()
    assert result.errors == []


def test_other_encodings_are_decoded_and_the_charset_recorded(tmp_path):
    text = "Le ministère a déclaré que la délégation était arrivée à Genève, où elle négociera."
    write(tmp_path, "latin.txt", text.encode("cp1252"))
    [doc] = ingest.ingest(tmp_path).documents
    assert doc.text == text
    assert doc.charset.replace("_", "").lower() in {"cp1252", "windows1252", "latin1", "iso88591"}


def test_bad_files_are_recorded_with_a_reason_and_the_rest_go_on(tmp_path):
    write(tmp_path, "empty.txt", b"")
    write(tmp_path, "blank.txt", b"  \n\n ")
    write(tmp_path, "image.txt", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    write(tmp_path, "notes.pdf", b"%PDF-1.4")
    write(tmp_path, "good.txt", b"A real article line.\n")
    write(tmp_path, "copy.txt", b"A real article line.\n")
    result = ingest.ingest(tmp_path)
    reasons = {e.source_path: e.reason for e in result.errors}
    assert reasons == {"empty.txt": "empty", "blank.txt": "empty", "image.txt": "binary",
                       "notes.pdf": "unsupported", "good.txt": "duplicate"}
    assert [d.source_path for d in result.documents] == ["copy.txt"]


def test_huge_files_are_refused_without_reading_them(tmp_path, monkeypatch):
    monkeypatch.setattr(ingest, "MAX_BYTES", 10)
    write(tmp_path, "big.txt", b"x" * 11)
    [error] = ingest.ingest(tmp_path).errors
    assert error.reason == "too_large" and error.size_bytes == 11


def test_known_documents_are_skipped(tmp_path):
    write(tmp_path, "a.txt", b"Already processed.\n")
    first = ingest.ingest(tmp_path)
    second = ingest.ingest(tmp_path, {first.documents[0].doc_id})
    assert second.documents == [] and second.skipped_known == ["a.txt"]


def test_raw_files_are_not_changed(tmp_path):
    path = write(tmp_path, "a.txt", b"Unchanged.\n")
    before = (path.read_bytes(), path.stat().st_mtime_ns)
    ingest.ingest(tmp_path)
    assert (path.read_bytes(), path.stat().st_mtime_ns) == before
