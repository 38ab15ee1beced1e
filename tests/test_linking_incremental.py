"""Incremental linking (link/incremental.py) on invented documents' mentions, and its state in the store."""
from __future__ import annotations

import itertools

import pyarrow as pa
import pytest

from newsfacts import link, store
from newsfacts.link import incremental
from newsfacts.extract.names import clean_name

# Invented documents: (mention text, label), each mention's local key its cleaned fullest name
# unless given as a third item (a surname or short form written after the full name).
DOCS = {
    "d1": [("Halvard Ostberg", "PERSON"), ("Ostberg", "PERSON", "halvard ostberg"), ("Tarnland", "GPE"),
           ("World Hiking Association", "ORG")],
    "d2": [("Mirela Voskuijlen", "PERSON"), ("Tarnland", "GPE"), ("Brenholt", "GPE")],
    "d3": [("Halvard Ostberg", "PERSON"), ("Brenholt", "GPE"), ("Quillon Shipping Group", "ORG")],
    "d4": [("Ostberg", "PERSON"), ("WHA", "ORG")],
    "d5": [("Corvina Marsh", "LOC"), ("Ilsa Dravik", "PERSON"), ("Dravik", "PERSON", "ilsa dravik")],
    "d6": [("Mirela Voskuijlen", "PERSON"), ("Quillon Shipping", "ORG"), ("Tarnland", "GPE")],
}


def mentions_table(doc_ids) -> pa.Table:
    rows = []
    for doc_id in doc_ids:
        for n, mention in enumerate(DOCS[doc_id]):
            text, label = mention[:2]
            key = mention[2] if len(mention) > 2 else clean_name(text)
            rows.append({"mention_id": f"{doc_id}-{n}", "doc_id": doc_id, "text": text, "label": label,
                         "char_start": 10 * n, "char_end": 10 * n + len(text), "local_key": key})
    return pa.Table.from_pylist(rows, schema=store.schemas.entity_mentions)


def live(doc_ids, run_id: str = "r1") -> pa.Table:
    return pa.table({"doc_id": pa.array(list(doc_ids), pa.string()),
                     "run_id": pa.array([run_id] * len(doc_ids), pa.string())})


def linked(state, doc_ids) -> incremental.LinkState:
    return incremental.update(state, live(doc_ids), mentions_table(doc_ids))[0]


def entity_rows(state) -> dict[str, dict]:
    return {row["entity_id"]: row for row in state.entities.to_pylist()}


def entity_of(state, doc_id: str, key: str) -> dict:
    ids = [row["entity_id"] for row in state.links.to_pylist() if (row["doc_id"], row["local_key"]) == (doc_id, key)]
    assert len(ids) == 1, (doc_id, key, ids)
    return entity_rows(state)[ids[0]]


def partition(state) -> set[frozenset]:
    members: dict[str, set] = {}
    for row in state.links.to_pylist():
        members.setdefault(row["entity_id"], set()).add((row["doc_id"], row["local_key"]))
    return {frozenset(group) for group in members.values()}


def entities_by_members(state) -> dict[frozenset, dict]:
    """Each entity's row but its id, by its members: what a full link and runs adding documents must agree on."""
    members: dict[str, set] = {}
    for row in state.links.to_pylist():
        members.setdefault(row["entity_id"], set()).add((row["doc_id"], row["local_key"]))
    return {frozenset(members[entity_id]): {k: v for k, v in row.items() if k != "entity_id"}
            for entity_id, row in entity_rows(state).items()}


def test_an_empty_state_links_everything():
    state, change = incremental.update(incremental.empty_state(), live(["d1", "d2"]), mentions_table(["d1", "d2"]))
    assert change.full and entity_of(state, "d1", "tarnland") == entity_of(state, "d2", "tarnland")
    assert entity_of(state, "d1", "tarnland")["document_count"] == 2


def test_a_surname_alone_in_a_new_document_joins_the_stored_person():
    state = linked(incremental.empty_state(), ["d1", "d2", "d3"])
    state, change = incremental.update(state, live(["d1", "d2", "d3", "d4"]), mentions_table(["d1", "d2", "d3", "d4"]))
    assert not change.full and change.new_documents == 1
    ostberg = entity_of(state, "d4", "ostberg")
    assert ostberg == entity_of(state, "d1", "halvard ostberg")
    assert ostberg["canonical_name"] == "Halvard Ostberg" and ostberg["document_count"] == 3
    assert entity_of(state, "d4", "wha") == entity_of(state, "d1", "world hiking association")


def test_an_unrelated_document_leaves_every_stored_entity_as_it_was():
    before = linked(incremental.empty_state(), ["d1", "d2", "d3"])
    after, change = incremental.update(before, live(["d1", "d2", "d3", "d5"]), mentions_table(["d1", "d2", "d3", "d5"]))
    assert change.remade_entities == 2 and change.kept_entities == before.entities.num_rows
    kept = entity_rows(after)
    assert all(kept[entity_id] == row for entity_id, row in entity_rows(before).items())
    assert len(kept) == before.entities.num_rows + 2


def test_a_withdrawn_document_lowers_its_entities_counts_and_drops_the_entities_it_alone_named():
    state = linked(incremental.empty_state(), ["d1", "d2", "d3"])
    state, change = incremental.update(state, live(["d1", "d2"]), mentions_table(["d1", "d2"]))
    assert change.gone_documents == 1
    assert entity_of(state, "d1", "halvard ostberg")["document_count"] == 1
    assert entity_of(state, "d2", "brenholt")["document_count"] == 1
    names = {row["canonical_name"] for row in state.entities.to_pylist()}
    assert "Quillon Shipping Group" not in names
    assert set(state.links.column("doc_id").to_pylist()) == {"d1", "d2"}


def test_a_document_stored_again_by_another_run_is_linked_again():
    state = linked(incremental.empty_state(), ["d1", "d2"])
    documents = pa.concat_tables([live(["d1"]), live(["d2"], run_id="r2")])
    state, change = incremental.update(state, documents, mentions_table(["d1", "d2"]))
    assert (change.new_documents, change.gone_documents) == (1, 1)
    assert entity_of(state, "d2", "tarnland")["document_count"] == 2


@pytest.mark.parametrize("order", list(itertools.permutations(["d1", "d2", "d3", "d4", "d5", "d6"]))[::97])
def test_documents_added_one_by_one_link_as_all_at_once(order):
    at_once, _ = incremental.link_all(live(order), mentions_table(order))
    state = incremental.empty_state()
    for end in range(1, len(order) + 1):
        state = linked(state, order[:end])
    assert partition(state) == partition(at_once)
    assert entities_by_members(state) == entities_by_members(at_once)  # ids apart: a run keeps those it had
    # and withdrawing again leaves what linking the rest at once gives
    rest = order[2:]
    withdrawn = linked(state, rest)
    assert partition(withdrawn) == partition(incremental.link_all(live(rest), mentions_table(rest))[0])


def test_an_entity_keeps_its_id_when_a_new_document_gives_it_a_fuller_name_and_others_keep_theirs():
    docs = {"g1": [("Ostberg", "PERSON"), ("Tarnland", "GPE")], "g2": [("Brenholt", "GPE")],
            "g3": [("Halvard Ostberg", "PERSON"), ("Halvard Ostberg", "PERSON")]}
    DOCS.update(docs)
    try:
        before = linked(incremental.empty_state(), ["g1", "g2"])
        after = linked(before, ["g1", "g2", "g3"])
        ostberg = entity_of(after, "g3", "halvard ostberg")
        assert ostberg == entity_of(after, "g1", "ostberg") and ostberg["canonical_name"] == "Halvard Ostberg"
        assert ostberg["entity_id"] == entity_of(before, "g1", "ostberg")["entity_id"], "the id it had"
        assert entity_of(after, "g2", "brenholt") == entity_of(before, "g2", "brenholt")
        assert entity_of(after, "g1", "tarnland") == entity_of(before, "g1", "tarnland")
        # a full link names it after its name; the two agree on everything else
        assert entities_by_members(after) == entities_by_members(incremental.link_all(
            live(["g1", "g2", "g3"]), mentions_table(["g1", "g2", "g3"]))[0])
    finally:
        for doc_id in docs:
            DOCS.pop(doc_id)


def test_a_remade_entity_taking_an_untouched_ones_id_is_joined_with_it():
    # 'Dr. Ostberg' alone and 'Ostberg' alone: no full name joins them, one canonical name does
    docs = {"e1": [("Ostberg", "PERSON")], "e2": [("Dr. Ostberg", "PERSON", "ostberg")]}
    DOCS.update(docs)
    try:
        state = linked(incremental.empty_state(), ["e1"])
        state = linked(state, ["e1", "e2"])
        assert state.entities.num_rows == 1 and entity_of(state, "e2", "ostberg")["document_count"] == 2
    finally:
        for doc_id in docs:
            DOCS.pop(doc_id)


def test_the_store_keeps_the_state_and_a_state_left_half_written_means_a_full_link(tmp_path):
    state = linked(incremental.empty_state(), ["d1", "d2"])
    link.write_link_state(tmp_path, state)
    read = link.read_link_state(tmp_path)
    assert read is not None and partition(read) == partition(state)
    assert store.read_dataset(tmp_path, "entities").num_rows == state.entities.num_rows
    store.replace_current(tmp_path, "entities", state.entities)  # as a crash between two tables leaves it
    assert link.read_link_state(tmp_path) is None


def test_a_run_with_many_new_documents_links_them_in_steps_with_the_same_result(tmp_path, monkeypatch):
    everything = sorted(DOCS)
    monkeypatch.setattr(store, "live_documents", lambda home: live(everything))
    monkeypatch.setattr(store, "rows_of_documents", lambda home, name, documents, columns: mentions_table(
        documents["doc_id"].to_pylist()))
    monkeypatch.setattr(link.state, "LINK_CHUNK_DOCS", 2)
    change = link.link_warehouse(tmp_path)
    stepped = link.read_link_state(tmp_path)
    assert change.full and change.new_documents == len(everything) and change.rounds >= 3
    at_once = incremental.link_all(live(everything), mentions_table(everything))[0]
    assert partition(stepped) == partition(at_once)
    assert entity_rows(stepped) == entity_rows(at_once)


def test_the_store_reads_the_mentions_of_the_documents_asked_for_as_their_run_stored_them(tmp_path):
    from datetime import datetime, timezone

    now = datetime.now(timezone.utc)
    store.commit_tables(tmp_path, "r1", "r1-b00000", now, {"entity_mentions": mentions_table(["d1", "d2"])})
    again = mentions_table(["d1"]).set_column(2, "text", pa.array(["Halvard Ostberg again"] * 4))
    store.commit_tables(tmp_path, "r2", "r2-b00000", now, {"entity_mentions": again})  # d1 stored again by r2
    asked = pa.table({"doc_id": ["d1", "d2"], "run_id": ["r2", "r1"]})
    rows = store.rows_of_documents(tmp_path, "entity_mentions", asked, link.state.MENTION_COLUMNS)
    assert sorted(set(zip(rows["doc_id"].to_pylist(), rows["text"].to_pylist())))[:1] == [("d1", "Halvard Ostberg again")]
    assert rows.num_rows == 4 + len(DOCS["d2"])
    only_first = store.rows_of_documents(tmp_path, "entity_mentions", pa.table({"doc_id": ["d1"], "run_id": ["r1"]}),
                                         ["doc_id", "text"])
    assert only_first["text"].to_pylist() == [m[0] for m in DOCS["d1"]]


def full_link(doc_ids) -> dict[frozenset, dict]:
    """What the rules give linking these documents at once, by members (ids apart)."""
    mentions = incremental.mentions_of(mentions_table(doc_ids))
    entities, links = link.link_entities(mentions)
    members: dict[str, set] = {}
    for row in links:
        members.setdefault(row.entity_id, set()).add((row.doc_id, row.local_key))
    return {frozenset(members[e.entity_id]): {k: v for k, v in e.__dict__.items() if k != "entity_id"}
            for e in entities}


def with_copies(docs: dict[str, list], copies: int) -> dict[str, list]:
    """Each invented document and `copies` syndicated copies of it under other ids."""
    return {f"{doc_id}c{n}" if n else doc_id: mentions for doc_id, mentions in docs.items() for n in range(copies + 1)}


@pytest.mark.parametrize("seed", range(4))
def test_runs_adding_and_withdrawing_copies_through_the_store_link_as_a_full_link_of_what_is_live(tmp_path, seed):
    """Spellings many documents write (syndicated copies), documents added in batches and withdrawn (the
    first of a spelling's documents too), the state written and read back between runs: every step
    gives the entities linking the live documents at once gives."""
    import random

    docs = with_copies({**DOCS, "t1": [("Corvina", "ORG"), ("Corvina", "GPE")],
                        "t2": [("Corvina", "GPE"), ("Corvina", "ORG")]}, 2)
    saved = dict(DOCS)
    DOCS.update(docs)
    try:
        rng = random.Random(seed)
        order = sorted(docs)
        rng.shuffle(order)
        state, live_ids = incremental.empty_state(), []
        for step in range(6):
            live_ids = live_ids + order[step * 6:(step + 1) * 6]
            if step >= 2:  # withdraw some, among them the first document of some spellings
                gone = set(rng.sample(live_ids, 3)) | {min(live_ids)}
                live_ids = [d for d in live_ids if d not in gone]
            state, _ = incremental.update(state, live(live_ids), mentions_table(live_ids))
            link.write_link_state(tmp_path, state)
            state = link.read_link_state(tmp_path)
            assert entities_by_members(state) == full_link(live_ids), step
            stored = store.read_dataset(tmp_path, "entity_links").to_pylist()
            assert sorted(map(tuple, (r.values() for r in stored))) == sorted(
                map(tuple, (r.values() for r in state.links.to_pylist())))
    finally:
        DOCS.clear()
        DOCS.update(saved)


def test_a_tie_of_labels_is_broken_as_the_first_remaining_document_writes_it():
    # one spelling ('Corvina' tagged once a body, once a place) written in two orders: the first
    # document's order breaks the tie, and once it is withdrawn the next document's does
    docs = {"t1": [("Corvina", "ORG"), ("Corvina", "GPE")], "t2": [("Corvina", "GPE"), ("Corvina", "ORG")]}
    DOCS.update(docs)
    try:
        both = linked(incremental.empty_state(), ["t1", "t2"])
        assert state_types(both) == {row["entity_type"] for row in full_link(["t1", "t2"]).values()}
        alone = linked(both, ["t2"])
        assert entities_by_members(alone) == full_link(["t2"])
        assert state_types(alone) != state_types(both), "the invented tie decides the type"
    finally:
        for doc_id in docs:
            DOCS.pop(doc_id)


def state_types(state) -> set[str]:
    return set(state.entities["entity_type"].to_pylist())


def test_a_touched_entity_is_remade_from_its_spellings_without_reading_its_members_mentions():
    docs = with_copies({"h1": [("Halvard Ostberg", "PERSON"), ("Tarnland", "GPE")]}, 30)
    DOCS.update(docs)
    DOCS["h2"] = [("Ostberg", "PERSON")]
    asked: list[str] = []

    def mentions(documents):
        asked.extend(documents["doc_id"].to_pylist())
        return mentions_table(documents["doc_id"].to_pylist())
    try:
        state = linked(incremental.empty_state(), sorted(docs))
        state, change = incremental.update(state, live([*sorted(docs), "h2"]), mentions)
        assert asked == ["h2"], "only the new document's mentions are read"
        assert entity_of(state, "h2", "ostberg")["document_count"] == 32
        assert change.relinked_locals == 2, "the stored person's one spelling and the new one"
    finally:
        for doc_id in [*docs, "h2"]:
            DOCS.pop(doc_id)


def stored_batches(home, batches: list[list[str]], order: list[int] | None = None, linker=None,
                   run_id: str = "r1") -> int:
    """The documents stored as a run's batches (committed in `order`, batch numbers as listed), `linker` looking
    ahead after each batch as the flow's does; returns the steps it linked ahead."""
    from datetime import datetime, timezone

    from newsfacts.records import CleanedDocument, DocumentFacts, EntityMention, RawDocument

    ahead, stored = 0, 0
    for number in order or range(len(batches)):
        raws, cleaned, facts = [], [], []
        for doc_id in batches[number]:
            body = " ".join(mention[0] for mention in DOCS[doc_id]) + f" ({doc_id})"
            mentions, at = [], 0
            for mention in DOCS[doc_id]:
                text, label = mention[:2]
                start = body.index(text, at)
                mentions.append(EntityMention(doc_id, text, label, start, start + len(text),
                                              mention[2] if len(mention) > 2 else clean_name(text)))
                at = start + len(text)
            raws.append(RawDocument(doc_id, f"{doc_id}.txt", "text", "utf-8", len(body), body))
            cleaned.append(CleanedDocument(doc_id, body))
            facts.append(DocumentFacts(doc_id, mentions=mentions, word_count=len(body.split())))
        store.store_batch(home, run_id, number, datetime.now(timezone.utc), raws, cleaned, facts)
        stored += len(raws)
        if linker is not None:
            ahead += linker.ahead(stored)
    return ahead


def state_rows(home) -> dict[str, list]:
    state = link.read_link_state(home)
    return {"entities": state.entities.to_pylist(), "keys": state.keys.to_pylist(),
            "spellings": state.spellings.to_pylist(), "documents": state.documents.to_pylist(),
            "links": state.links.to_pylist()}


@pytest.mark.parametrize("order", ["stored in order", "a batch stored late"])
def test_linking_ahead_while_batches_are_stored_writes_what_linking_after_the_last_batch_writes(tmp_path, monkeypatch,
                                                                                              order):
    """The flow links stored documents a step at a time while later batches are extracted (link.Linker.ahead):
    what it writes is, table for table and row for row, what one link after the last batch writes, whether
    the steps it took ahead are those of the final link or (a batch committed after a later one) not."""
    docs = with_copies(DOCS, 2)
    saved = dict(DOCS)
    DOCS.update(docs)
    monkeypatch.setattr(link.state, "LINK_CHUNK_DOCS", 4)
    try:
        ids = sorted(docs)
        batches = [ids[i:i + 3] for i in range(0, len(ids), 3)]
        commit_order = list(range(len(batches)))
        if order == "a batch stored late":
            commit_order.append(commit_order.pop(1))
        at_end, ahead_home = tmp_path / "at_end", tmp_path / "ahead"
        stored_batches(at_end, batches, commit_order)
        at_end_change = link.link_warehouse(at_end)
        linker = link.Linker(ahead_home)
        linked_ahead = stored_batches(ahead_home, batches, commit_order, linker)
        change = linker.finish()
        assert linked_ahead >= 2, "steps were linked while batches were still stored"
        assert change == at_end_change
        assert state_rows(ahead_home) == state_rows(at_end)
        assert entities_by_members(link.read_link_state(ahead_home)) == full_link(ids)
        # a second run's new documents, linked ahead from the state the first wrote
        more = {f"m{doc_id}": mentions for doc_id, mentions in saved.items()}
        DOCS.update(more)
        more_batches = [sorted(more)[i:i + 2] for i in range(0, len(more), 2)]
        stored_batches(at_end, more_batches, run_id="r2")
        assert link.link_warehouse(at_end).new_documents == len(more)
        linker = link.Linker(ahead_home)
        assert stored_batches(ahead_home, more_batches, linker=linker, run_id="r2") >= 1
        assert linker.finish().new_documents == len(more)
        assert state_rows(ahead_home) == state_rows(at_end)
    finally:
        DOCS.clear()
        DOCS.update(saved)
