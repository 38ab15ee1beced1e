"""Score published tables against a gold file (the format and rules of shared/gold/seeds.yaml).

Text comparisons are normalised as the gold file says: NFKC, curly quotes folded, lower case,
whitespace collapsed, a leading "the" and a trailing possessive dropped. Matching follows the
gold file's wording literally: a prediction matches a gold item when their keys are equal, a
gold item is matched when some prediction matches it, and a name is right when some matching
prediction names it.

Facts are scored over the documents the gold file lists (others are unannotated, not fact-free).
A `null` speaker or claimant means the text names nobody: right when the prediction credits no
named entity. Stories (`stories`, `ambiguous`) are scored over pairs of documents, as the header of
benchmark-news.yaml says: every document of the run not under `ambiguous` (a document a `stories`
cluster lists is scored even when `ambiguous` lists it too: the cluster is the more specific
annotation), one absent from `stories` is its own story.
"""
from __future__ import annotations

import itertools
import re
from collections import Counter, defaultdict
from pathlib import Path

import pyarrow as pa
import yaml

from newsfacts.clean.rules import strip_list_number
from newsfacts.extract.names import fold, person_tokens, same_given_name
from newsfacts.schemas import EVENT_KINDS

# Kinds a figures_precision denominator counts: the casualty kinds, plus disease cases and jobs cut
# (benchmark-news.yaml's header).
SCORED_FIGURE_KINDS = frozenset(EVENT_KINDS)

MEASURES = (
    "boilerplate_precision", "boilerplate_recall", "figures_precision", "figures_recall", "claimant_accuracy",
    "quotes_recall", "speaker_accuracy", "entity_pairwise_f1", "published_date_accuracy",
)
STORY_MEASURES = ("story_pairwise_precision", "story_pairwise_recall", "story_pairwise_f1")
LEADING_THE = re.compile(r"^the\s+")
POSSESSIVE = re.compile(r"'s$")


def load_gold(path: Path) -> dict:
    return yaml.safe_load(Path(path).read_text(encoding="utf-8"))


def norm(text: str | None) -> str:
    if text is None:
        return ""
    return POSSESSIVE.sub("", LEADING_THE.sub("", fold(text))).strip()


def line_norm(text: str) -> str:
    return fold(strip_list_number(text))


def ratio(numerator: int, denominator: int) -> float:
    return numerator / denominator if denominator else 1.0


def score_tables(tables: dict[str, pa.Table], gold: dict) -> dict[str, float]:
    docs = {row["file_name"]: row for row in tables["documents"].to_pylist()}
    gold_docs = {name: spec for name, spec in (gold.get("documents") or {}).items() if name in docs}
    by_doc = {name: docs[name]["doc_id"] for name in gold_docs}
    rows = {t: group(tables[t].to_pylist()) for t in ("removed_lines", "figures", "quotes", "entity_mentions")}
    names = NameBook(tables["entities"].to_pylist(), gold.get("entities") or [])
    scores = {}
    scores.update(boilerplate_scores(gold_docs, by_doc, rows["removed_lines"]))
    scores.update(figure_scores(gold_docs, by_doc, rows["figures"], names))
    scores.update(quote_scores(gold_docs, by_doc, rows["quotes"], names))
    listed = set(by_doc.values())
    scores["entity_pairwise_f1"] = entity_pairwise_f1(
        gold.get("entities") or [],
        {name: docs[name] for name in gold_docs},
        [m for m in tables["entity_mentions"].to_pylist() if m["doc_id"] in listed],
    )
    scores["published_date_accuracy"] = date_accuracy(gold_docs, docs)
    measures = MEASURES
    if gold.get("stories") is not None:
        scores.update(story_scores(docs, gold))
        measures += STORY_MEASURES
    return {measure: round(float(scores[measure]), 4) for measure in measures}


def group(rows: list[dict]) -> dict[str, list[dict]]:
    grouped: dict[str, list[dict]] = defaultdict(list)
    for row in rows:
        grouped[row["doc_id"]].append(row)
    return grouped


def boilerplate_scores(gold_docs: dict, by_doc: dict, removed: dict) -> dict[str, float]:
    hits = gold_total = kept_right = judged = 0
    for name, spec in gold_docs.items():
        if "boilerplate" not in spec:
            continue
        boilerplate = {line_norm(line) for line in spec.get("boilerplate") or []}
        neutral = {line_norm(line) for line in spec.get("headings") or []}
        neutral |= {line_norm(str(v)) for v in (spec.get("metadata_lines") or {}).values()}
        if spec.get("title"):
            neutral.add(line_norm(spec["title"]))
        removed_lines = {line_norm(row["text"]) for row in removed.get(by_doc[name], [])}
        hits += len(boilerplate & removed_lines)
        gold_total += len(boilerplate)
        scored = removed_lines - neutral
        kept_right += len(scored & boilerplate)
        judged += len(scored)
    return {"boilerplate_precision": ratio(kept_right, judged), "boilerplate_recall": ratio(hits, gold_total)}


class NameBook:
    """Every way a predicted entity may be written, and every way a gold name may be."""

    def __init__(self, entities: list[dict], gold_entities: list[dict]):
        self.forms_of_entity = {
            e["entity_id"]: {norm(e["canonical_name"]), *(norm(f) for f in e["surface_forms"])} for e in entities
        }
        self.gold_forms: dict[str, set[str]] = {}
        for spec in gold_entities:
            forms = {norm(spec["canonical"]), *(norm(f) for f in spec.get("forms") or [])}
            for name in forms:
                self.gold_forms.setdefault(name, set()).update(forms)

    def right(self, entity_id: str | None, text: str | None, gold_name) -> bool:
        if gold_name is None:  # the text names nobody: right when no named entity is credited
            return entity_id is None
        wanted = set()
        for name in gold_name if isinstance(gold_name, list) else [gold_name]:
            wanted |= self.gold_forms.get(norm(name), {norm(name)})
        predicted = set(self.forms_of_entity.get(entity_id, set())) if entity_id else set()
        if text:
            predicted.add(norm(text))
        return bool(predicted & wanted)


def same_kind(a: str, b: str) -> bool:
    pair = {a, b}
    return a == b or pair == {"killed", "died"}


def figure_matches(gold_figure: dict, predicted: dict) -> bool:
    return (predicted["value"] is not None and float(gold_figure["value"]) == predicted["value"]
            and gold_figure["qualifier"] == predicted["qualifier"]
            and same_kind(str(gold_figure["kind"]), predicted["kind"]))


def figure_scores(gold_docs: dict, by_doc: dict, figures: dict, names: NameBook) -> dict[str, float]:
    matched = required = right = with_claimant = predicted_hits = predicted_total = 0
    for name, spec in gold_docs.items():
        gold_figures = spec.get("figures")
        if gold_figures is None:
            continue
        predictions = figures.get(by_doc[name], [])
        for g in gold_figures:
            hits = [p for p in predictions if figure_matches(g, p)]
            if not g.get("optional"):
                required += 1
                matched += bool(hits)
            if hits and "claimant" in g and not g.get("optional"):
                with_claimant += 1
                right += any(names.right(p["claimant_entity_id"], p["claimant_text"], g["claimant"]) for p in hits)
        scored = [p for p in predictions if p["value"] is not None and p["kind"] in SCORED_FIGURE_KINDS]
        predicted_total += len(scored)
        predicted_hits += sum(any(figure_matches(g, p) for g in gold_figures) for p in scored)
    return {
        "figures_precision": ratio(predicted_hits, predicted_total),
        "figures_recall": ratio(matched, required),
        "claimant_accuracy": ratio(right, with_claimant),
    }


def quote_scores(gold_docs: dict, by_doc: dict, quotes: dict, names: NameBook) -> dict[str, float]:
    matched = total = right = 0
    for name, spec in gold_docs.items():
        predictions = quotes.get(by_doc[name], [])
        for g in spec.get("quotes") or []:
            total += 1
            hits = [p for p in predictions if norm(g["contains"]) in norm(p["text"])]
            if hits:
                matched += 1
                right += any(names.right(p["speaker_entity_id"], p["speaker_text"], g["speaker"]) for p in hits)
    return {"quotes_recall": ratio(matched, total), "speaker_accuracy": ratio(right, matched)}


def entity_pairwise_f1(gold_entities: list[dict], docs: dict, mentions: list[dict]) -> float:
    corpus = "\n".join(fold(row["body_text"]) for row in docs.values())
    entity_of_form: dict[str, Counter] = defaultdict(Counter)
    for m in mentions:
        entity_of_form[norm(m["text"])][m["entity_id"]] += 1
    forms = []  # (gold cluster, predicted entity or a singleton marker)
    for k, spec in enumerate(gold_entities):
        for form in dict.fromkeys(spec.get("forms") or []):
            if fold(form) not in corpus:
                continue
            counts = entity_of_form.get(norm(form))
            predicted = counts.most_common(1)[0][0] if counts else f"unrecognised:{form}"
            forms.append((k, predicted))
    true_positive = gold_same = predicted_same = 0
    for (gold_a, pred_a), (gold_b, pred_b) in itertools.combinations(forms, 2):
        gold_same += gold_a == gold_b
        predicted_same += pred_a == pred_b
        true_positive += gold_a == gold_b and pred_a == pred_b
    precision, recall = ratio(true_positive, predicted_same), ratio(true_positive, gold_same)
    return 2 * precision * recall / (precision + recall) if precision + recall else 0.0


def date_accuracy(gold_docs: dict, docs: dict) -> float:
    dated = [(name, spec["published"]) for name, spec in gold_docs.items() if spec.get("published")]
    right = sum(str(docs[name]["published_date"]) == str(published) for name, published in dated)
    return ratio(right, len(dated))


def story_scores(docs: dict[str, dict], gold: dict) -> dict[str, float]:
    """Pairwise precision, recall and F1 of "same story" over the scored documents: those not under
    `ambiguous`, except that a page a `stories` cluster lists is scored even when `ambiguous` lists it too."""
    gold_story = {name: key for key, names in (gold.get("stories") or {}).items() for name in names}
    ambiguous = set(gold.get("ambiguous") or []) - set(gold_story)
    scored = sorted(name for name in docs if name not in ambiguous)
    same = true_positive = predicted_same = 0
    for a, b in itertools.combinations(scored, 2):
        gold_same = a in gold_story and gold_story.get(a) == gold_story.get(b)
        predicted = docs[a].get("story_id") is not None and docs[a].get("story_id") == docs[b].get("story_id")
        same += gold_same
        predicted_same += predicted
        true_positive += gold_same and predicted
    precision, recall = ratio(true_positive, predicted_same), ratio(true_positive, same)
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"story_pairwise_precision": precision, "story_pairwise_recall": recall, "story_pairwise_f1": f1}


def namesake_entities(entities: list[dict]) -> list[tuple[str, list[str]]]:
    """PERSON entities whose surface forms write one surname with two different given names ('Bill
    Clinton' and 'Hillary Clinton' as one entity: two people merged), as (canonical name, the given
    names). A nickname, initial or other spelling of one name is one name (Joe/Joseph, J./John); a form
    that is another with words before it ('Crooked Jane Roe') adds a description, not a given name; a
    surname with a particle ('bin Laden') has none; two full names with different surnames are an
    alias the text states ('James Roe, better known as Robert Fox'), not two people of one family.
    `entities`: rows of the entities table."""
    found = []
    for entity in entities:
        if entity["entity_type"] != "PERSON":
            continue
        names = [person_tokens(form) for form in entity["surface_forms"]
                 if form.split() and not form.split()[0][:1].islower()]
        names = [words for words in names if len(words) >= 2]
        given: dict[str, set[str]] = defaultdict(set)
        for words in names:
            if not any(len(other) < len(words) and words[-len(other):] == other for other in names):
                given[words[-1]].add(words[0])
        clashing = sorted({name for names_of_one_surname in given.values()
                           for a, b in itertools.combinations(sorted(names_of_one_surname), 2)
                           if not same_given_name(a, b) for name in (a, b)})
        if clashing:
            found.append((entity["canonical_name"], clashing))
    return found
