"""The stored story index (newsfacts.story_index): stories read from the store give what an index of the whole
corpus in memory gives, withdrawn members stop counting once, and a rejected run's stories go with it."""
from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone

import pyarrow as pa

from newsfacts import store, stories, story_index
from newsfacts.bench import story_scale
from newsfacts.records import CleanedDocument, DocumentFacts, EntityMention, RawDocument

NOW = datetime(2024, 3, 1, tzinfo=timezone.utc)


def committed_corpus(home, stored):
    tables = story_index.run_tables(stored, {d.doc_id: "r0" for d in stored}, 1, store.schemas.story_members.empty_table())
    story_index.commit_tables(home, "r0", NOW, tables)


def new_reports(stored):
    """Two more days' invented reports, some undated, and a few retellings of stored reports (their words)."""
    last = max(d.published_date for d in stored)
    new = story_scale.corpus(45, last - timedelta(days=1), seed=7, prefix="new")
    for doc in new[:5]:
        doc.published_date = None
    return new + [stories.StoryDocument(f"again{i}", d.published_date, None, d.words, d.names)
                  for i, d in enumerate(stored[-24::4])]


def outcome(docs):
    return sorted((d.doc_id, d.story_id, d.related_story_id, d.match) for d in docs)


def test_stories_read_from_the_store_are_those_of_an_index_in_memory(tmp_path, monkeypatch):
    monkeypatch.setattr(story_scale, "VOCABULARY", 4000)  # shared words: many candidates, the cap decides
    stored = stories.assign_stories([], story_scale.corpus(450, date(2021, 1, 1)))
    committed_corpus(tmp_path, stored)
    in_memory = stories.assign_stories(stories.members_from_table(stories.members_table(stored)), new_reports(stored))
    expected = outcome(d for d in in_memory if d.doc_id.startswith(("new", "again")))
    new = new_reports(stored)
    stats = Counter()
    with story_index.connect(tmp_path) as con:
        index = story_index.StoreIndex(con, new)
        got = stories.assign_stories([], new, stats=stats, index=index)
        read = len(index.by_id) - len(new)
    assert outcome(got) == expected
    assert any(d.story_id in {s.story_id for s in stored} for d in got), "some join stored stories"
    assert read <= len(new) * (stories.MAX_CANDIDATES + stories.MAX_LINKED_MEMBERS), "what is compared, not the corpus"


def document(doc_id: str, title: str, body: str, day: date, names: list[tuple[str, str]]):
    raw = RawDocument(doc_id, f"{doc_id}.txt", "text", "utf-8", len(body), body)
    cleaned = CleanedDocument(doc_id, body, title=title, published_date=day)
    mentions = []
    for text, label in names:
        start = body.index(text)
        mentions.append(EntityMention(doc_id, text, label, start, start + len(text), text.lower()))
    return raw, cleaned, DocumentFacts(doc_id, mentions=mentions, word_count=len(body.split()))


QUAKE = ("Strong earthquake shakes Velmora", "A strong earthquake shook the coastal town of Velmora in Tarnland on "
         "Monday, collapsing two bridges and cutting power, the Tarnland interior ministry said.",
         [("Velmora", "GPE"), ("Tarnland", "GPE")])
VOTE = ("Brenholt council votes to close harbour", "The Brenholt council voted on Tuesday to close the old harbour to "
        "cargo ships, said its chair Ilsa Dravik.", [("Brenholt", "GPE"), ("Ilsa Dravik", "PERSON")])


def store_documents(home, run_id, docs, withdrawn=()):
    store.store_run(home, run_id, NOW, [d[0] for d in docs], [d[1] for d in docs], [d[2] for d in docs], [], withdrawn)


def counts(home) -> dict[str, int]:
    with story_index.connect(home) as con:
        return dict(con.execute("SELECT feature, sum(documents) FROM features GROUP BY feature "
                                "HAVING sum(documents) <> 0").fetchall())


def test_a_withdrawn_member_is_hidden_and_stops_counting_once(tmp_path):
    first = document("q1", *QUAKE[:2], date(2024, 2, 5), QUAKE[2])
    second = document("v1", *VOTE[:2], date(2024, 2, 6), VOTE[2])
    store_documents(tmp_path, "r1", [first, second])
    change = story_index.update(tmp_path, "r1", NOW)
    assert (change.new_documents, change.stories) == (2, 2)
    before = counts(tmp_path)
    assert before[story_index.TOTAL_KEY] == 2 and before["n:velmora"] == 1
    withdrawal = {"source_path": "q1.txt", "doc_id": "q1", "document_run_id": "r1", "reason": "removed",
                  "replaced_by": None}
    store_documents(tmp_path, "r2", [], [withdrawal])
    assert story_index.update(tmp_path, "r2", NOW).gone_documents == 1
    after = counts(tmp_path)
    assert after[story_index.TOTAL_KEY] == 1 and "n:velmora" not in after and after["n:brenholt"] == 1
    assert story_index.update(tmp_path, "r3", NOW).gone_documents == 0, "taken off once"
    assert counts(tmp_path) == after
    assert store.read_dataset(tmp_path, "story_members")["doc_id"].to_pylist() == ["v1"]
    # the same bytes stored again by a later run are a member again, in a story of their own
    store_documents(tmp_path, "r4", [first])
    assert story_index.update(tmp_path, "r4", NOW).new_documents == 1
    members = store.read_dataset(tmp_path, "story_members")
    assert sorted(zip(members["doc_id"].to_pylist(), members["document_run_id"].to_pylist())) == [("q1", "r4"),
                                                                                                  ("v1", "r1")]
    assert counts(tmp_path)[story_index.TOTAL_KEY] == 2


def test_a_rejected_runs_stories_are_taken_back_with_it(tmp_path):
    store_documents(tmp_path, "r1", [document("v1", *VOTE[:2], date(2024, 2, 6), VOTE[2])])
    story_index.update(tmp_path, "r1", NOW)
    store_documents(tmp_path, "r2", [document("q1", *QUAKE[:2], date(2024, 2, 5), QUAKE[2])])
    story_index.update(tmp_path, "r2", NOW)
    assert store.read_dataset(tmp_path, "story_members").num_rows == 2
    store.reject_run(tmp_path, "r2")
    assert store.read_dataset(tmp_path, "story_members")["doc_id"].to_pylist() == ["v1"]
    assert counts(tmp_path)[story_index.TOTAL_KEY] == 1
    assert (tmp_path / "rejected" / "r2" / "stories" / "commit.json").exists()


def test_band_keys_are_equal_exactly_when_lsh_bands_are():
    a = [1, 2, 3, 4] + [0] * (stories.NUM_PERM - 4)
    b = [1, 2, 3, 5] + [0] * (stories.NUM_PERM - 4)
    keys_a, keys_b = story_index.band_keys(a), story_index.band_keys(b)
    assert keys_a[0] == keys_b[0] and keys_a[1] != keys_b[1] and len(keys_a) == stories.LSH_BANDS[0]
    assert pa.array([k for _, k in keys_a], pa.uint64()).type == pa.uint64()


def invented_reports(prefix: str, towns: list[str], first_day: date) -> list:
    """Three reports of a quake in each town, told a little differently each day, and a council vote there."""
    docs = []
    for t, town in enumerate(towns):
        day = first_day + timedelta(days=t)
        for k, (verb, extra) in enumerate((("shook", "collapsing two bridges"), ("struck", "cutting power to homes"),
                                           ("hit", "closing the port and the schools"))):
            body = (f"A strong earthquake {verb} the coastal town of {town} in Tarnland on Monday, {extra}, the "
                    f"Tarnland interior ministry said. Rescuers searched the rubble of {town} through the night.")
            docs.append(document(f"{prefix}q{t}{k}", f"Earthquake in {town}", body, day + timedelta(days=k % 2),
                                 [(town, "GPE"), ("Tarnland", "GPE")]))
        body = f"The {town} council voted on Tuesday to close the old harbour to cargo ships, said its chair Ilsa Dravik."
        docs.append(document(f"{prefix}v{t}", f"{town} council votes to close harbour", body, day,
                             [(town, "GPE"), ("Ilsa Dravik", "PERSON")]))
    return docs


def stored_in_batches(home, run_id: str, docs: list, order: list[int], ahead=None, missed=()) -> int:
    """The documents stored in batches of three, committed in `order`; `ahead` computes the features of each
    batch committed but those `missed` (as a run that crashed after committing them left them); returns how many."""
    batches = [docs[i:i + 3] for i in range(0, len(docs), 3)]
    computed = 0
    for number in order:
        batch = batches[number]
        store.store_batch(home, run_id, number, NOW, [d[0] for d in batch], [d[1] for d in batch], [d[2] for d in batch])
        if ahead is not None and number not in missed:
            computed += ahead.batch_stored(run_id, number)
    store.store_run_end(home, run_id, NOW, [], [])
    return computed


def test_features_computed_while_batches_are_stored_give_the_stories_computed_after_the_last_batch(tmp_path):
    """story_index.FeaturesAhead computes each committed batch's story features while a run's workers parse the
    next: the stories, matches and counts written are, row for row, those of features computed after the last
    batch, whether the batches are committed in order or one late, and a batch it never saw (a crashed run's)."""
    towns = ["Velmora", "Ostrava Lane", "Kettering Bay", "Dunmarrow"]
    first, second = invented_reports("a", towns, date(2024, 2, 5)), invented_reports("b", towns, date(2024, 2, 7))
    orders = {"in order": list(range(6)), "a batch late": [0, 2, 3, 1, 4, 5]}
    written = {}
    for name, order in [("after the last batch", orders["in order"]), *orders.items()]:
        home = tmp_path / name.replace(" ", "-")
        ahead = None if name == "after the last batch" else story_index.FeaturesAhead(home)
        computed = stored_in_batches(home, "r1", first, order, ahead, missed={4})
        story_index.update(home, "r2", NOW, ahead=ahead)
        if ahead is not None:
            assert computed == len(first) - 3 and not ahead.documents, "computed ahead, and each taken"
        # a second run: its documents join the first run's stories (read from the store) or start their own
        ahead = None if ahead is None else story_index.FeaturesAhead(home)
        stored_in_batches(home, "r3", second, order, ahead)
        story_index.update(home, "r4", NOW, ahead=ahead)
        with story_index.connect(home) as con:
            written[name] = (story_index.read_members(home).to_pylist(), sorted(con.execute(
                "SELECT feature, sum(documents) FROM features GROUP BY feature").fetchall()))
    members = written["after the last batch"][0]
    assert written["in order"] == written["after the last batch"] == written["a batch late"]
    assert len({m["story_id"] for m in members}) < len(members), "reports of one event share a story"
    assert any(m["doc_id"].startswith("b") and m["story_id"].startswith("story-a") for m in members), \
        "a later run's report joins a stored story"
