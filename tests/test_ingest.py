import hashlib
import json
import os
from pathlib import Path

import pytest

from newsfacts import ingest, project, schemas


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


PAGE = (b"<!DOCTYPE html>\n<html><head><title>Flood in Eastvale</title></head><body><nav><a href='/'>Home</a></nav>"
        b"<article><p>The river rose two metres overnight, the mayor of Eastvale said.</p></article></body></html>")


def test_an_html_page_saved_as_text_takes_the_html_path(tmp_path):
    write(tmp_path, "page.txt", b"\xef\xbb\xbf  \n" + PAGE)
    write(tmp_path, "fragment.txt", b"<div class='story'><p>The mayor spoke.</p><p>Roads closed.</p>"
                                    b"<p>Schools shut.</p></div>")
    write(tmp_path, "plain.html", b"The council met on Monday.\nIt voted 7 to 2 to repair the bridge.\n")
    write(tmp_path, "prose.txt", b"The site's editor said the <b> tag was misused once.\nThe rest is prose about "
                                 b"the council's vote on the bridge, which passed after a long debate.\n")
    formats = {doc.source_path: doc.format for doc in ingest.ingest(tmp_path).documents}
    assert formats == {"page.txt": "html", "fragment.txt": "html", "plain.html": "text", "prose.txt": "text"}


def test_links_leaving_the_raw_folder_loops_and_broken_links_are_recorded_not_followed(tmp_path):
    raw, outside = tmp_path / "raw", tmp_path / "private"
    write(outside, "secret.txt", b"Not part of the corpus.\n")
    write(raw, "story.txt", b"The mayor of Eastvale resigned on Friday.\n")
    write(raw, "nested/other.txt", b"The bridge reopened on Saturday.\n")
    (raw / "leak.txt").symlink_to(outside / "secret.txt")
    (raw / "leak_folder").symlink_to(outside)
    (raw / "loop_a.txt").symlink_to(raw / "loop_b.txt")
    (raw / "loop_b.txt").symlink_to(raw / "loop_a.txt")
    (raw / "nested" / "up").symlink_to(raw)
    (raw / "again").symlink_to(raw / "nested")
    (raw / "gone.txt").symlink_to(raw / "deleted.txt")
    (raw / "alias.txt").symlink_to(raw / "story.txt")
    result = ingest.ingest(raw)
    reasons = {e.source_path: e.reason for e in result.errors}
    assert reasons == {"leak.txt": "outside_raw_folder", "leak_folder": "outside_raw_folder",
                       "loop_a.txt": "link_loop", "loop_b.txt": "link_loop", "nested/up": "link_loop",
                       "again": "linked_folder", "gone.txt": "broken_link", "alias.txt": "duplicate"}
    assert [d.source_path for d in result.documents] == ["nested/other.txt", "story.txt"]
    assert all("Not part of the corpus" not in d.text for d in result.documents)
    (tmp_path / "raw_link").symlink_to(raw)  # a raw folder reached through a link is the same folder
    via_link = ingest.ingest(tmp_path / "raw_link")
    assert {e.source_path: e.reason for e in via_link.errors} == reasons


def test_folders_named_like_articles_and_special_files_are_recorded(tmp_path):
    write(tmp_path, "x.txt/inner.txt", b"The ferry service resumed on Sunday.\n")
    os.mkfifo(tmp_path / "pipe.txt")  # reading it would wait for a writer forever
    write(tmp_path, ".git/config", b"[core]\n")
    write(tmp_path, ".draft.txt", b"Unfinished.\n")
    result = ingest.ingest(tmp_path)
    assert {e.source_path: e.reason for e in result.errors} == {"x.txt": "not_a_file", "pipe.txt": "not_a_file"}
    assert "named pipe" in next(e.detail for e in result.errors if e.source_path == "pipe.txt")
    assert [d.source_path for d in result.documents] == ["x.txt/inner.txt"]


def test_texts_longer_than_one_article_are_set_aside_with_a_reason(tmp_path):
    one_line = b"The committee heard from witnesses. " * (3_000_000 // 36)
    paragraph = b"The committee of the fictional town of Eastvale heard from 12 witnesses on Tuesday.\n\n"
    article = paragraph * (9_000_000 // len(paragraph))
    write(tmp_path, "one_line.txt", one_line)
    write(tmp_path, "long_article.txt", article)
    write(tmp_path, "good.txt", b"The committee adjourned until Friday.\n")
    result = ingest.ingest(tmp_path)
    assert len(article) < ingest.MAX_BYTES
    assert {e.source_path: e.reason for e in result.errors} == {"one_line.txt": "too_long",
                                                                "long_article.txt": "too_long"}
    assert all(e.doc_id and e.size_bytes for e in result.errors)
    assert [d.source_path for d in result.documents] == ["good.txt"]


def test_the_suite_allows_exactly_the_schemas_reasons():
    suite = json.loads((project.expectations_dir() / "ingest_errors.json").read_text())
    [allowed] = [e["kwargs"]["value_set"] for e in suite["expectations"] if e["kwargs"].get("column") == "reason"]
    assert sorted(allowed) == sorted(schemas.INGEST_ERROR_REASONS)


def test_an_html_page_is_too_long_by_the_text_a_reader_sees_not_by_its_scripts(tmp_path):
    script = "<script>var state = {" + '"k": "</div>", ' * 100_000 + "};</script>"
    style = "<style>" + "p { color: red; } " * 20_000 + "</style>"
    write(tmp_path, "heavy.html", ("<html><head>" + style + "</head><body>" + script +
                                   "<p>The mayor of Eastvale resigned.</p></body></html>").encode())
    write(tmp_path, "book.html", ("<html><body>" + "<p>The committee met again and again.</p>" * 20_000
                                  + "</body></html>").encode())
    result = ingest.ingest(tmp_path)
    assert [d.source_path for d in result.documents] == ["heavy.html"]
    assert [(e.source_path, e.reason) for e in result.errors] == [("book.html", "too_long")]
    assert ingest.visible_chars("<p>Ab <b>cd</b></p><script>x<y</script>ef<") == 8



def test_control_characters_are_counted_as_the_decoded_text_holds_them():
    prose = "Die Behörde meldete 14 Verletzte, sagte die Sprecherin am Montag. " * 3
    with pytest.raises(ingest.UnusableBytes, match="control characters"):  # one in five characters
        ingest.decode((prose + "\x01\x02\x1b" * 20).encode("utf-8"))
    a_few = prose + "\x0c\x1b"  # a form feed and an escape in a long text: still prose
    assert ingest.decode(a_few.encode("utf-8")) == (a_few, "utf-8")
    assert ingest.decode(("\ufeff" + prose).encode("utf-8")) == (prose, "utf-8")


def test_visible_characters_skip_tags_scripts_and_styles_however_the_markup_breaks():
    assert ingest.visible_chars("ab<script>x</style>y</SCRIPT >cd") == 4
    assert ingest.visible_chars("ab</script>cd<style>never closed <p>") == 4
    assert ingest.visible_chars("a<b<c>d>e") == 6  # `<b` is no tag: its `<` is text
    assert ingest.visible_chars("<scripts>shown</scripts>") == 5
    assert ingest.visible_chars("x" * 10) == 10

def test_a_known_file_with_its_size_and_time_unchanged_is_not_read_again(tmp_path, monkeypatch):
    story = "Ferry service resumes\n\nThe Ostmark ferry carried 210 passengers on Monday after repairs.\n"
    for name in ("a.txt", "b.txt", "c.txt"):
        write(tmp_path, name, (story + name).encode())
    first = ingest.survey(tmp_path)
    known = {doc.doc_id for doc in first.pending}
    reads = []
    original = ingest.read_document
    monkeypatch.setattr(ingest, "read_document", lambda candidate: reads.append(candidate.source_path) or original(candidate))
    (tmp_path / "b.txt").write_bytes((story + "b.txt, corrected").encode())  # another size
    c = tmp_path / "c.txt"
    os.utime(c, ns=(c.stat().st_atime_ns, c.stat().st_mtime_ns + 1_000_000_000))  # same size, touched
    again = ingest.survey(tmp_path, known,
                          known_files=first.file_stats)
    assert reads == ["b.txt", "c.txt"], "a.txt is known by its size and time"
    assert sorted(again.skipped_known) == ["a.txt", "c.txt"] and [d.source_path for d in again.pending] == ["b.txt"]
    assert again.file_stats["c.txt"].mtime_ns == c.stat().st_mtime_ns
    forgotten = ingest.survey(tmp_path, known - {first.file_stats["a.txt"].doc_id}, known_files=again.file_stats)
    assert "a.txt" in [d.source_path for d in forgotten.pending], "a document no longer stored is read again"
