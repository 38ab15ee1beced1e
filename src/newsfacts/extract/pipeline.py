"""Array versions of spaCy's rule components, built from the loaded pipeline's own, with the same annotations.

The small English pipeline spends about a quarter of its parse in two rule components that work token by
token in Python: the attribute ruler (its Matcher tries every pattern at every token, then a Span and a
dict walk per match sets POS, MORPH, LEMMA ...) and the rule lemmatizer (a Token object and a method call
per token). Both are functions of a few attributes of each token, so here they read the batch's attribute
arrays (`Doc.to_array`), decide once per distinct combination of those attributes (kept across batches),
and write the results back with `Doc.from_array`:

- `ArrayAttributeRuler`: the ruler's own patterns (`AttributeRuler.patterns`) and normalised attributes
  (`AttributeRuler.attrs`). Each token description of every pattern is evaluated by a spaCy Matcher on one
  token per new combination of the attributes the patterns read, so every predicate (IN, NOT_IN, REGEX,
  ...) means exactly what it means to spaCy. Patterns of several tokens (fixed length) are found by
  shifting those per-token results; where they hit, the token's rules are applied in the ruler's order.
- `ArrayLemmatizer`: the lemma of a (ORTH, POS, MORPH) combination (ORTH alone in lookup mode) is asked
  of the stock lemmatizer's own `lemmatize` once, on a real token, and reused (its `lemma_index` lists
  held as sets, the same answers; its cache shared).
- `paragraph_breaks` (in newsfacts.extract) finds the tokens holding a line break from the text's
  offsets instead of walking every token.

A pipeline whose component does something these do not cover (a pattern with an operator or an extension
attribute, a rule writing a lexeme attribute, a lemmatizer of another kind or mode) keeps the stock
component, and the log says so. `scripts/compare_pipeline.py` parses whole corpora both ways and compares
every token attribute; the bench's bare baseline is `load_stock_nlp`, spaCy's own pipeline untouched.
"""
from __future__ import annotations

import json
import logging
from collections.abc import Iterable

import numpy
import spacy
from spacy.attrs import DEP, IDS, LEMMA, MORPH, NORM, ORTH, POS, TAG
from spacy.lang.en.lemmatizer import EnglishLemmatizer
from spacy.language import Language
from spacy.lookups import Lookups, Table
from spacy.matcher import Matcher
from spacy.pipeline import AttributeRuler, Lemmatizer
from spacy.tokens import Doc
from spacy.util import minibatch

log = logging.getLogger(__name__)

__all__ = ["ArrayAttributeRuler", "ArrayLemmatizer", "use_array_components", "load_stock_nlp"]

# What a token description may read: the lexeme's attributes (fixed by the word) and the token's own that
# earlier components set. Anything else (sentence starts, entities, extensions) depends on more than the
# token itself, and such a ruler is left as it is.
LEXEME_KEYS = {"ORTH", "TEXT", "LOWER", "SHAPE", "PREFIX", "SUFFIX", "LENGTH", "IS_ALPHA", "IS_ASCII", "IS_DIGIT",
               "IS_LOWER", "IS_PUNCT", "IS_SPACE", "IS_TITLE", "IS_UPPER", "LIKE_URL", "LIKE_NUM", "LIKE_EMAIL",
               "IS_STOP", "IS_BRACKET", "IS_QUOTE", "IS_LEFT_PUNCT", "IS_RIGHT_PUNCT", "IS_CURRENCY"}
TOKEN_KEYS = {"TAG", "POS", "DEP", "LEMMA", "MORPH"}
# Attributes a rule may set that live on the token alone (a rule setting a lexeme attribute changes the
# word for the whole vocabulary, which `from_array` would not do): the ruler's own `set_token_attrs` and
# `Doc.from_array` both store these with `Token.set_struct_attr`.
WRITABLE = {POS, TAG, MORPH, LEMMA, DEP, NORM}
# Distinct values of an attribute (words, mostly) and lemma keys remembered, about 100-200 bytes each;
# past this the memory starts again (a worker's memory must not grow with the documents it has seen).
MAX_VALUES = 50_000


class Unsupported(ValueError):
    """The stock component does something the array version does not reproduce."""


def attr_id(key: str) -> int:
    return ORTH if key.upper() == "TEXT" else IDS[key.upper()]


def concatenated(docs: list[Doc], attrs: list[int]) -> numpy.ndarray:
    arrays = [doc.to_array(attrs).reshape(len(doc), len(attrs)) for doc in docs]
    return numpy.concatenate(arrays) if arrays else numpy.zeros((0, len(attrs)), dtype="uint64")


def write_back(docs: list[Doc], attrs: list[int], values: numpy.ndarray, before: numpy.ndarray) -> None:
    """Each doc's rows of `values`, written only where something changed."""
    start = 0
    for doc in docs:
        end = start + len(doc)
        if not numpy.array_equal(values[start:end], before[start:end]):
            doc.from_array(attrs, numpy.ascontiguousarray(values[start:end], dtype="uint64"))
        start = end


class BatchComponent:
    """A pipeline component that annotates a batch of Docs at once (`set_annotations`), one Doc or many."""

    def __call__(self, doc: Doc) -> Doc:
        self.set_annotations([doc])
        return doc

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128):
        for batch in minibatch(docs, size=batch_size):
            self.set_annotations(batch)
            yield from batch

    def set_annotations(self, docs: list[Doc]) -> None:
        raise NotImplementedError


class ArrayAttributeRuler(BatchComponent):
    """spaCy's AttributeRuler on arrays: the same patterns, the same precedence (the later rule wins)."""

    def __init__(self, ruler: AttributeRuler):
        check_ruler(ruler)
        self.vocab = ruler.vocab
        specs: dict[str, int] = {}  # a token description (as JSON) -> its number
        self.parts_of: list[list[int]] = []  # per description: its one-attribute parts
        self.parts: list[tuple[int, dict]] = []  # (attribute read, {key: value}), evaluated by a Matcher
        part_ids: dict[str, int] = {}
        self.rules: list[tuple[int, tuple[int, ...], int, dict]] = []  # (rule id, descriptions, target, attrs)
        for rule_id, entry in enumerate(ruler.patterns):
            attrs = dict(ruler.attrs[rule_id])
            for pattern in entry["patterns"]:
                ids = []
                for spec in pattern:
                    text = json.dumps(spec, sort_keys=True, default=repr)
                    if text not in specs:
                        specs[text] = len(specs)
                        self.parts_of.append([self.add_part(part_ids, key, value) for key, value in spec.items()])
                    ids.append(specs[text])
                self.rules.append((rule_id, tuple(ids), entry["index"] % len(pattern), attrs))
        self.key_attrs = sorted({attr for attr, _ in self.parts})
        self.written = sorted({a for *_, attrs in self.rules for a in attrs})
        self.columns = list(dict.fromkeys([*self.key_attrs, *self.written, ORTH]))
        self.values = {attr: AttributeValues(self.vocab, attr, [(i, part) for i, (a, part) in enumerate(self.parts)
                                                                if a == attr]) for attr in self.key_attrs}
        self.single = [(rule_id, ids[0], attrs) for rule_id, ids, _, attrs in self.rules if len(ids) == 1]
        self.multi = [rule for rule in self.rules if len(rule[1]) > 1]

    def add_part(self, part_ids: dict[str, int], key: str, value) -> int:
        text = json.dumps({key: value}, sort_keys=True, default=repr)
        if text not in part_ids:
            part_ids[text] = len(self.parts)
            self.parts.append((attr_id(key), {key: value}))
        return part_ids[text]

    def set_annotations(self, docs: list[Doc]) -> None:
        table = concatenated(docs, self.columns)
        if not len(table):
            return
        col = {a: i for i, a in enumerate(self.columns)}
        held = numpy.ones((len(self.parts), len(table)), dtype=bool)  # part x token: rows read whole
        for attr, values in self.values.items():
            columns, holds = values.parts_held(table[:, col[attr]], table[:, col[ORTH]])
            held[columns] = holds.T
        matched = numpy.ones((len(self.parts_of), len(table)), dtype=bool)  # description x token
        for spec, parts in enumerate(self.parts_of):
            for part in parts:
                matched[spec] &= held[part]
        before = table[:, [col[a] for a in self.written]]
        after = before.T.copy()
        for _, spec, attrs in self.single:  # in rule order: a later rule overwrites an earlier one
            for attr, value in attrs.items():
                after[self.written.index(attr), matched[spec]] = value
        after = after.T
        self.apply_longer_patterns(docs, matched, before, after)
        write_back(docs, self.written, after, before)

    def apply_longer_patterns(self, docs: list[Doc], matched: numpy.ndarray, before: numpy.ndarray,
                              after: numpy.ndarray) -> None:
        """Patterns of several tokens: where one matches (within a doc), the target token's rules, its
        one-token ones and these, are applied again in the ruler's order (sorted by rule id)."""
        n = matched.shape[1]
        doc_of = numpy.repeat(numpy.arange(len(docs)), [len(doc) for doc in docs])
        extra: dict[int, list[tuple[int, dict]]] = {}
        for rule_id, ids, target, attrs in self.multi:
            length = len(ids)
            if length > n:
                continue
            hit = doc_of[:n - length + 1] == doc_of[length - 1:]
            for offset, spec in enumerate(ids):
                hit &= matched[spec, offset:n - length + 1 + offset]
            for start in numpy.flatnonzero(hit):
                extra.setdefault(int(start) + target, []).append((rule_id, attrs))
        for token, rules in extra.items():
            row = before[token].copy()
            own = [(rule_id, attrs) for rule_id, spec, attrs in self.single if matched[spec, token]]
            for _, attrs in sorted([*own, *rules], key=lambda rule: rule[0]):
                for attr, value in attrs.items():
                    row[self.written.index(attr)] = value
            after[token] = row


class AttributeValues:
    """Which one-attribute parts of the ruler's token descriptions each value of one attribute satisfies,
    asked of spaCy's Matcher once per value (a Doc of one token per new value) and remembered (bounded)."""

    def __init__(self, vocab, attr: int, parts: list[tuple[int, dict]]):
        self.vocab, self.attr = vocab, attr
        self.columns = [i for i, _ in parts]
        self.matcher = Matcher(vocab, validate=False)
        self.column_of_match: dict[int, int] = {}
        for column, (i, part) in enumerate(parts):
            key = vocab.strings.add(f"newsfacts-attribute-ruler-part-{i}")
            self.matcher.add(key, [[part]])
            self.column_of_match[key] = column
        self.is_token_attr = attr in {IDS[key] for key in TOKEN_KEYS}
        self.reset()

    def reset(self) -> None:
        self.row_of: dict[int, int] = {}
        self.table = numpy.zeros((0, len(self.columns)), dtype=bool)

    def parts_held(self, values: numpy.ndarray, orths: numpy.ndarray) -> tuple[list[int], numpy.ndarray]:
        distinct, first, inverse = numpy.unique(values, return_index=True, return_inverse=True)
        rows = [self.row_of.get(value, -1) for value in distinct.tolist()]
        new = [i for i, row in enumerate(rows) if row < 0]
        if new:
            if len(self.row_of) + len(new) > MAX_VALUES:
                self.reset()
                new, rows = list(range(len(distinct))), [-1] * len(distinct)
            for i, row in zip(new, self.add_values(distinct[new], orths[first[new]])):
                rows[i] = row
        return self.columns, self.table[numpy.asarray(rows, dtype="int64")[inverse.reshape(-1)]]

    def add_values(self, values: numpy.ndarray, orths: numpy.ndarray) -> range:
        """One token per value: a word that has it (the lexeme's attributes come with the word), the token's
        own attribute set with `from_array`; the Matcher says which parts each satisfies."""
        words = [self.vocab.strings[int(orth)] for orth in orths]
        sample = Doc(self.vocab, words=words, spaces=[False] * len(words))
        if self.is_token_attr:
            sample.from_array([self.attr], numpy.ascontiguousarray(values, dtype="uint64"))
        holds = numpy.zeros((len(words), len(self.columns)), dtype=bool)
        for match_id, start, _ in self.matcher(sample, allow_missing=True):
            holds[start, self.column_of_match[match_id]] = True
        first = len(self.table)
        self.table = numpy.concatenate([self.table, holds])
        for offset, value in enumerate(values.tolist()):
            self.row_of[value] = first + offset
        return range(first, first + len(words))


def check_ruler(ruler) -> None:
    if type(ruler) is not AttributeRuler:
        raise Unsupported(f"{type(ruler).__name__} is not spaCy's AttributeRuler")
    for rule_id, entry in enumerate(ruler.patterns):
        if "_" in ruler.attrs[rule_id] or set(ruler.attrs[rule_id]) - WRITABLE:
            raise Unsupported(f"rule {rule_id} sets {sorted(entry['attrs'])}")
        for pattern in entry["patterns"]:
            if not pattern or not -len(pattern) <= entry["index"] < len(pattern):
                raise Unsupported(f"rule {rule_id}: index {entry['index']} of a pattern of {len(pattern)}")
            for spec in pattern:
                keys = {key.upper() for key in spec}
                if keys - LEXEME_KEYS - TOKEN_KEYS:
                    raise Unsupported(f"rule {rule_id} reads {sorted(keys - LEXEME_KEYS - TOKEN_KEYS)}")


class ArrayLemmatizer(BatchComponent):
    """spaCy's rule (or lookup) Lemmatizer on arrays: its own `lemmatize` asked once per combination."""

    def __init__(self, lemmatizer: Lemmatizer):
        check_lemmatizer(lemmatizer)
        self.stock = with_indexes_as_sets(lemmatizer)
        self.vocab = lemmatizer.vocab
        self.overwrite = lemmatizer.overwrite
        self.key_attrs = [ORTH, POS, MORPH] if lemmatizer.mode == "rule" else [ORTH]
        self.columns = [LEMMA, *self.key_attrs]
        self.lemmas: dict[tuple, int] = {}

    def set_annotations(self, docs: list[Doc]) -> None:
        table = concatenated(docs, self.columns)
        rows = numpy.arange(len(table)) if self.overwrite else numpy.flatnonzero(table[:, 0] == 0)
        if not len(rows):
            return
        if len(self.lemmas) > MAX_VALUES:
            self.lemmas = {}
        keys = list(zip(*(table[rows, 1 + i].tolist() for i in range(len(self.key_attrs)))))
        lemmas = [self.lemmas.get(key) for key in keys]
        if None in lemmas:
            starts = numpy.cumsum([0] + [len(doc) for doc in docs])
            for i, lemma in enumerate(lemmas):
                if lemma is None:
                    lemmas[i] = self.lemma_of(docs, starts, int(rows[i]), keys[i])
        after = table[:, :1].copy()
        after[rows, 0] = lemmas
        write_back(docs, [LEMMA], after, table[:, :1])

    def lemma_of(self, docs: list[Doc], starts: numpy.ndarray, row: int, key: tuple) -> int:
        """The stock lemmatizer's lemma of the token at `row` of the batch (its first with this key)."""
        if key not in self.lemmas:
            d = int(numpy.searchsorted(starts, row, side="right")) - 1
            self.lemmas[key] = self.vocab.strings.add(self.stock.lemmatize(docs[d][row - int(starts[d])])[0])
        return self.lemmas[key]


def with_indexes_as_sets(lemmatizer: Lemmatizer) -> Lemmatizer:
    """The lemmatizer as it is, but for its `lemma_index` lists (a form is looked for `in` them, 57,000 nouns
    scanned for each candidate form) held as sets: the same answers from its own `rule_lemmatize`, which
    is most of what a new word costs. It shares the stock component's cache."""
    if lemmatizer.mode != "rule" or "lemma_index" not in lemmatizer.lookups:
        return lemmatizer
    index = lemmatizer.lookups.get_table("lemma_index")
    if not all(isinstance(forms, list) and all(isinstance(form, str) for form in forms) for forms in index.values()):
        return lemmatizer
    faster = type(lemmatizer)(lemmatizer.vocab, lemmatizer.model, lemmatizer.name, mode=lemmatizer.mode,
                              overwrite=lemmatizer.overwrite)
    faster.lookups = Lookups()
    for name in lemmatizer.lookups.tables:
        faster.lookups.set_table(name, lemmatizer.lookups.get_table(name))
    as_sets = Table(name="lemma_index")
    for key, forms in index.items():
        as_sets[key] = frozenset(forms)  # the key is already the hash of its part of speech
    faster.lookups.set_table("lemma_index", as_sets)
    faster.cache = lemmatizer.cache
    return faster


KNOWN_BASE_FORMS = (Lemmatizer.is_base_form, EnglishLemmatizer.is_base_form)  # they read POS and MORPH only


def check_lemmatizer(lemmatizer) -> None:
    kind = type(lemmatizer)
    if not isinstance(lemmatizer, Lemmatizer) or kind.__call__ is not Lemmatizer.__call__:
        raise Unsupported(f"{kind.__name__} is not spaCy's rule or lookup Lemmatizer")
    if lemmatizer.mode == "rule":
        if kind.rule_lemmatize is not Lemmatizer.rule_lemmatize or kind.is_base_form not in KNOWN_BASE_FORMS:
            raise Unsupported(f"{kind.__name__} lemmatizes by rules of its own")
    elif lemmatizer.mode == "lookup":
        if kind.lookup_lemmatize is not Lemmatizer.lookup_lemmatize:
            raise Unsupported(f"{kind.__name__} looks lemmas up in its own way")
    else:
        raise Unsupported(f"lemmatizer mode {lemmatizer.mode!r}")
    required, _ = lemmatizer.get_lookups_config(lemmatizer.mode)
    if any(table not in lemmatizer.lookups for table in required):
        raise Unsupported("its lookup tables are missing (the stock component says which)")


@Language.factory("newsfacts_array_attribute_ruler", default_config={"source": "attribute_ruler"})
def make_array_attribute_ruler(nlp: Language, name: str, source: str):
    return ArrayAttributeRuler(nlp.get_pipe(source))


@Language.factory("newsfacts_array_lemmatizer", default_config={"source": "lemmatizer"})
def make_array_lemmatizer(nlp: Language, name: str, source: str):
    return ArrayLemmatizer(nlp.get_pipe(source))


ARRAY_VERSIONS = {"attribute_ruler": ("newsfacts_array_attribute_ruler", check_ruler),
                  "lemmatizer": ("newsfacts_array_lemmatizer", check_lemmatizer)}  # by spaCy's factory


def use_array_components(nlp: Language) -> list[str]:
    """Swap each stock component that has an array version for it, under the same name; the names swapped."""
    swapped = []
    for name in list(nlp.pipe_names):
        factory = nlp.get_pipe_meta(name).factory
        if factory not in ARRAY_VERSIONS:
            continue
        ours, check = ARRAY_VERSIONS[factory]
        try:
            check(nlp.get_pipe(name))
        except Unsupported as reason:
            log.info("keeping spaCy's own %s: %s", name, reason)
            continue
        nlp.add_pipe(ours, name=f"{name}-arrays", after=name, config={"source": name})
        nlp.remove_pipe(name)
        nlp.rename_pipe(f"{name}-arrays", name)
        swapped.append(name)
    return swapped


def load_stock_nlp(models: Iterable[str]) -> Language:
    """spaCy's own pipeline of the first installed model, as `spacy.load` gives it: nothing of ours."""
    errors = []
    for name in models:
        try:
            return spacy.load(name)
        except OSError as exc:
            errors.append(f"{name}: {exc}")
    raise RuntimeError("no English spaCy model is installed: " + "; ".join(errors))
