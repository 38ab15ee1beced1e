"""Learn which given names are women's and which men's from news that writes 'Mr.' and 'Ms.'.

    .venv/bin/python scripts/train_name_genders.py [--raw ../shared/external/polnear/train/raw]
                                                   [--out src/newsfacts/extract/name_genders.json]

Many outlets name a person in full once ('Jane Roe'), then as 'Ms. Roe' or 'Mrs. Roe' ('Mr. Roe' for a
man), or report 'Roe said she ...'. In each article, a surname written with exactly one given name and
with honorifics (or such pronouns) of one gender only is a vote for that given name's gender. A name is
kept when at least MIN_VOTES articles vote for it and at least AGREEMENT of its votes agree. Counting,
no randomness: the same input gives the same file.

The corpus (PolNeAR train, 2016 US political news) is the one the project may learn from; the table is
a list of given names and genders, none of its text. Leave-one-out agreement, printed at the end: for
each article's votes, the table learned without that article gives the same gender (when it has one).
"""
from __future__ import annotations

import argparse
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

MIN_VOTES = 2
AGREEMENT = 0.9
HONORIFIC = re.compile(r"\b(Mr|Mrs|Ms|Miss)\.? ([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
FULL_NAME = re.compile(r"\b([A-Z][a-z]+) (?:[A-Z]\. )?([A-Z][a-z]+(?:-[A-Z][a-z]+)?)\b")
SAID_PRONOUN = re.compile(r"\b([A-Z][a-z]+(?:-[A-Z][a-z]+)?),? (?:said|says|added|wrote|argued|insisted|noted|told \w+)"
                          r",? (?:that )?(he|she)\b")
GENDER = {"Mr": "m", "Mrs": "f", "Ms": "f", "Miss": "f", "he": "m", "she": "f"}
NOT_GIVEN = {"The", "Mr", "Mrs", "Ms", "Miss", "Dr", "President", "Senator", "Sen", "Gov", "Governor", "Rep",
             "Secretary", "Former", "Vice", "First", "Lady", "Judge", "Justice", "General", "Gen", "Speaker",
             "Chairman", "Director", "Professor", "Mayor", "Rev", "Pastor", "When", "But", "And", "In", "On", "At",
             "If", "As", "For", "With", "After", "Before", "Democrat", "Republican", "Democratic", "Sir", "Lord"}


def article_votes(text: str) -> dict[str, str]:
    """Given name -> gender, from one article (see the module's docstring)."""
    honorifics: dict[str, set[str]] = defaultdict(set)
    for title, surname in HONORIFIC.findall(text) + [(p, n) for n, p in SAID_PRONOUN.findall(text)]:
        honorifics[surname].add(GENDER[title])
    given: dict[str, set[str]] = defaultdict(set)
    for first, surname in FULL_NAME.findall(text):
        if first not in NOT_GIVEN and surname in honorifics:
            given[surname].add(first.lower())
    votes = {}
    for surname, names in given.items():
        if len(names) == 1 and len(honorifics[surname]) == 1:
            votes[names.pop()] = next(iter(honorifics[surname]))
    return votes


def table(votes: list[dict[str, str]]) -> dict[str, str]:
    counts: dict[str, Counter] = defaultdict(Counter)
    for article in votes:
        for name, gender in article.items():
            counts[name][gender] += 1
    result = {}
    for name, count in sorted(counts.items()):
        gender, n = count.most_common(1)[0]
        if n >= MIN_VOTES and n >= AGREEMENT * sum(count.values()):
            result[name] = gender
    return result


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--raw", type=Path, default=Path("../shared/external/polnear/train/raw"))
    parser.add_argument("--out", type=Path, default=Path("src/newsfacts/extract/name_genders.json"))
    args = parser.parse_args()
    votes = [article_votes(path.read_text(errors="replace")) for path in sorted(args.raw.glob("*.txt"))]
    learned = table(votes)
    args.out.write_text(json.dumps(learned, indent=0, sort_keys=True) + "\n")
    right = judged = 0
    for k, article in enumerate(votes):
        held_out = table(votes[:k] + votes[k + 1:])
        for name, gender in article.items():
            if name in held_out:
                judged += 1
                right += held_out[name] == gender
    women = sum(g == "f" for g in learned.values())
    print(f"{len(learned)} given names ({women} women's, {len(learned) - women} men's) from {len(votes)} articles")
    print(f"leave-one-article-out agreement: {right}/{judged} = {right / max(judged, 1):.3f}")


if __name__ == "__main__":
    main()
