"""What the extraction rules cost, and whether a change to them keeps every fact byte for byte.

    python scripts/rules_cost.py [--rounds 3] [--sets polnear,unique] [--dump FACTS.jsonl] [--profile N]

Fixed documents are parsed once, as the extract stage parses them (paragraphs, joined with
`Doc.from_docs`, long bodies in pieces), and kept in build/rules_cost/<set>/ (a DocBin and the cleaned
documents); later runs, of any version of the code, read the same parses. Then only the rules run
(`extract.extract_one` and the pieces' offsets, `add_piece_facts`) over the parsed Docs, timed in CPU
seconds for several rounds (the first warms the per-process caches: read the best round).

The sets: `polnear` (PolNeAR train, 840 articles), `benchmark` (the article-extraction pages cleaned from
their HTML), `benchmark_text` (the same pages' text dumps, html-text.json, through the text cleaner),
`seeds` (data/raw, what `make eval` reads) and `unique` (250 documents of the unique corpus that
`newsfacts bench scale` writes: every 8th of 2,000).

`--dump` writes every fact of every document as JSON lines, set by set in the order of `--sets`: compare
two versions' dumps (made with the same `--sets`) with `cmp`
(to time and dump another version of the code with the same parses, put its src/ first on PYTHONPATH).
`--profile N` runs one round under cProfile and prints its N most expensive functions.
"""
from __future__ import annotations

import argparse
import cProfile
import dataclasses
import gzip
import json
import pickle
import pstats
import sys
import time
from pathlib import Path

from spacy.tokens import DocBin

from newsfacts import extract, language
from newsfacts.bench.scale import benchmark_pages, write_corpus
from newsfacts.clean import clean_documents
from newsfacts.extract import ParagraphCache, add_piece_facts, batches, extract_one, split_into_pieces
from newsfacts.ingest import ingest
from newsfacts.records import DocumentFacts

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
BENCHMARK = SHARED / "benchmarks" / "article-extraction"
CACHE = ROOT / "build" / "rules_cost"
SETS = ("polnear", "benchmark", "benchmark_text", "seeds", "unique")
UNIQUE_NUMBERS = range(0, 2000, 8)


def raw_folder(name: str) -> Path:
    """The raw files of a set (written under the cache where the set is made, not read as it is)."""
    if name == "polnear":
        return SHARED / "external" / "polnear" / "train" / "raw"
    if name == "seeds":
        return ROOT / "data" / "raw"
    folder = CACHE / name / "raw"
    if folder.exists():
        return folder
    if name == "unique":
        return write_corpus(benchmark_pages(BENCHMARK), UNIQUE_NUMBERS, folder)
    folder.mkdir(parents=True)
    if name == "benchmark":
        for page in sorted((BENCHMARK / "html").glob("*.html.gz")):
            (folder / page.name.removesuffix(".gz")).write_bytes(gzip.decompress(page.read_bytes()))
    else:  # benchmark_text
        pages = json.loads((BENCHMARK / "html-text.json").read_text())["output"]
        for key, page in sorted(pages.items()):
            (folder / f"{key}.txt").write_text(page.get("articleBody") or "", encoding="utf-8")
    return folder


def parsed_set(name: str, nlp=None):
    """(cleaned English documents, pieces as (document index, offset, Doc)), parsed once and kept."""
    folder = CACHE / name
    if not (folder / "docs.spacy").exists():
        nlp = nlp or extract.load_nlp()
        cleaned, _ = language.split_by_language(
            language.tag_languages(clean_documents(ingest(raw_folder(name)).documents)), extract.pipeline_language())
        cleaned = [doc for doc in cleaned if doc.body_text]
        limit = min(extract.PIECE_CHARS, nlp.max_length)
        pieces = [(index, start, text) for index, doc in enumerate(cleaned)
                  for start, text in split_into_pieces(doc.body_text, limit)]
        paragraphs, bin_ = ParagraphCache(), DocBin()
        for batch in batches(pieces, extract.BATCH_SIZE, extract.BATCH_CHARS):
            for parsed in paragraphs.parse(nlp, [text for _, _, text in batch]):
                bin_.add(parsed)
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "cleaned.pkl").write_bytes(pickle.dumps((cleaned, [(i, s) for i, s, _ in pieces])))
        bin_.to_disk(folder / "docs.spacy")
    cleaned, places = pickle.loads((folder / "cleaned.pkl").read_bytes())
    nlp = nlp or extract.load_nlp()
    docs = list(DocBin().from_disk(folder / "docs.spacy").get_docs(nlp.vocab))
    return cleaned, [(index, start, doc) for (index, start), doc in zip(places, docs)]


def run_rules(cleaned, pieces) -> list[DocumentFacts]:
    """What extract_documents does after parsing: the rules on each piece, offsets into the whole body."""
    facts = [DocumentFacts(doc.doc_id) for doc in cleaned]
    for index, start, parsed in pieces:
        add_piece_facts(facts[index], extract_one(parsed, cleaned[index]), start)
    return facts


def dump_line(name: str, facts: DocumentFacts) -> str:
    return json.dumps({"set": name, **dataclasses.asdict(facts)}, default=str, ensure_ascii=False, sort_keys=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sets", default=",".join(SETS))
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--dump", type=Path)
    parser.add_argument("--profile", type=int, default=0, metavar="N")
    args = parser.parse_args()
    nlp = extract.load_nlp()
    sets = {name: parsed_set(name, nlp) for name in args.sets.split(",")}
    print("code:", extract.__file__, file=sys.stderr)
    if args.dump:
        with args.dump.open("w", encoding="utf-8") as out:
            for name, (cleaned, pieces) in sets.items():
                for facts in run_rules(cleaned, pieces):
                    out.write(dump_line(name, facts) + "\n")
    if args.profile:
        profile = cProfile.Profile()
        profile.enable()
        for cleaned, pieces in sets.values():
            run_rules(cleaned, pieces)
        profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(args.profile)
        pstats.Stats(profile).sort_stats("cumulative").print_stats(args.profile)
    for round_ in range(1, args.rounds + 1):
        row, total_s, total_docs = [], 0.0, 0
        for name, (cleaned, pieces) in sets.items():
            started = time.process_time()
            run_rules(cleaned, pieces)
            seconds = time.process_time() - started
            row.append(f"{name} {1000 * seconds / len(cleaned):.2f}")
            total_s, total_docs = total_s + seconds, total_docs + len(cleaned)
        print(f"round {round_}: {1000 * total_s / total_docs:.2f} CPU ms a document "
              f"({total_docs} documents, {total_s:.1f} s); " + ", ".join(row), flush=True)


if __name__ == "__main__":
    main()
