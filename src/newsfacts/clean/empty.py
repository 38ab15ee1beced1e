"""Documents left with no article text: recorded with the reason instead of published empty.

One page that is all furniture (or that the cleaner wrongly empties) must not block the run's
other documents, and must not be published as an empty article either.
"""
from __future__ import annotations

from collections import Counter

from newsfacts.records import CleanedDocument, IngestError, RawDocument


def set_aside_empty(raws: list[RawDocument], cleaned: list[CleanedDocument]
                    ) -> tuple[list[RawDocument], list[CleanedDocument], list[IngestError]]:
    """(raws and cleaned documents that kept article text, errors for those that did not)."""
    kept_raws, kept, errors = [], [], []
    for raw, doc in zip(raws, cleaned, strict=True):
        if doc.body_text.strip():
            kept_raws.append(raw)
            kept.append(doc)
            continue
        rules = Counter(line.rule for line in doc.removed_lines)
        detail = (f"no article text left after cleaning: {len(doc.removed_lines)} line(s) removed ("
                  + ", ".join(f"{rule} {n}" for rule, n in rules.most_common()) + ")")
        errors.append(IngestError(raw.source_path, "no_article_text", detail, raw.size_bytes, raw.doc_id))
    return kept_raws, kept, errors
