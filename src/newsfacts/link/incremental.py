"""Incremental linking: a run that adds or withdraws documents re-makes only the entities they touch.

The state is the last result: entities, entity_links, the blocking keys of each entity's members
(entity_keys, see rules.blocking_keys) and the documents it was built from (linked_documents:
doc_id and the run that stored it). A run's change is the live documents the state lacks (new, or
stored again by another run) and the state's documents no longer live (withdrawn, quarantined, or
stored by a rejected run). The entities touched are those that lost members, and those that share a
blocking key with a new local entity (or with what a shrunk entity held): their members and the new
local entities are linked again together, with the same rules as a full link; every other entity row,
link and key is carried over as it is. An entity re-made under the id of an untouched one is joined
with it (ids stay unique, as rules.unique_ids keeps them in a full link).

Where it can differ from a full link: the corpus-wide counts (type votes, 'a surname alone fits
exactly one full name', 'a short form fits exactly one body') are taken over the touched entities,
which hold every local entity that shares a key with the new ones, but not over the keys those
entities' other members share in turn: a rule that only a second step of that chain would change
stays as it was until one of its own members is touched.
"""
from __future__ import annotations

import dataclasses
import hashlib
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass

import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from newsfacts import schemas
from newsfacts.link.rules import ONE_WORD_KINDS, Similar, blocking_keys, link_locals, local_entities, related
from newsfacts.records import Entity, EntityLink, EntityMention


@dataclass
class LinkState:
    entities: pa.Table
    links: pa.Table
    keys: pa.Table
    documents: pa.Table


@dataclass
class LinkChange:
    """What a run's linking did: documents added and gone, entities re-made and kept."""
    full: bool
    new_documents: int = 0
    gone_documents: int = 0
    relinked_locals: int = 0
    remade_entities: int = 0
    kept_entities: int = 0
    rounds: int = 0  # links of the touched set: more than one when a re-made entity met an untouched one's id


def combined(steps: list[LinkChange]) -> LinkChange:
    """Steps of one run's linking as one change: documents and names summed, entities as the last left them."""
    last = steps[-1]
    return LinkChange(steps[0].full, sum(s.new_documents for s in steps), sum(s.gone_documents for s in steps),
                      sum(s.relinked_locals for s in steps), last.remade_entities, last.kept_entities,
                      sum(s.rounds for s in steps))


def empty_state() -> LinkState:
    return LinkState(schemas.entities.empty_table(), schemas.entity_links.empty_table(),
                     schemas.entity_keys.empty_table(), schemas.linked_documents.empty_table())


def reader(mentions) -> Callable[[pa.Table], pa.Table]:
    """`mentions` as a function of documents (doc_id, run_id) to their mentions: a table is filtered,
    a function (state.link_warehouse's: read from the store) called."""
    if callable(mentions):
        return mentions
    return lambda documents: mentions.filter(pc.is_in(mentions["doc_id"], value_set=documents["doc_id"]))


def link_all(live_documents: pa.Table, mentions) -> tuple[LinkState, LinkChange]:
    """The full link: every live document's mentions, from nothing."""
    locals_ = local_entities(mentions_of(reader(mentions)(live_documents)))
    entities, links, keys = link_locals(locals_)
    state = LinkState(*result_tables(entities, links, keys), documents_of(live_documents))
    return state, LinkChange(True, live_documents.num_rows, 0, len(locals_), len(entities), 0, 1)


def update(state: LinkState, live_documents: pa.Table, mentions) -> tuple[LinkState, LinkChange]:
    """The state after the change from `state.documents` to `live_documents` (doc_id, run_id);
    `mentions`: the live documents' entity mentions, or a function giving those of some documents
    (see reader): only the new documents' and the touched entities' members' are asked for."""
    if state.documents.num_rows == 0:
        return link_all(live_documents, mentions)
    live = documents_of(live_documents)
    new_docs, gone_docs = missing(live, state.documents), missing(state.documents, live)
    change = LinkChange(False, new_docs.num_rows, gone_docs.num_rows, kept_entities=state.entities.num_rows)
    if not new_docs.num_rows and not gone_docs.num_rows:
        return state, change
    gone_link = pc.is_in(state.links["doc_id"], value_set=gone_docs["doc_id"])
    kept_links = state.links.filter(pc.invert(gone_link))
    read = reader(mentions)
    new_mentions = read(new_docs)
    touched = touched_entities(state.keys, set(pc.unique(state.links.filter(gone_link)["entity_id"]).to_pylist()),
                               new_mentions)
    while True:  # until no re-made entity takes the id of an untouched one
        change.rounds += 1
        members = kept_links.filter(pc.is_in(kept_links["entity_id"], value_set=id_array(touched)))
        member_docs = live.filter(pc.is_in(live["doc_id"], value_set=pc.unique(members["doc_id"])))
        locals_ = local_entities(mentions_of(new_mentions) + mentions_of(mentions_of_locals(read(member_docs), members)))
        entities, links, keys = link_locals(locals_)
        remade = id_array(e.entity_id for e in entities)
        clashes = set(remade.filter(pc.is_in(remade, value_set=state.entities["entity_id"])).to_pylist()) - touched
        if not clashes:
            break
        touched |= clashes
    entities, links, keys = continued(entities, links, keys, members, state.entities["entity_id"])
    kept = [table.filter(pc.invert(pc.is_in(table["entity_id"], value_set=id_array(touched))))
            for table in (state.entities, kept_links, state.keys)]
    change.relinked_locals, change.remade_entities, change.kept_entities = len(locals_), len(entities), kept[0].num_rows
    return LinkState(*(pa.concat_tables([old, new]) for old, new in zip(kept, result_tables(entities, links, keys))),
                     live), change


def continued(entities: list[Entity], links: list[EntityLink], keys: list[tuple[str, str]], before: pa.Table,
              stored_ids: pa.ChunkedArray) -> tuple[list[Entity], list[EntityLink], list[tuple[str, str]]]:
    """The re-made entities under the ids of the entities they continue, so that ids stay stable: each
    touched entity's id goes to the re-made entity holding most of its members (`before`: their links),
    ties to the lower ids; an entity that continues none keeps the id its name gives (made unique
    when a continued one holds it)."""
    old_of = {(row["doc_id"], row["local_key"]): row["entity_id"] for row in before.to_pylist()}
    overlap: Counter = Counter((link.entity_id, old_of[(link.doc_id, link.local_key)]) for link in links
                               if (link.doc_id, link.local_key) in old_of)
    new_id: dict[str, str] = {}
    taken: set[str] = set()
    for (remade, old), _ in sorted(overlap.items(), key=lambda item: (-item[1], item[0])):
        if remade not in new_id and old not in taken:
            new_id[remade] = old
            taken.add(old)
    for entity in sorted(entities, key=lambda e: e.entity_id):
        if entity.entity_id not in new_id:
            unique, n = entity.entity_id, 0
            while unique in taken:  # the id its name gives is a continued entity's
                n += 1
                unique = hashlib.sha1(f"{entity.entity_id}\x1f{n}".encode()).hexdigest()[:16]
            new_id[entity.entity_id] = unique
            taken.add(unique)
    if all(new == old for old, new in new_id.items()):
        return entities, links, keys
    return ([dataclasses.replace(e, entity_id=new_id[e.entity_id]) for e in entities],
            [EntityLink(link.doc_id, link.local_key, new_id[link.entity_id]) for link in links],
            [(new_id[entity_id], key) for entity_id, key in keys])


def missing(documents: pa.Table, other: pa.Table) -> pa.Table:
    """The documents (doc_id, run_id) that `other` does not hold."""
    return documents.filter(pc.invert(pc.is_in(document_keys(documents), value_set=document_keys(other))))


def touched_entities(keys: pa.Table, shrunk: set[str], new_mentions: pa.Table) -> set[str]:
    """The entities that lost members, those a new local entity (or what a shrunk entity held) could
    join, and their one-word members' context (KeyIndex.with_one_word_context)."""
    seeds = set().union(*(blocking_keys(e) for e in local_entities(mentions_of(new_mentions))))
    seeds |= set(keys.filter(pc.is_in(keys["entity_id"], value_set=id_array(shrunk)))["key"].to_pylist())
    index = KeyIndex(keys)
    return index.with_one_word_context(shrunk | index.entities_related(seeds))


def id_array(ids) -> pa.Array:
    return pa.array(sorted(ids), pa.string())


class KeyIndex:
    """The stored blocking keys, searched in Arrow; only the keys of one kind that a lookup scans
    (and one first letter where the rule needs it) become Python strings."""

    def __init__(self, keys: pa.Table):
        self.keys = keys
        self.buckets: dict[str, list[str]] = {}

    def bucket(self, prefix: str) -> list[str]:
        if prefix not in self.buckets:
            column = self.keys["key"]
            values = pc.unique(column.filter(pc.starts_with(column, prefix))).to_pylist()
            self.buckets[prefix] = [value[len(prefix):] for value in values]
        return self.buckets[prefix]

    def with_one_word_context(self, entities: set[str]) -> set[str]:
        """`entities`, and the entities their one-word members' counted rules compare them with, to the
        end of the chain: a one-word name's type, its surname fit or short form is voted with all of them."""
        looked: set[str] = set()
        while True:
            rows = self.keys.filter(pc.is_in(self.keys["entity_id"], value_set=id_array(entities)))
            keys = {key for key in rows["key"].to_pylist() if key.startswith(ONE_WORD_KINDS)} - looked
            more = self.entities_related(keys) - entities
            if not more:
                return entities
            looked |= keys
            entities = entities | more

    def entities_related(self, seeds: set[str]) -> set[str]:
        matched: set[str] = set()
        scans: dict[str, list] = defaultdict(list)
        for key in seeds:
            exact, tests = related(key)
            matched |= exact
            for prefix, test in tests:
                scans[prefix].append(test)
        for prefix, tests in scans.items():
            values = self.bucket(prefix)
            if not values:
                continue
            for test in set(tests):
                if isinstance(test, Similar):
                    found = process.extract(test.value, values, scorer=fuzz.ratio, score_cutoff=test.cutoff, limit=None)
                    matched |= {prefix + value for value, _, _ in found}
                else:
                    matched |= {prefix + value for value in values if test(value)}
        rows = self.keys.filter(pc.is_in(self.keys["key"], value_set=id_array(matched)))
        return set(pc.unique(rows["entity_id"]).to_pylist())


def documents_of(live_documents: pa.Table) -> pa.Table:
    return live_documents.select(["doc_id", "run_id"]).cast(schemas.linked_documents)


def document_keys(documents: pa.Table) -> pa.Array:
    return pc.binary_join_element_wise(documents["doc_id"], documents["run_id"], "\x1f")


def mentions_of_locals(mentions: pa.Table, links: pa.Table) -> pa.Table:
    """The mentions of the local entities `links` names: filtered by document first, then by key."""
    in_docs = mentions.filter(pc.is_in(mentions["doc_id"], value_set=pc.unique(links["doc_id"])))
    wanted = pc.binary_join_element_wise(links["doc_id"], links["local_key"], "\x1f")
    return in_docs.filter(pc.is_in(pc.binary_join_element_wise(in_docs["doc_id"], in_docs["local_key"], "\x1f"),
                                   value_set=wanted))


def mentions_of(table: pa.Table) -> list[EntityMention]:
    names = ["doc_id", "text", "label", "char_start", "char_end", "local_key"]
    return [EntityMention(**row) for row in table.select(names).to_pylist()]


def result_tables(entities: list[Entity], links: list[EntityLink],
                  keys: list[tuple[str, str]]) -> tuple[pa.Table, pa.Table, pa.Table]:
    return (records_table(entities, schemas.entities), records_table(links, schemas.entity_links),
            pa.Table.from_pylist([{"entity_id": entity_id, "key": key} for entity_id, key in keys],
                                 schema=schemas.entity_keys))


def records_table(records: list, schema: pa.Schema) -> pa.Table:
    return pa.table({name: [getattr(record, name) for record in records] for name in schema.names}, schema=schema)
