"""How many facts come out otherwise when each paragraph is parsed alone (the product's way) than from one
parse of the whole body: `python scripts/paragraph_parse_diff.py RAW_DIR` (English documents only)."""
from __future__ import annotations

import sys
from pathlib import Path

from newsfacts import extract, language
from newsfacts.clean import clean_documents
from newsfacts.extract import ParagraphCache, extract_one
from newsfacts.ingest import ingest


def fact_keys(facts) -> tuple[set, set, set]:
    return ({(m.text, m.char_start, m.label) for m in facts.mentions},
            {(g.char_start, g.value, g.kind, g.claimant_text) for g in facts.figures},
            {(q.char_start, q.speaker_text) for q in facts.quotes})


def main(raw: Path) -> None:
    docs = [d for d in language.tag_languages(clean_documents(ingest(raw).documents))
            if d.body_text and d.language == "en" and len(d.body_text) <= extract.PIECE_CHARS]
    nlp, cache = extract.load_nlp(), ParagraphCache()
    totals, differ = [0, 0, 0], [0, 0, 0]
    for doc in docs:
        whole = fact_keys(extract_one(nlp(doc.body_text), doc))
        by_paragraph = fact_keys(extract_one(cache.parse(nlp, [doc.body_text])[0], doc))
        for i in range(3):
            totals[i] += len(whole[i])
            differ[i] += len(whole[i] - by_paragraph[i])
    for name, total, changed in zip(("mentions", "figures", "quotes"), totals, differ):
        print(f"{name:9} {changed:5} of {total:6} ({changed / max(total, 1):.1%}) otherwise than from the whole body")
    print(f"{len(docs)} documents")


if __name__ == "__main__":
    main(Path(sys.argv[1]))
