"""The scorer on hand-made published tables and a hand-made gold file (the gold file's rules)."""
from __future__ import annotations

from datetime import date

import pyarrow as pa

from newsfacts.evaluate import MEASURES, score_tables

BODY = "Officials said 12 people were wounded. Anna Smith spoke. Ms Smith left. Port Vila is calm."


def tables(**overrides) -> dict[str, pa.Table]:
    rows = {
        "documents": [{"doc_id": "d1", "file_name": "a.txt", "body_text": BODY, "published_date": date(2024, 1, 2)}],
        "removed_lines": [{"doc_id": "d1", "text": "1. Skip to content"}, {"doc_id": "d1", "text": "Breaking News"},
                          {"doc_id": "d1", "text": "Read more"}],
        "figures": [
            {"doc_id": "d1", "value": 12.0, "qualifier": "exact", "kind": "wounded", "claimant_entity_id": None,
             "claimant_text": "Officials"},
            {"doc_id": "d1", "value": 3.0, "qualifier": "exact", "kind": "killed", "claimant_entity_id": "e1",
             "claimant_text": "Smith"},
            {"doc_id": "d1", "value": 5.0, "qualifier": "exact", "kind": "locations", "claimant_entity_id": None,
             "claimant_text": None},
        ],
        "quotes": [{"doc_id": "d1", "text": "We will rebuild the port, all of it", "speaker_entity_id": "e1",
                    "speaker_text": "she"}],
        "entity_mentions": [{"doc_id": "d1", "text": "Anna Smith", "entity_id": "e1"},
                            {"doc_id": "d1", "text": "Ms Smith", "entity_id": "e1"},
                            {"doc_id": "d1", "text": "Port Vila", "entity_id": "e2"}],
        "entities": [{"entity_id": "e1", "canonical_name": "Anna Smith", "surface_forms": ["Anna Smith", "Ms Smith"]},
                     {"entity_id": "e2", "canonical_name": "Port Vila", "surface_forms": ["Port Vila"]}],
    }
    rows.update(overrides)
    return {name: pa.Table.from_pylist(value) for name, value in rows.items()}


GOLD = {
    "documents": {
        "a.txt": {
            "title": "Breaking News",
            "published": date(2024, 1, 2),
            "boilerplate": ["Skip to content", "Share this"],
            "figures": [
                {"value": 12, "qualifier": "exact", "kind": "wounded", "claimant": ["officials", "the police"]},
                {"value": 3, "qualifier": "exact", "kind": "died", "claimant": "Anna Smith"},
                {"value": 0, "qualifier": "exact", "kind": "killed", "claimant": None, "optional": True},
                {"value": 7, "qualifier": "at_least", "kind": "missing", "claimant": None},
            ],
            "quotes": [{"contains": "We will rebuild the port", "speaker": "Anna Smith"},
                       {"contains": "Never again", "speaker": "Anna Smith"}],
        },
        "not-in-the-run.txt": {"published": date(2020, 1, 1), "figures": [{"value": 1, "qualifier": "exact", "kind": "killed"}]},
    },
    "entities": [{"canonical": "Anna Smith", "forms": ["Anna Smith", "Ms Smith"]},
                 {"canonical": "Port Vila", "forms": ["Port Vila", "Vila"]},
                 {"canonical": "Ben Absent", "forms": ["Ben Absent"]}],
}


def test_scores_follow_the_gold_rules():
    scores = score_tables(tables(), GOLD)
    assert list(scores) == list(MEASURES)
    assert scores["boilerplate_recall"] == 0.5  # "Share this" stayed in
    assert scores["boilerplate_precision"] == 0.5  # the title is neutral; "Read more" is not gold boilerplate
    assert scores["figures_recall"] == round(2 / 3, 4)  # the optional zero is left out; "at least 7 missing" is missed
    assert scores["figures_precision"] == 1.0  # "locations" is not a casualty kind, so it is not judged
    assert scores["claimant_accuracy"] == 1.0  # text fallback "Officials" and killed~died via the entity forms
    assert scores["quotes_recall"] == 0.5 and scores["speaker_accuracy"] == 1.0
    # forms present: Anna Smith, Ms Smith, Port Vila, Vila ("Vila" unrecognised is its own singleton)
    assert scores["entity_pairwise_f1"] == round(2 * 1 * 0.5 / 1.5, 4)
    assert scores["published_date_accuracy"] == 1.0


def test_wrong_names_and_dates_count_against():
    wrong = tables(
        figures=[{"doc_id": "d1", "value": 12.0, "qualifier": "exact", "kind": "wounded", "claimant_entity_id": "e2",
                  "claimant_text": "Port Vila"}],
        documents=[{"doc_id": "d1", "file_name": "a.txt", "body_text": BODY, "published_date": date(2024, 1, 3)}],
    )
    scores = score_tables(wrong, GOLD)
    assert scores["claimant_accuracy"] == 0.0
    assert scores["published_date_accuracy"] == 0.0


def test_story_scores_count_pairs_of_scored_documents():
    from newsfacts.evaluate import story_scores

    docs = {name: {"story_id": story} for name, story in
            {"a.html": "s1", "b.html": "s1", "c.html": "s1", "d.html": "s2", "e.html": "s3", "f.html": "s3"}.items()}
    gold = {"stories": {"quake": ["a.html", "b.html", "f.html"]}, "ambiguous": ["e.html", "f.html"]}
    # scored: a, b, c, d and f (f is under ambiguous but a story lists it); e is left out.
    # gold same: a-b, a-f, b-f; predicted same: a-b, a-c, b-c. True positive: a-b.
    scores = story_scores(docs, gold)
    assert scores["story_pairwise_precision"] == 1 / 3 and scores["story_pairwise_recall"] == 1 / 3
    assert abs(scores["story_pairwise_f1"] - 1 / 3) < 1e-9


def test_story_scores_are_perfect_when_neither_side_groups_anything():
    from newsfacts.evaluate import STORY_MEASURES, story_scores

    docs = {"a.html": {"story_id": "s1"}, "b.html": {"story_id": "s2"}}
    assert story_scores(docs, {"stories": {}}) == dict.fromkeys(STORY_MEASURES, 1.0)


def test_namesake_entities_counts_two_people_of_one_surname_in_one_entity():
    from newsfacts.evaluate import namesake_entities
    rows = [
        {"canonical_name": "Ana Roe", "entity_type": "PERSON", "surface_forms": ["Ana Roe", "Ivo Roe", "Roe"]},
        {"canonical_name": "Joseph Fox", "entity_type": "PERSON", "surface_forms": ["Joe Fox", "Joseph R. Fox"]},
        {"canonical_name": "Jan Lind", "entity_type": "PERSON", "surface_forms": ["Crooked Jan Lind", "Jan Lind"]},
        {"canonical_name": "Tom Bell", "entity_type": "PERSON", "surface_forms": ["Tom Bell", "Rex Hale"]},  # an alias
        {"canonical_name": "Roe Corp", "entity_type": "ORG", "surface_forms": ["Ana Roe", "Ivo Roe"]},
    ]
    assert namesake_entities(rows) == [("Ana Roe", ["ana", "ivo"])]
