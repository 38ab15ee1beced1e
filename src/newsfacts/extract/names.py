"""Name normalisation shared by mention finding and cross-document linking.

General facts about how names are written in English-language news, never the strings of
particular articles: honorifics, possessives, demonyms of countries, and the letter
alternations that different romanisations of the same name produce.
"""
from __future__ import annotations

import functools
import json
import re
from pathlib import Path
import unicodedata

from nicknames import NickNamer
from rapidfuzz import fuzz

HONORIFICS = frozenset({"mr", "mrs", "ms", "miss", "dr", "prof", "sir", "dame", "mx"})
# Titles written before a name ("Gov. Jane Doe", "President Doe", "Prime Minister Doe"): part of the
# mention, not of the name. Abbreviated forms are written without their period here.
TITLES = frozenset({
    "president", "vice", "prime", "minister", "chancellor", "premier", "governor", "gov", "lt", "lieutenant",
    "senator", "sen", "representative", "rep", "congressman", "congresswoman", "mayor", "judge", "justice",
    "attorney", "general", "gen", "secretary", "ambassador", "commissioner", "sheriff", "deputy", "chief",
    "officer", "detective", "det", "sergeant", "sgt", "captain", "capt", "colonel", "col", "major", "maj",
    "admiral", "adm", "commander", "cmdr", "inspector", "insp", "superintendent", "supt", "professor", "doctor",
    "reverend", "rev", "father", "fr", "pastor", "rabbi", "imam", "bishop", "archbishop", "cardinal", "pope",
    "king", "queen", "prince", "princess", "lord", "lady", "coach", "councillor", "councilman", "councilwoman",
    "speaker", "chairman", "chairwoman", "director", "dean", "president-elect",
})
# Words after a company's short name in its full legal name: "Vexa" is "Vexa Holdings Corp".
CORPORATE_WORDS = frozenset({"group", "corp", "corporation", "inc", "incorporated", "ltd", "limited", "co",
                             "company", "holdings", "plc", "llc", "lp", "ag", "sa", "nv", "gmbh", "se"})
# Lower-case particles that begin a surname written alone ("von Bergen", "de la Cruz").
NAME_PARTICLES = frozenset({"von", "van", "de", "da", "di", "del", "della", "der", "den", "du", "le", "la",
                            "al", "el", "bin", "ibn", "ten", "ter", "dos", "das", "zu"})
QUOTE_CHARS = "\"'“”‘’«»„‟‚‛`"
POSSESSIVE = re.compile(r"[’']s?$")
LEADING_ARTICLE = re.compile(r"^(?:the|a|an)\s+", re.I)
NON_WORD = re.compile(r"[^\w\s]+")
# Country names and their demonyms/short forms: "Chilean Interior Ministry" and "Chile's Interior
# Ministry" name one body; "UK" and "British" one country.
COUNTRY_FORMS = {
    "russia": ("russian", "russians", "russian federation"),
    "ukraine": ("ukrainian", "ukrainians"),
    "united kingdom": ("uk", "britain", "great britain", "british", "u k"),
    "united states": ("us", "usa", "u s", "america", "american", "americans"),
    "belarus": ("belarusian", "belarussian"),
    "china": ("chinese",),
    "france": ("french",),
    "germany": ("german", "germans"),
    "poland": ("polish",),
    "turkey": ("turkish", "turkiye"),
    "iran": ("iranian",),
    "israel": ("israeli", "israelis"),
    "syria": ("syrian",),
    "iraq": ("iraqi",),
    "india": ("indian",),
    "pakistan": ("pakistani",),
    "japan": ("japanese",),
    "italy": ("italian",),
    "spain": ("spanish",),
    "canada": ("canadian",),
    "australia": ("australian",),
    "georgia": ("georgian",),
    "moldova": ("moldovan",),
    "lithuania": ("lithuanian",),
    "latvia": ("latvian",),
    "estonia": ("estonian",),
    "finland": ("finnish",),
    "sweden": ("swedish",),
    "norway": ("norwegian",),
    "netherlands": ("dutch",),
    "european union": ("eu",),
}
COUNTRY_OF = {form: country for country, forms in COUNTRY_FORMS.items() for form in (country, *forms)}
# Letters that romanisations of one Cyrillic or Arabic name alternate between (Tkachenko/Tkatchenko,
# Ivanov/Iwanow, Yakovlev/Jakovlev): folded before fuzzy comparison.
ROMANISATION = (("kh", "h"), ("zh", "z"), ("ts", "c"), ("yj", "i"), ("ij", "i"), ("iy", "i"), ("y", "i"),
                ("j", "i"), ("w", "v"), ("ck", "k"), ("ph", "f"))
FUNCTION_WORDS = frozenset({"of", "the", "for", "and", "in", "on", "at", "de", "la"})
GIVEN_NAME_MATCH = 75  # two romanisations of one given name with the same consonants
# Words before a name that say whether the person is a woman or a man ('Mrs. Roe', 'his wife Ana Roe').
GENDER_MARKS = {
    "f": frozenset({"ms", "mrs", "miss", "madam", "dame", "lady", "queen", "princess", "actress", "spokeswoman",
                    "chairwoman", "congresswoman", "councilwoman", "businesswoman", "wife", "mother", "daughter",
                    "sister", "aunt", "niece", "grandmother", "widow", "girl", "woman", "granddaughter"}),
    "m": frozenset({"mr", "sir", "lord", "king", "prince", "spokesman", "congressman", "councilman", "businessman",
                    "husband", "father", "son", "brother", "uncle", "nephew", "grandfather", "widower", "boy", "man",
                    "grandson"}),
}


def fold(text: str) -> str:
    """NFKC, curly quotes to ASCII, lower case, whitespace collapsed (the gold file's normalisation)."""
    text = unicodedata.normalize("NFKC", text)
    text = text.translate(str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'", "„": '"', "«": '"', "»": '"'}))
    return " ".join(text.lower().split())


@functools.lru_cache(maxsize=65536)  # linking asks again for every spelling of every local entity
def clean_name(text: str) -> str:
    """A mention's name: no surrounding quotes, leading article or trailing possessive."""
    name = fold(text).strip(QUOTE_CHARS + " ")
    name = LEADING_ARTICLE.sub("", name)
    name = POSSESSIVE.sub("", name) if name.endswith(("'s", "'")) else name
    return name.strip(QUOTE_CHARS + " ")


def name_tokens(text: str) -> list[str]:
    """Words of a name without honorifics, punctuation or function words."""
    words = NON_WORD.sub(" ", clean_name(text)).split()
    return [w for w in words if w not in HONORIFICS and w not in FUNCTION_WORDS]


def person_tokens(text: str) -> list[str]:
    """Words of a person's name without the titles before it: 'Gov. Jane Doe' -> ['jane', 'doe']."""
    words = name_tokens(text)
    while len(words) > 1 and words[0] in TITLES:
        words = words[1:]
    return words


def strip_titles(name: str) -> str:
    """A cleaned person name without leading honorifics and titles: 'gov. jane doe' -> 'jane doe'."""
    words = name.split()
    while len(words) > 1 and words[0].rstrip(".") in TITLES | HONORIFICS:
        words = words[1:]
    return " ".join(words)


def is_acronym(text: str) -> bool:
    """'WHO', 'NYAG', 'S.D.', 'U.S.': two to six capitals, optionally each followed by a period."""
    letters = text.replace(".", "")
    return 2 <= len(letters) <= 6 and letters.isalpha() and letters.isupper() and (
        "." not in text or re.fullmatch(r"(?:[A-Z]\.)+", text) is not None)


def initials(words: list[str]) -> str:
    """Capital initials of a name's capitalised words ('Bureau of Land Management' -> 'BLM')."""
    return "".join(w[0] for w in words if w[:1].isupper() and w[:1].isalpha())


def abbreviates(acronym: str, name_initials: str) -> bool:
    """An acronym abbreviates a name when its letters are the name's initials, or all but one
    of them in order with the same first letter ('NYAG' for New York State Attorney General)."""
    letters = acronym.replace(".", "")
    if letters == name_initials:
        return True
    if len(letters) < 3 or len(name_initials) != len(letters) + 1 or letters[0] != name_initials[0]:
        return False
    return any(name_initials[:k] + name_initials[k + 1:] == letters for k in range(1, len(name_initials)))


@functools.lru_cache(maxsize=65536)
def romanised(word: str) -> str:
    folded = unicodedata.normalize("NFKD", word)
    folded = "".join(ch for ch in folded if not unicodedata.combining(ch))
    for a, b in ROMANISATION:
        folded = folded.replace(a, b)
    return folded


def consonants(word: str) -> str:
    return re.sub(r"[aeiouy]", "", romanised(word))


def split_places(tokens: list[str]) -> tuple[frozenset[str], list[str]]:
    """(countries named in the tokens, the other tokens): 'russian defense ministry' ->
    ({'russia'}, ['defense', 'ministry'])."""
    places, rest, i = set(), [], 0
    while i < len(tokens):
        pair = " ".join(tokens[i:i + 2])
        if len(tokens) > i + 1 and pair in COUNTRY_OF:
            places.add(COUNTRY_OF[pair])
            i += 2
        elif tokens[i] in COUNTRY_OF:
            places.add(COUNTRY_OF[tokens[i]])
            i += 1
        else:
            rest.append(tokens[i])
            i += 1
    return frozenset(places), rest


@functools.cache
def nicknamer() -> NickNamer:
    """The nicknames package's hand-curated table of English given names and their nicknames."""
    return NickNamer()


@functools.lru_cache(maxsize=4096)
def is_given_name(word: str) -> bool:
    """A name of the nicknames table, as a name or a nickname."""
    names = nicknamer()
    return bool(names.nicknames_of(word) or names.canonicals_of(word))


@functools.lru_cache(maxsize=65536)
def spelled(word: str) -> str:
    """A given name as it sounds, roughly: romanised, 'x' as 'ks', doubled letters single (Hillary/Hilary)."""
    folded = romanised(word.lower().strip(".")).replace("x", "ks")
    return re.sub(r"(.)\1+", r"\1", folded)


@functools.lru_cache(maxsize=65536)
def same_given_name(a: str, b: str) -> bool:
    """Two written given names of one person: a nickname of it (Joe/Joseph, Bill/William, Ted/Edward),
    its initial (J./John), or another spelling or romanisation of a name the nickname table does not
    list as an English name of its own (Oleksandr/Olexandr, Ganna/Hanna, Mohamed/Mohammed). Different
    names (Bill/Hillary, Gary/Harry, Ivana/Ivanka) are not."""
    a, b = a.lower().strip("."), b.lower().strip(".")
    if not a or not b:
        return False
    if len(a) == 1 or len(b) == 1:
        return a[0] == b[0]
    sa, sb = spelled(a), spelled(b)
    if sa == sb:
        return True
    names = nicknamer()
    if b in names.nicknames_of(a) or a in names.nicknames_of(b) or names.canonicals_of(a) & names.canonicals_of(b):
        return True
    if is_given_name(a) and is_given_name(b):
        return False
    sa, sb = sa.replace("g", "h"), sb.replace("g", "h")  # Cyrillic Г written G or H (Ganna/Hanna)
    return sa == sb or (consonants(sa) == consonants(sb) and fuzz.ratio(sa, sb) >= GIVEN_NAME_MATCH)


def same_middle_names(a: list[str], b: list[str]) -> bool:
    """Middle names of two full names of one person agree where both write them ('George W.' is not
    'George H. W.'); a name written without its middle name fits any."""
    if not a or not b:
        return True
    return len(a) == len(b) and all(same_given_name(x, y) for x, y in zip(a, b))


# Given names and their gender, learned from news that writes 'Mr.'/'Ms.' (scripts/train_name_genders.py).
NAME_GENDERS_PATH = Path(__file__).with_name("name_genders.json")


@functools.cache
def name_genders() -> dict[str, str]:
    return json.loads(NAME_GENDERS_PATH.read_text())


def given_name_gender(word: str) -> str | None:
    """'f' or 'm' for a given name the learned table knows ('hillary' f, 'barack' m); else None."""
    return name_genders().get(word.lower().strip("."))


def gender_of_words(words) -> str | None:
    """'f' or 'm' when the words (titles, roles, kin) say one gender only."""
    found = {gender for gender, marks in GENDER_MARKS.items() if not marks.isdisjoint(words)}
    return found.pop() if len(found) == 1 else None
