"""The stored story index: a run gives its new documents a story reading, of the stored corpus, only what
their keys find, never the whole corpus.

Three tables, appended together by one commit per run (`<run_id>-stories`, taken back with the run):
- story_members: each assigned document's story and features (schemas.story_members). A row is the
  document as one run stored it, hidden once that document is withdrawn.
- story_index: each member's LSH band keys and the names its headline says. The new documents' keys
  are joined with it in DuckDB: the stored members that share a band (what MinHashLSH would return) or
  a headline name (stories.HeadlineBlocks), as member numbers.
- story_features: how many members say each feature, as changes (+1 per new member, -1 per withdrawn
  one, once: GONE_KEY marks it done), beside the members per day and in all: the rarity of what a new
  document and its candidates say, read for their features only.

Of the members found, only dates and signatures (which rank them when more than stories.MAX_CANDIDATES
are near in time) are read for all; features are read for the few each new document is compared with,
and for the members of their stories nearest in time (stories.MAX_LINKED_MEMBERS). Assignment itself is
stories.assign_stories, unchanged: the same stories as an index of the whole corpus in memory gives.
"""
from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import duckdb
import numpy
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq
from datasketch import MinHash

from newsfacts import schemas, store, stories
from newsfacts.records import CleanedDocument, EntityMention

COMMIT_SUFFIX = "stories"
HEADLINE_BAND = -1
DAY_KEY = "\x00day:"  # + ISO date: members published that day
TOTAL_KEY = "\x00total"  # members in all
GONE_KEY = "\x00gone:"  # + member_seq: a withdrawn member whose features were taken off the counts
BANDS, ROWS = stories.LSH_BANDS
assert ROWS == 2, "a band key holds two 32-bit MinHash values"


def commit_id(run_id: str) -> str:
    return f"{run_id}-{COMMIT_SUFFIX}"


def band_keys(values) -> list[tuple[int, int]]:
    """(band, key) of a signature: a band's two 32-bit values as one 64-bit key (equal keys: equal bands)."""
    return list(zip(range(BANDS), band_vector(values).tolist()))


def band_vector(values) -> numpy.ndarray:
    """The signature's band keys, band by band (see band_keys)."""
    hv = numpy.asarray(values, dtype=numpy.uint64)
    return (hv[0::2] << numpy.uint64(32)) | hv[1::2]


def headline_key(name: str) -> int:
    return int.from_bytes(hashlib.blake2b(name.encode(), digest_size=8).digest(), "little")


def day_key(day: date) -> str:
    return f"{DAY_KEY}{day.isoformat()}"


def nearby_days(day: date | None) -> list[date]:
    """The days whose counts the crowd of `day` sums (stories.Rarity.crowd)."""
    if day is None:
        return []
    return [day + timedelta(days=offset) for offset in range(-stories.CLOSE_DAYS, stories.CLOSE_DAYS + 1)]


# ---------- reading the store in DuckDB ----------

def parts_sql(paths: list[Path], schema: pa.Schema) -> str:
    listed = ", ".join("'" + str(p).replace("'", "''") + "'" for p in paths)
    columns = ", ".join(f'"{name}"' for name in schema.names)
    return f"SELECT {columns} FROM read_parquet([{listed}], union_by_name = true)"


def connect(warehouse: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with views over the committed story tables: `members_all`, `members` (less the
    withdrawn documents' rows), `bands`, `features`."""
    con = duckdb.connect()
    for name, view in (("story_members", "members_all"), ("story_index", "bands"), ("story_features", "features")):
        paths = [path for _, path in store.committed_parts(warehouse, name)]
        if not paths:
            con.register(f"empty_{name}", schemas.PART_TABLES[name].empty_table())
            con.execute(f"CREATE VIEW {view} AS SELECT * FROM empty_{name}")
            continue
        con.execute(f"CREATE VIEW {view} AS {parts_sql(paths, schemas.PART_TABLES[name])}")
    withdrawn = store.read_committed(warehouse, "withdrawn_documents", columns=["doc_id", "document_run_id"])
    con.register("withdrawn_arrow", withdrawn)
    con.execute("CREATE TABLE withdrawn AS SELECT DISTINCT doc_id, document_run_id FROM withdrawn_arrow")
    con.unregister("withdrawn_arrow")
    con.execute("CREATE VIEW members AS SELECT m.* FROM members_all AS m ANTI JOIN withdrawn AS w "
                "ON w.doc_id = m.doc_id AND w.document_run_id = m.document_run_id")
    return con


def next_member_seq(con: duckdb.DuckDBPyConnection) -> int:
    """The number the next member appended gets (withdrawn members keep theirs)."""
    return (con.execute("SELECT max(member_seq) FROM members_all").fetchone()[0] or 0) + 1


def stored_counts(con: duckdb.DuckDBPyConnection, keys: set[str]) -> dict[str, int]:
    """The summed counts of these features (and day, total, gone keys) in story_features."""
    if not keys:
        return {}
    con.register("wanted_keys", pa.table({"feature": pa.array(sorted(keys), pa.string())}))
    rows = con.execute("SELECT feature, sum(documents) FROM features WHERE feature IN "
                       "(SELECT feature FROM wanted_keys) GROUP BY feature").fetchall()
    con.unregister("wanted_keys")
    return {feature: int(count) for feature, count in rows}


def members_where(con: duckdb.DuckDBPyConnection, column: str, values, columns: str = "*",
                  view: str = "members") -> pa.Table:
    """Visible member rows (`view` members_all: withdrawn ones too) whose `column` is one of `values`, in the
    order they were assigned."""
    values = sorted(set(values))
    if not values:
        return con.sql(f"SELECT {columns} FROM {view} WHERE false").to_arrow_table()
    # constants, not a join: DuckDB checks them against each row group's range and reads only those that may
    # hold one (the parts are written in member_seq order, in small row groups: see commit_tables)
    listed = ", ".join(str(int(v)) if column == "member_seq" else "'" + v.replace("'", "''") + "'" for v in values)
    return con.sql(f"SELECT {columns} FROM {view} WHERE {column} IN ({listed}) ORDER BY member_seq").to_arrow_table()


def documents_of(table: pa.Table) -> list[stories.StoryDocument]:
    docs = stories.members_from_table(table)
    for doc, seq in zip(docs, table.column("member_seq").to_pylist()):
        doc.member_seq = seq
    return docs


@dataclass
class Stub:
    """What is read of every member a new document's keys found: enough to tell whether it is near in time."""
    doc_id: str
    published_date: date | None
    story_id: str
    member_seq: int


class StoreIndex:
    """stories.MemoryIndex's interface over the store: the stored members a new document is compared with,
    found by joining its keys with story_index, read with their features only when compared."""

    def __init__(self, con: duckdb.DuckDBPyConnection, fresh: list[stories.StoryDocument]):
        self.con = con
        self.fresh = fresh
        # this run's documents as assigned (row r: the r-th added), with their band keys, signatures and days as
        # arrays: a new document's candidates among them are found by comparing a row with all (what MinHashLSH's
        # buckets give), its dates and signatures compared at once
        self.added: list[stories.StoryDocument] = []
        self.row_of: dict[str, int] = {}
        self.added_keys = numpy.zeros((len(fresh), BANDS), numpy.uint64)
        self.added_signatures = numpy.zeros((len(fresh), stories.NUM_PERM), numpy.uint64)
        self.added_days = numpy.zeros(len(fresh), numpy.int64)  # proleptic ordinals
        self.added_undated = numpy.zeros(len(fresh), bool)
        self.added_ids = numpy.empty(len(fresh), object)
        self.rank_of = {doc_id: r for r, doc_id in enumerate(sorted(doc.doc_id for doc in fresh))}
        self.added_rank = numpy.zeros(len(fresh), numpy.int64)  # the doc_id's place in doc_id order
        self.blocks = stories.HeadlineBlocks()
        self.by_id: dict[str, stories.StoryDocument] = {}  # this run's and the stored members read
        self.joined: dict[str, list[stories.StoryDocument]] = {}  # this run's documents that joined a stored story
        self.story_rows: dict[str, list[Stub]] = {}
        self.signatures: dict[str, numpy.ndarray] = {}
        self.counts: dict[str, int] = {}  # stored count + this run's, of every feature and day read
        self.fresh_counts = Counter(f for doc in fresh for f in doc.features)
        self.fresh_days = Counter(doc.published_date for doc in fresh if doc.published_date is not None)
        self.loaded_keys: set[str] = set()
        self.per_day: Counter = Counter()
        self.total = stored_counts(con, {TOTAL_KEY}).get(TOTAL_KEY, 0)
        self.load_counts(fresh)
        self.stubs: dict[int, Stub] = {}
        self.seq_of: dict[str, int] = {}  # doc_id -> member_seq of the stored members met
        self.position = {doc.doc_id: i for i, doc in enumerate(fresh)}
        self.stored_hits()
        self.prefetch()

    # -- what the keys of this run's documents find --

    def stored_hits(self) -> None:
        """For each new document (by position in `fresh`), the stored members sharing an LSH band
        (`band_hits`), and by headline name the members of its block (`headline_hits`), for the names
        whose stored block is small enough to stay (this run's documents are added as they come)."""
        rows, names = [], {}
        for i, doc in enumerate(self.fresh):
            for name in doc.headline_names:
                if self.stored_count(name) <= stories.MAX_HEADLINE_BLOCK:
                    names[headline_key(name)] = name
                    rows.append((i, HEADLINE_BAND, headline_key(name)))
        keys = (numpy.stack([band_vector(stories.signature(doc).hashvalues) for doc in self.fresh]) if self.fresh
                else numpy.zeros((0, BANDS), numpy.uint64))
        query = pa.table({
            "doc": pa.array(numpy.concatenate([numpy.repeat(numpy.arange(len(self.fresh), dtype=numpy.int32), BANDS),
                                               numpy.array([r[0] for r in rows], numpy.int32)])),
            "band": pa.array(numpy.concatenate([numpy.tile(numpy.arange(BANDS, dtype=numpy.int16), len(self.fresh)),
                                                numpy.array([r[1] for r in rows], numpy.int16)])),
            "key": pa.array(numpy.concatenate([keys.ravel(), numpy.array([r[2] for r in rows], numpy.uint64)]))})
        self.con.register("query_keys", query)
        found = self.con.execute("SELECT DISTINCT q.doc, q.band, q.key, b.member_seq FROM query_keys AS q "
                                 "JOIN bands AS b ON b.band = q.band AND b.key = q.key").fetchall()
        self.con.unregister("query_keys")
        stubs = members_where(self.con, "member_seq", {row[3] for row in found},
                              "member_seq, doc_id, published_date, story_id, minhash")
        for row in stubs.to_pylist():
            self.stubs[row["member_seq"]] = Stub(row["doc_id"], row["published_date"], row["story_id"], row["member_seq"])
            # read with them: nearest_candidates ranks them by signature when many are near in time
            self.signatures[row["doc_id"]] = numpy.array(row["minhash"], dtype=numpy.uint64)
        self.stub_ids = {stub.doc_id: stub for stub in self.stubs.values()}
        self.dated = dict(self.stub_ids)  # every member met by doc_id, read (by_id) or found only (a stub)
        self.seq_of.update((stub.doc_id, stub.member_seq) for stub in self.stubs.values())
        self.band_hits: list[set[str]] = [set() for _ in self.fresh]
        self.headline_hits: list[dict[str, set[str]]] = [{} for _ in self.fresh]
        for i, band, key, seq in found:
            if seq not in self.stubs:
                continue  # a withdrawn member's keys find nothing
            doc_id = self.stubs[seq].doc_id
            if band == HEADLINE_BAND:
                self.headline_hits[i].setdefault(names[key], set()).add(doc_id)
            else:
                self.band_hits[i].add(doc_id)

    def stored_count(self, feature: str) -> int:
        return self.counts.get(feature, 0) - self.fresh_counts.get(feature, 0)

    def prefetch(self) -> None:
        """Read in one query each the stored members the new documents are likely compared with: the nearest
        (stories.nearest_candidates) of what their keys found, and the members of their stories nearest to
        them (what this misses is read when needed: candidates, story_members). One query per document
        would cost more than the ranking done twice."""
        chosen: list[set[str]] = []
        for i, doc in enumerate(self.fresh):
            found = self.band_hits[i].union(*self.headline_hits[i].values())
            chosen.append(set(self.nearest(doc, stories.signature(doc), found)))
        self.load(set().union(*chosen))
        story_ids = [{self.by_id[doc_id].story_id for doc_id in ids} for ids in chosen]
        self.read_story_rows(set().union(*story_ids))
        self.load({stub.doc_id for doc, ids in zip(self.fresh, story_ids) for story_id in ids
                   for stub in self.near_members(story_id, doc)})

    def nearest(self, doc: stories.StoryDocument, minhash: MinHash, found: set[str],
                rows: numpy.ndarray | None = None) -> list[str]:
        """stories.nearest_candidates over what was found, as doc_ids: the stored members `found` (read: signatures
        of all, dates; features of none yet) and this run's documents in `rows` (of added)."""
        stored = [doc_id for doc_id in found if doc_id not in self.row_of]
        rows = numpy.zeros(0, numpy.int64) if rows is None else rows
        if doc.published_date is not None:  # stories.nearest_candidates' days
            first = doc.published_date - timedelta(days=stories.FOLLOW_UP_DAYS)
            last = doc.published_date + timedelta(days=stories.WINDOW_DAYS)
            stored = [doc_id for doc_id in stored
                      if (day := self.dated[doc_id].published_date) is None or first <= day <= last]
            days = self.added_days[rows]
            rows = rows[self.added_undated[rows] | ((days >= first.toordinal()) & (days <= last.toordinal()))]
        if not stored:  # this run's documents only (each run's first, most): in doc_id order by rank
            rows = rows[numpy.argsort(self.added_rank[rows], kind="stable")]
            if len(rows) > stories.MAX_CANDIDATES:
                agreement = numpy.count_nonzero(self.added_signatures[rows] == minhash.hashvalues, axis=1)
                rows = rows[numpy.argsort(-agreement, kind="stable")[:stories.MAX_CANDIDATES]]
            return self.added_ids[rows].tolist()
        ids = stored + self.added_ids[rows].tolist()
        order = sorted(range(len(ids)), key=ids.__getitem__)
        if len(ids) <= stories.MAX_CANDIDATES:
            return [ids[i] for i in order]
        hashvalues = minhash.hashvalues
        agreement = numpy.concatenate([
            numpy.array([numpy.count_nonzero(self.signatures[doc_id] == hashvalues) for doc_id in stored], numpy.int64),
            numpy.count_nonzero(self.added_signatures[rows] == hashvalues, axis=1)])[order]
        # most agreement first, ties in doc_id order (a stable sort keeps it)
        return [ids[order[i]] for i in numpy.argsort(-agreement, kind="stable")[:stories.MAX_CANDIDATES].tolist()]

    def load(self, doc_ids: set[str]) -> None:
        """Read the stored members' features (and the counts of what they say) not read yet."""
        seqs = {self.seq_of[doc_id] for doc_id in doc_ids if doc_id not in self.by_id}
        if not seqs:
            return
        docs = documents_of(members_where(self.con, "member_seq", seqs))
        self.load_counts(docs)
        for doc in docs:
            self.by_id[doc.doc_id] = self.dated[doc.doc_id] = doc
            self.signatures.setdefault(doc.doc_id, numpy.array(doc.minhash, dtype=numpy.uint64))

    def load_counts(self, docs: list[stories.StoryDocument]) -> None:
        features = {f for doc in docs for f in doc.features}
        days = {day for doc in docs for day in nearby_days(doc.published_date)}
        keys = (features | {day_key(day) for day in days}) - self.loaded_keys
        found = stored_counts(self.con, keys)
        for key in keys:
            if key.startswith(DAY_KEY):
                day = date.fromisoformat(key[len(DAY_KEY):])
                self.per_day[day] = found.get(key, 0) + self.fresh_days.get(day, 0)
            elif (count := found.get(key, 0) + self.fresh_counts.get(key, 0)) > 0:
                self.counts[key] = count
        self.loaded_keys |= keys

    def read_story_rows(self, story_ids: set[str]) -> None:
        wanted = story_ids - self.story_rows.keys()
        for story_id in wanted:
            self.story_rows[story_id] = []
        table = members_where(self.con, "story_id", wanted, "member_seq, doc_id, published_date, story_id")
        for row in table.to_pylist():
            self.story_rows[row["story_id"]].append(Stub(row["doc_id"], row["published_date"], row["story_id"],
                                                          row["member_seq"]))
            self.seq_of[row["doc_id"]] = row["member_seq"]

    def near_members(self, story_id: str, doc: stories.StoryDocument) -> list[Stub]:
        """The stored members of the story that stories.agrees_with_story could compare `doc` with: those
        within its window, the MAX_LINKED_MEMBERS nearest in time (ties: in the order they were assigned)."""
        near = [m for m in self.story_rows[story_id] if stories.within_window(doc.published_date, m.published_date)]
        return sorted(near, key=lambda m: stories.days_apart(doc.published_date, m.published_date))[
            :stories.MAX_LINKED_MEMBERS]

    # -- stories.assign_stories' index interface --

    def has(self, doc_id: str) -> bool:
        return False  # the documents given are the ones without a story

    def get(self, doc_id: str) -> stories.StoryDocument:
        return self.by_id[doc_id]

    def rarity(self, fresh: list[stories.StoryDocument]) -> stories.Rarity:
        rarity = stories.Rarity([])
        rarity.frequency = self.counts
        rarity.total = self.total + len(fresh) + stories.PSEUDO_DOCUMENTS
        rarity.weights = CountedWeights(rarity.total, self.counts)
        rarity.per_day = self.per_day
        return rarity

    def candidates(self, doc: stories.StoryDocument, minhash: MinHash) -> list[stories.StoryDocument]:
        """What stories.MemoryIndex.candidates gives: the members sharing a band, or a headline name whose
        block (stored and this run's) is small enough, the nearest MAX_CANDIDATES of those dated near."""
        i = self.position[doc.doc_id]
        found = set(self.band_hits[i])
        added = len(self.added)
        sharing = (self.added_keys[:added] == band_vector(minhash.hashvalues)).any(axis=1)  # a band, at least
        for name in doc.headline_names:
            fresh_block = self.blocks.blocks.get(name, [])
            if self.stored_count(name) + len(fresh_block) <= stories.MAX_HEADLINE_BLOCK:
                found |= self.headline_hits[i].get(name, set())
                sharing[[self.row_of[doc_id] for doc_id in fresh_block]] = True
        chosen = self.nearest(doc, minhash, found, numpy.flatnonzero(sharing))
        self.load(set(chosen))
        return [self.by_id[doc_id] for doc_id in chosen]

    def story_members(self, story_id: str, doc: stories.StoryDocument) -> list[stories.StoryDocument]:
        if story_id not in self.story_rows:
            self.read_story_rows({story_id})
        near = self.near_members(story_id, doc)
        self.load({m.doc_id for m in near})
        return [self.by_id[m.doc_id] for m in near] + self.joined.get(story_id, [])

    def join_story(self, story_id: str, docs: list[stories.StoryDocument]) -> None:
        self.joined.setdefault(story_id, []).extend(docs)

    def add(self, doc: stories.StoryDocument, minhash: MinHash) -> None:
        row = self.row_of[doc.doc_id] = len(self.added)
        self.added.append(doc)
        self.added_keys[row] = band_vector(minhash.hashvalues)
        self.added_signatures[row] = minhash.hashvalues
        self.added_undated[row] = doc.published_date is None
        self.added_days[row] = 0 if doc.published_date is None else doc.published_date.toordinal()
        self.added_ids[row] = doc.doc_id
        self.added_rank[row] = self.rank_of[doc.doc_id]
        self.blocks.add(doc)
        self.by_id[doc.doc_id] = doc
        self.dated[doc.doc_id] = doc
        self.signatures[doc.doc_id] = minhash.hashvalues

    def documents(self) -> list[stories.StoryDocument]:
        return self.added


class CountedWeights(dict):
    """stories.FeatureWeights computed from the counts read (a feature not among them: unseen)."""

    def __init__(self, total: int, counts: dict[str, int]):
        super().__init__()
        self.total, self.counts = total, counts
        self.unseen = math.log(total / 0.5)

    def __missing__(self, feature: str) -> float:
        count = self.counts.get(feature)
        if count is None:
            return self.unseen
        weight = self[feature] = math.log(self.total / (count + 0.5))
        return weight


# ---------- a run's assignment, committed ----------

@dataclass
class StoriesChange:
    new_documents: int = 0
    gone_documents: int = 0
    stories: int = 0  # stories of the stored documents after the run


def update(warehouse: Path, run_id: str, now: datetime | None = None,
           ahead: FeaturesAhead | None = None) -> StoriesChange:
    """Give every live document without a story one, and take withdrawn members off the feature counts;
    committed as one commit (`<run_id>-stories`) of story_members, story_index and story_features rows.
    `ahead`: the features of the run's documents computed while its batches were stored (see FeaturesAhead)."""
    now = now or datetime.now(timezone.utc)
    with connect(warehouse) as con:
        live = store.live_documents(warehouse).select(["doc_id", "run_id"])
        assigned = con.sql("SELECT doc_id, document_run_id FROM members").to_arrow_table()
        new_live = live.filter(pc.invert(pc.is_in(keys_of(live["doc_id"], live["run_id"]),
                                                  value_set=keys_of(assigned["doc_id"], assigned["document_run_id"]))))
        gone = gone_members(con)
        change = StoriesChange(new_live.num_rows, gone.num_rows)
        if new_live.num_rows or gone.num_rows:
            new = new_story_documents(warehouse, new_live, ahead)
            index = StoreIndex(con, new) if new else None
            assigned_docs = stories.assign_stories([], new, index=index) if new else []
            first_seq = next_member_seq(con)
            runs = dict(zip(new_live["doc_id"].to_pylist(), new_live["run_id"].to_pylist()))
            # every new document is assigned (the index holds none of them): its counts are those of all assigned
            tables = run_tables(assigned_docs, runs, first_seq, gone, index.fresh_counts if index else None)
            commit_tables(warehouse, run_id, now, tables)
        change.stories = stories_count(warehouse)
    return change


def commit_tables(warehouse: Path, run_id: str, now: datetime, tables: dict[str, pa.Table]) -> Path:
    """The run's story tables committed as a batch is (store.commit_tables: parts first, then the manifest renamed
    in); story_members and story_features in small row groups (store.LOOKUP_TABLES), so that a lookup by member
    number or feature reads the few whose range holds it (their rows are in member_seq, features in feature order)."""
    return store.commit_tables(warehouse, run_id, commit_id(run_id), now, tables)


def keys_of(doc_ids, run_ids) -> pa.Array:
    return pc.binary_join_element_wise(doc_ids, run_ids, "\x1f")


def gone_members(con: duckdb.DuckDBPyConnection) -> pa.Table:
    """Member rows of withdrawn documents whose features still count (no GONE_KEY row yet)."""
    # their numbers found on the narrow key columns, then only their rows read whole: a join that carries every
    # member's signature and features would hold them all (630 MB at 200,000 members)
    seqs = [row[0] for row in con.execute("SELECT m.member_seq FROM members_all AS m SEMI JOIN withdrawn AS w "
                                          "ON w.doc_id = m.doc_id AND w.document_run_id = m.document_run_id").fetchall()]
    hidden = members_where(con, "member_seq", seqs, view="members_all")
    done = stored_counts(con, {f"{GONE_KEY}{seq}" for seq in hidden["member_seq"].to_pylist()})
    counted = pa.array([f"{GONE_KEY}{seq}" not in done for seq in hidden["member_seq"].to_pylist()], pa.bool_())
    return hidden.filter(counted) if hidden.num_rows else hidden


def rows_of_documents(warehouse: Path, table: str, documents: pa.Table, columns: list[str]) -> pa.Table:
    """Rows of a per-document table for these (doc_id, run_id): read by DuckDB from the parts of those runs only."""
    runs = set(documents["run_id"].to_pylist())
    paths = []
    for manifest in store.committed(warehouse):
        if table not in manifest["parts"]:
            continue
        first, last = manifest.get("first_run_id", manifest["run_id"]), manifest["run_id"]
        if any(first <= run.removesuffix(store.QUARANTINE_SUFFIX) <= last for run in runs):
            paths.append((manifest["run_id"] if not manifest.get("replaces") else "", warehouse / manifest["parts"][table]))
    schema = schemas.PART_TABLES[table]
    if not paths:
        return pa.schema([schema.field(c) for c in columns]).empty_table()
    pieces = [store.read_part(path, run, schema, columns + ["doc_id"] if "doc_id" not in columns else columns)
              for run, path in paths]
    rows = pa.concat_tables(pieces)
    rows = rows.filter(pc.is_in(keys_of(rows["doc_id"], rows[store.COMMIT_RUN_COLUMN]),
                                value_set=keys_of(documents["doc_id"], documents["run_id"])))
    return rows.select(columns)


DOCUMENT_COLUMNS = ["doc_id", "title", "body_text", "published_date"]
MENTION_COLUMNS = ["doc_id", "text", "label", "char_start", "char_end", "local_key"]


def new_story_documents(warehouse: Path, documents: pa.Table,
                        ahead: FeaturesAhead | None = None) -> list[stories.StoryDocument]:
    """The story features of these documents (doc_id, run_id), from their text and entity mentions: those
    `ahead` computed while the run's batches were stored taken from it, the others read and computed now."""
    taken = [ahead.take(doc_id, run_id) if ahead is not None else None
             for doc_id, run_id in zip(documents["doc_id"].to_pylist(), documents["run_id"].to_pylist())]
    missing = documents.filter(pa.array([doc is None for doc in taken], pa.bool_()))
    computed = story_documents(rows_of_documents(warehouse, "documents", missing, DOCUMENT_COLUMNS),
                               rows_of_documents(warehouse, "entity_mentions", missing, MENTION_COLUMNS))
    return [doc for doc in taken if doc is not None] + computed


def story_documents(rows: pa.Table, mentions: pa.Table) -> list[stories.StoryDocument]:
    """Each document's story features and signature, from its stored row and entity mention rows."""
    by_doc: dict[str, list[EntityMention]] = {doc_id: [] for doc_id in rows["doc_id"].to_pylist()}
    for row in mentions.select(MENTION_COLUMNS).to_pylist():
        by_doc[row["doc_id"]].append(EntityMention(**row))
    docs = [stories.story_document(CleanedDocument(row["doc_id"], row["body_text"], title=row["title"],
                                                   published_date=row["published_date"]), by_doc[row["doc_id"]])
            for row in rows.select(DOCUMENT_COLUMNS).to_pylist()]
    for doc in docs:  # kept on the document: made here, ahead when computed ahead (its features, larger, later)
        stories.signature(doc)
        doc.headline, doc.headline_names  # noqa: B018
    return docs


class FeaturesAhead:
    """The story features of a run's batches, computed as each is committed, while the workers parse the next
    ones (after the last batch, one core would compute them while the other waits). A document's features and
    signature are a function of its stored rows alone (doc_id, run_id: a committed row never changes), read
    back from the batch's committed parts: `update` takes those of the documents it assigns, whatever order
    the batches were committed in, and computes the rest (a batch not seen here, or a crashed run's)."""

    def __init__(self, warehouse: Path):
        self.warehouse = warehouse
        self.documents: dict[tuple[str, str], stories.StoryDocument] = {}

    def batch_stored(self, run_id: str, number: int) -> int:
        """Compute the features of the documents of the run's batch `number`, once committed; returns how many."""
        path = store.commits_dir(self.warehouse) / f"{store.batch_commit_id(run_id, number)}.json"
        if not path.exists():
            return 0  # an empty batch commits nothing
        parts = json.loads(path.read_text())["parts"]
        if "documents" not in parts or "entity_mentions" not in parts:
            return 0
        rows = pq.read_table(self.warehouse / parts["documents"], schema=schemas.PART_TABLES["documents"],
                             columns=[*DOCUMENT_COLUMNS, "run_id"])
        mentions = pq.read_table(self.warehouse / parts["entity_mentions"],
                                 schema=schemas.PART_TABLES["entity_mentions"], columns=MENTION_COLUMNS)
        for doc, run in zip(story_documents(rows, mentions), rows["run_id"].to_pylist()):
            self.documents[(doc.doc_id, run)] = doc
        return rows.num_rows

    def take(self, doc_id: str, run_id: str) -> stories.StoryDocument | None:
        """The document's features computed ahead (handed out once: assignment sets its story on it), or None."""
        return self.documents.pop((doc_id, run_id), None)


def run_tables(assigned: list[stories.StoryDocument], runs: dict[str, str], first_seq: int,
               gone: pa.Table, counted: Counter | None = None) -> dict[str, pa.Table]:
    """A run's rows of the three story tables: its members, their keys, and the feature counts' changes
    (`counted`: how many of the assigned documents say each feature, when already counted)."""
    seqs = list(range(first_seq, first_seq + len(assigned)))
    members = stories.members_table(assigned, [runs[d.doc_id] for d in assigned], seqs)
    index = index_rows(assigned, seqs)
    changes: Counter = Counter(counted) if counted is not None else Counter(f for doc in assigned for f in doc.features)
    changes[TOTAL_KEY] += len(assigned)
    changes.update(day_key(doc.published_date) for doc in assigned if doc.published_date is not None)
    for row in gone.to_pylist():
        changes.subtract(counted_keys(set(row["words"]) | set(row["names"]), row["published_date"]))
        changes[f"{GONE_KEY}{row['member_seq']}"] += 1
    features = sorted((f, n) for f, n in changes.items() if n)
    counts = pa.table({"feature": pa.array([f for f, _ in features], pa.string()),
                       "documents": pa.array([n for _, n in features], pa.int64())}, schema=schemas.story_features)
    return {"story_members": members, "story_index": index, "story_features": counts}


def index_rows(assigned: list[stories.StoryDocument], seqs: list[int]) -> pa.Table:
    """Rows of story_index: each member's band keys, then the keys of the names its headline says (sorted)."""
    bands, keys, numbers = [numpy.zeros(0, numpy.int16)], [numpy.zeros(0, numpy.uint64)], [numpy.zeros(0, numpy.int64)]
    for doc, seq in zip(assigned, seqs):
        headline = [headline_key(name) for name in sorted(doc.headline_names)]
        bands += [numpy.arange(BANDS, dtype=numpy.int16), numpy.full(len(headline), HEADLINE_BAND, numpy.int16)]
        keys += [band_vector(doc.minhash), numpy.array(headline, numpy.uint64)]
        numbers.append(numpy.full(BANDS + len(headline), seq, numpy.int64))
    return pa.table({"band": pa.array(numpy.concatenate(bands)), "key": pa.array(numpy.concatenate(keys)),
                     "member_seq": pa.array(numpy.concatenate(numbers))}, schema=schemas.story_index)


def counted_keys(features, published: date | None) -> list[str]:
    return [*features, TOTAL_KEY, *([day_key(published)] if published is not None else [])]


def stories_count(warehouse: Path) -> int:
    with connect(warehouse) as con:
        return con.execute("SELECT count(DISTINCT story_id) FROM members").fetchone()[0]


def read_members(warehouse: Path) -> pa.Table:
    """Every visible member row, in the order assigned (tests, benches: not a run's path)."""
    with connect(warehouse) as con:
        return con.sql("SELECT * FROM members ORDER BY member_seq").to_arrow_table()


def read_index(warehouse: Path) -> pa.Table:
    """Every story_index row (benches)."""
    with connect(warehouse) as con:
        return con.sql("SELECT * FROM bands").to_arrow_table()
