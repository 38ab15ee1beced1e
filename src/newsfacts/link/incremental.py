"""Incremental linking: a run that adds or withdraws documents re-makes only the entities they touch,
from their spellings, not from every document that names them.

The state is the last result, kept per spelling: a spelling is the local entities written alike (same
key, forms and labels: rules.Spelling), with how many documents write it and the first of them; every
rule of a link treats a spelling's local entities alike, so an entity is re-made from its spellings
with their counts exactly as from all its members. Beside them: entities, the blocking keys of each
entity's spellings (entity_keys, see rules.blocking_keys), the documents linked (linked_documents:
doc_id and the run that stored it), and the members (each local entity's spelling: stored as
entity_links with a spelling_id column), which only DuckDB reads.

A run's change is the live documents the state lacks (new, or stored again by another run) and the
state's documents no longer live (withdrawn, quarantined, or stored by a rejected run). The entities
touched are those that lost members, and those that share a blocking key with a new local entity (or
with what a shrunk entity held): their spellings and the new ones are linked again together, with the
same rules as a full link; every other entity, spelling and key is carried over as it is. An entity
re-made under the id of an untouched one is joined with it (ids stay unique, as rules.unique_ids keeps
them in a full link). Only the new documents' mentions are read (and, when a withdrawn document was
the first to write a spelling, the next one's).

Where it can differ from a full link: the corpus-wide counts (type votes, 'a surname alone fits
exactly one full name', 'a short form fits exactly one body') are taken over the touched entities,
which hold every spelling that shares a key with the new ones, but not over the keys those entities'
other spellings share in turn: a rule that only a second step of that chain would change stays as it
was until one of its own members is touched.
"""
from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
from rapidfuzz import fuzz, process

from newsfacts import schemas
from newsfacts.link.rules import (ONE_WORD_KINDS, LocalEntity, PlaceLike, Similar, Spelling, blocking_keys,
                                  link_spellings, local_entities, related, spelling_id, typed)
from newsfacts.records import Entity, EntityMention


@dataclass
class Members:
    """The linked local entities (doc_id, local_key, spelling_id): as last written (`source`: a table,
    or the Parquet file holding them), less the documents gone since and with the rows added since.
    Read by DuckDB: a run never holds the corpus's members in Python."""
    source: pa.Table | Path
    gone: pa.Array = field(default_factory=lambda: pa.array([], pa.string()))
    added: pa.Table = field(default_factory=schemas.spelling_links.empty_table)

    def without(self, doc_ids: pa.Array | pa.ChunkedArray) -> Members:
        if not len(doc_ids):
            return self
        if isinstance(doc_ids, pa.ChunkedArray):
            doc_ids = doc_ids.combine_chunks()
        added = self.added.filter(pc.invert(pc.is_in(self.added["doc_id"], value_set=doc_ids)))
        return Members(self.source, pc.unique(pa.concat_arrays([self.gone, doc_ids.cast(pa.string())])), added)

    def plus(self, rows: pa.Table) -> Members:
        return Members(self.source, self.gone, pa.concat_tables([self.added, rows.cast(schemas.spelling_links)]))

    def select(self, con: duckdb.DuckDBPyConnection) -> str:
        """SQL for the members, with what it reads registered on `con`."""
        if isinstance(self.source, Path):
            source = f"read_parquet('{str(self.source).replace(chr(39), chr(39) * 2)}')"
        else:
            con.register("members_source", self.source)
            source = "members_source"
        con.register("members_gone", pa.table({"doc_id": self.gone}))
        con.register("members_added", self.added)
        return (f"(SELECT doc_id, local_key, spelling_id FROM {source} "
                f"WHERE doc_id NOT IN (SELECT doc_id FROM members_gone) "
                f"UNION ALL SELECT doc_id, local_key, spelling_id FROM members_added)")

    def query(self, sql: str, **tables: pa.Table) -> pa.Table:
        """`sql` over `members` (and the tables given by name)."""
        with duckdb.connect() as con:
            for name, table in tables.items():
                con.register(name, table)
            return con.sql(sql.format(members=self.select(con))).to_arrow_table()

    def table(self) -> pa.Table:
        return self.query("SELECT * FROM {members}").cast(schemas.spelling_links)


@dataclass
class LinkState:
    entities: pa.Table
    keys: pa.Table
    spellings: pa.Table
    documents: pa.Table
    members: Members

    @property
    def links(self) -> pa.Table:
        """entity_links: each member with its spelling's entity (in memory: for a state small enough)."""
        return self.members.query("SELECT m.doc_id, m.local_key, s.entity_id FROM {members} AS m "
                                  "JOIN spellings AS s USING (spelling_id) ORDER BY ALL",
                                  spellings=self.spellings).cast(schemas.entity_links)


@dataclass
class LinkChange:
    """What a run's linking did: documents added and gone, entities re-made and kept."""
    full: bool
    new_documents: int = 0
    gone_documents: int = 0
    relinked_locals: int = 0  # spellings linked again
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
    return LinkState(schemas.entities.empty_table(), schemas.entity_keys.empty_table(),
                     schemas.entity_spellings.empty_table(), schemas.linked_documents.empty_table(),
                     Members(schemas.spelling_links.empty_table()))


def reader(mentions) -> Callable[[pa.Table], pa.Table]:
    """`mentions` as a function of documents (doc_id, run_id) to their mentions: a table is filtered,
    a function (state.link_warehouse's: read from the store) called."""
    if callable(mentions):
        return mentions
    return lambda documents: mentions.filter(pc.is_in(mentions["doc_id"], value_set=documents["doc_id"]))


def link_all(live_documents: pa.Table, mentions) -> tuple[LinkState, LinkChange]:
    """The full link: every live document's mentions, from nothing."""
    return update(empty_state(), live_documents, mentions)


def update(state: LinkState, live_documents: pa.Table, mentions) -> tuple[LinkState, LinkChange]:
    """The state after the change from `state.documents` to `live_documents` (doc_id, run_id);
    `mentions`: the live documents' entity mentions, or a function giving those of some documents
    (see reader): only the new documents' are asked for (and a few more, see first_spellings)."""
    live = documents_of(live_documents)
    new_docs, gone_docs = missing(live, state.documents), missing(state.documents, live)
    full = state.documents.num_rows == 0
    change = LinkChange(full, new_docs.num_rows, gone_docs.num_rows, kept_entities=state.entities.num_rows)
    if not new_docs.num_rows and not gone_docs.num_rows:
        return state, change
    read = reader(mentions)
    gone_ids = gone_docs["doc_id"]
    lost = state.members.query("SELECT spelling_id, count(*) AS lost FROM {members} "
                               "WHERE doc_id IN (SELECT doc_id FROM gone) GROUP BY spelling_id",
                               gone=pa.table({"doc_id": gone_ids})) if len(gone_ids) else None
    before = Before.of(state, gone_ids)
    members = state.members.without(gone_ids)
    rows = {row["spelling_id"]: row for row in state.spellings.to_pylist()}
    shrunk = shrink(rows, lost, members, live, read)
    new_locals = local_entities(mentions_of(read(new_docs)))
    added = add_locals(rows, new_locals)
    touched = touched_entities(state.keys, shrunk, new_locals)
    touched |= {rows[s]["entity_id"] for s in added if rows[s]["entity_id"] is not None}  # a spelling's entity
    while True:  # until no re-made entity takes the id of an untouched one
        change.rounds += 1
        linked = [row for row in rows.values() if row["entity_id"] is None or row["entity_id"] in touched]
        entities, entity_of, keys = link_spellings([Spelling(local_of(row), row["documents"]) for row in linked])
        remade = id_array(e.entity_id for e in entities)
        clashes = set(remade.filter(pc.is_in(remade, value_set=state.entities["entity_id"])).to_pylist()) - touched
        if not clashes:
            break
        touched |= clashes
    new_id = continued(entities, entity_of, linked)
    was_in = {row["spelling_id"]: row["entity_id"] for row in linked}
    entity_of = [new_id[e] for e in entity_of]
    for row, entity_id in zip(linked, entity_of):
        row["entity_id"] = entity_id
    members = members.plus(member_rows(new_locals))
    counts = before.document_counts(linked, was_in, new_locals, members)
    entities = [Entity(new_id[e.entity_id], e.canonical_name, e.entity_type, e.surface_forms,
                       counts[new_id[e.entity_id]], e.mention_count) for e in entities]
    keys = [(new_id[entity_id], key) for entity_id, key in keys]
    kept = [table.filter(pc.invert(pc.is_in(table["entity_id"], value_set=id_array(touched))))
            for table in (state.entities, state.keys)]
    change.relinked_locals, change.remade_entities, change.kept_entities = len(linked), len(entities), kept[0].num_rows
    spellings = pa.Table.from_pylist(sorted(rows.values(), key=lambda row: row["spelling_id"]),
                                     schema=schemas.entity_spellings)
    return LinkState(pa.concat_tables([kept[0], records_table(entities, schemas.entities)]),
                     pa.concat_tables([kept[1], keys_table(keys)]), spellings, live, members), change


def shrink(rows: dict[str, dict], lost: pa.Table | None, members: Members, live: pa.Table, read) -> set[str]:
    """The spellings that lost members counted down (gone when none is left; a first document gone is
    replaced by the next: see first_spellings); returns the entities that lost members."""
    if lost is None:
        return set()
    shrunk, moved = set(), []
    for spelling, n in zip(lost["spelling_id"].to_pylist(), lost["lost"].to_pylist()):
        row = rows[spelling]
        shrunk.add(row["entity_id"])
        row["documents"] -= n
        if row["documents"] <= 0:
            del rows[spelling]
        else:
            moved.append(spelling)
    if moved:
        first_spellings(rows, moved, members, live, read)
    return shrunk


def first_spellings(rows: dict[str, dict], spellings: list[str], members: Members, live: pa.Table, read) -> None:
    """Each spelling written as its first remaining document writes it: the order of its counts is that
    document's, which decides votes that tie (rules.link_locals links the first of written-alike copies)."""
    firsts = members.query("SELECT spelling_id, min(doc_id) AS doc_id FROM {members} "
                           "WHERE spelling_id IN (SELECT spelling_id FROM wanted) GROUP BY spelling_id",
                           wanted=pa.table({"spelling_id": pa.array(spellings, pa.string())}))
    changed = {s: d for s, d in zip(firsts["spelling_id"].to_pylist(), firsts["doc_id"].to_pylist())
               if rows[s]["first_doc_id"] != d}
    if not changed:
        return
    documents = live.filter(pc.is_in(live["doc_id"], value_set=pa.array(sorted(set(changed.values())), pa.string())))
    for local in local_entities(mentions_of(read(documents))):
        spelling = spelling_id(local)
        if changed.get(spelling) == local.doc_id:
            rows[spelling] |= spelling_row(local, rows[spelling]["entity_id"], rows[spelling]["documents"])


def add_locals(rows: dict[str, dict], locals_: list[LocalEntity]) -> set[str]:
    """The new local entities counted into their spellings (new spellings with no entity yet); a local
    entity of a document before a spelling's first becomes its first. Returns the spellings that were
    stored before."""
    stored = set()
    for local in sorted(locals_, key=lambda e: (e.doc_id, e.key)):
        spelling = spelling_id(local)
        row = rows.get(spelling)
        if row is None:
            rows[spelling] = spelling_row(local, None, 1)
            continue
        if row["entity_id"] is not None:
            stored.add(spelling)
            row["added"] = row.get("added", 0) + 1  # members the entity it was in never held
        if local.doc_id < row["first_doc_id"]:
            row |= spelling_row(local, row["entity_id"], row["documents"])
        row["documents"] += 1
    return stored


def spelling_row(local: LocalEntity, entity_id: str | None, documents: int) -> dict:
    return {"spelling_id": spelling_id(local), "entity_id": entity_id, "local_key": local.key,
            "written": json.dumps({"forms": list(local.forms.items()), "labels": list(local.labels.items()),
                                   "name_labels": list(local.name_labels.items())}),
            "first_doc_id": local.doc_id, "documents": documents}


def local_of(row: dict) -> LocalEntity:
    """The local entity a spelling row stands for, as its first document wrote it."""
    written = json.loads(row["written"])
    return typed(LocalEntity(row["first_doc_id"], row["local_key"], Counter(dict(written["labels"])),
                             Counter(dict(written["name_labels"])), Counter(dict(written["forms"]))))


def member_rows(locals_: list[LocalEntity]) -> pa.Table:
    return pa.table({"doc_id": pa.array([e.doc_id for e in locals_], pa.string()),
                     "local_key": pa.array([e.key for e in locals_], pa.string()),
                     "spelling_id": pa.array([spelling_id(e) for e in locals_], pa.string())},
                    schema=schemas.spelling_links)


@dataclass
class Before:
    """What the state knew of its entities before a change: their spellings, their documents, and how
    many of those documents are gone."""
    spellings: dict[str, set[str]]
    documents: dict[str, int]
    gone: dict[str, int]

    @classmethod
    def of(cls, state: LinkState, gone_ids: pa.ChunkedArray) -> Before:
        spellings: dict[str, set[str]] = defaultdict(set)
        for entity_id, spelling in zip(state.spellings["entity_id"].to_pylist(), state.spellings["spelling_id"].to_pylist()):
            spellings[entity_id].add(spelling)
        documents = dict(zip(state.entities["entity_id"].to_pylist(), state.entities["document_count"].to_pylist()))
        gone = {}
        if len(gone_ids):
            rows = state.members.query(
                "SELECT s.entity_id, count(DISTINCT m.doc_id) AS gone FROM {members} AS m JOIN spellings AS s "
                "USING (spelling_id) WHERE m.doc_id IN (SELECT doc_id FROM gone) GROUP BY s.entity_id",
                gone=pa.table({"doc_id": gone_ids}), spellings=state.spellings.select(["spelling_id", "entity_id"]))
            gone = dict(zip(rows["entity_id"].to_pylist(), rows["gone"].to_pylist()))
        return cls(spellings, documents, gone)

    def document_counts(self, linked: list[dict], was_in: dict[str, str | None], new_locals: list[LocalEntity],
                        members: Members) -> dict[str, int]:
        """The documents each re-made entity's members are in (a document writing two spellings of one
        entity counts once). An entity that continues one whole (every spelling it had, no other stored
        one) has its documents less the gone ones plus the new ones; any other is counted by DuckDB over
        the members of its spellings."""
        new_documents: dict[str, set[str]] = defaultdict(set)
        for local in new_locals:
            new_documents[spelling_id(local)].add(local.doc_id)
        by_entity: dict[str, list[dict]] = defaultdict(list)
        for row in linked:
            by_entity[row["entity_id"]].append(row)
        counts, recount = {}, []
        for entity_id, rows in by_entity.items():
            stored = {row["spelling_id"] for row in rows if was_in[row["spelling_id"]] is not None}
            olds = {was_in[spelling] for spelling in stored}
            added = set().union(*(new_documents[row["spelling_id"]] for row in rows))
            if not olds:
                counts[entity_id] = len(added)
            elif olds == {entity_id} and stored == self.spellings[entity_id]:
                counts[entity_id] = self.documents[entity_id] - self.gone.get(entity_id, 0) + len(added)
            else:
                recount.extend(rows)
        if recount:
            spellings = pa.table({"spelling_id": pa.array([row["spelling_id"] for row in recount], pa.string()),
                                  "entity_id": pa.array([row["entity_id"] for row in recount], pa.string())})
            rows = members.query("SELECT s.entity_id, count(DISTINCT m.doc_id) AS documents FROM {members} AS m "
                                 "JOIN spellings AS s USING (spelling_id) GROUP BY s.entity_id", spellings=spellings)
            counts |= dict(zip(rows["entity_id"].to_pylist(), rows["documents"].to_pylist()))
        return counts


def continued(entities: list[Entity], entity_of: list[str], linked: list[dict]) -> dict[str, str]:
    """The ids the re-made entities keep, so that ids stay stable: each touched entity's id goes to the
    re-made entity holding most of its members (`linked`: the spellings, with the entity each was in
    and its documents), ties to the lower ids; an entity that continues none keeps the id its name
    gives (made unique when a continued one holds it)."""
    overlap: Counter = Counter()
    for row, remade in zip(linked, entity_of):
        if row["entity_id"] is not None:
            overlap[(remade, row["entity_id"])] += row["documents"] - row.get("added", 0)
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
    return new_id


def missing(documents: pa.Table, other: pa.Table) -> pa.Table:
    """The documents (doc_id, run_id) that `other` does not hold (a hash join: no key strings built)."""
    keys = ["doc_id", "run_id"]
    return documents.select(keys).join(other.select(keys), keys=keys, join_type="left anti").cast(schemas.linked_documents)


def touched_entities(keys: pa.Table, shrunk: set[str], new_locals: list[LocalEntity]) -> set[str]:
    """The entities that lost members, those a new local entity (or what a shrunk entity held) could
    join, and their one-word members' context (KeyIndex.with_one_word_context)."""
    seeds = set().union(*(blocking_keys(e) for e in new_locals))
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
        self.by_length: dict[str, dict[int, list[str]]] = {}

    def bucket(self, prefix: str) -> list[str]:
        if prefix not in self.buckets:
            column = self.keys["key"]
            values = pc.unique(column.filter(pc.starts_with(column, prefix))).to_pylist()
            self.buckets[prefix] = [value[len(prefix):] for value in values]
        return self.buckets[prefix]

    def bucket_of_length(self, prefix: str, lengths: range) -> list[str]:
        """The bucket's values of these lengths, in the bucket's order."""
        if prefix not in self.by_length:
            grouped: dict[int, list[str]] = defaultdict(list)
            for value in self.bucket(prefix):
                grouped[len(value)].append(value)
            self.by_length[prefix] = grouped
        grouped = self.by_length[prefix]
        return [value for length in lengths for value in grouped.get(length, ())]

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
                elif isinstance(test, PlaceLike):
                    matched |= {prefix + value for value in self.bucket_of_length(prefix, test.lengths) if test(value)}
                else:
                    matched |= {prefix + value for value in values if test(value)}
        rows = self.keys.filter(pc.is_in(self.keys["key"], value_set=id_array(matched)))
        return set(pc.unique(rows["entity_id"]).to_pylist())


def documents_of(live_documents: pa.Table) -> pa.Table:
    return live_documents.select(["doc_id", "run_id"]).cast(schemas.linked_documents)


def mentions_of(table: pa.Table) -> list[EntityMention]:
    names = ["doc_id", "text", "label", "char_start", "char_end", "local_key"]  # EntityMention's fields, in order
    return [EntityMention(*row) for row in zip(*(table.column(name).to_pylist() for name in names))]


def keys_table(keys: list[tuple[str, str]]) -> pa.Table:
    return pa.table({"entity_id": pa.array([entity_id for entity_id, _ in keys], pa.string()),
                     "key": pa.array([key for _, key in keys], pa.string())}, schema=schemas.entity_keys)


def records_table(records: list, schema: pa.Schema) -> pa.Table:
    return pa.table({name: [getattr(record, name) for record in records] for name in schema.names}, schema=schema)
