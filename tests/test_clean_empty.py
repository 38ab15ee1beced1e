"""Documents the cleaner leaves without article text are set aside with a reason."""
from __future__ import annotations

from newsfacts.clean.empty import set_aside_empty
from newsfacts.records import CleanedDocument, RawDocument, RemovedLine


def test_empty_bodies_become_errors_and_the_rest_goes_on():
    raws = [RawDocument("a", "a.txt", "text", "utf-8", 10, "Home\nNews"),
            RawDocument("b", "b.txt", "text", "utf-8", 10, "Title\n\nA sentence of prose here.")]
    cleaned = [CleanedDocument("a", "", [RemovedLine(1, "Home", "navigation"), RemovedLine(2, "News", "classifier")]),
               CleanedDocument("b", "A sentence of prose here.")]
    kept_raws, kept, errors = set_aside_empty(raws, cleaned)
    assert [r.doc_id for r in kept_raws] == [d.doc_id for d in kept] == ["b"]
    assert [(e.source_path, e.reason, e.doc_id) for e in errors] == [("a.txt", "no_article_text", "a")]
    assert "navigation 1" in errors[0].detail and "classifier 1" in errors[0].detail
