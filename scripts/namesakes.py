"""People merged into one entity: published PERSON entities whose forms carry two given names.

    python scripts/namesakes.py --warehouse DIR [--list]

Reads DIR/newsfacts.duckdb (read-only) and prints how many PERSON entities write two different
given names among their surface forms (`evaluate.namesake_entities`), with --list each of them.
Should be 0: two people of one family ('Bill Clinton', 'Hillary Clinton') are two entities.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import duckdb

from newsfacts.evaluate import namesake_entities


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--warehouse", type=Path, required=True)
    parser.add_argument("--list", action="store_true")
    args = parser.parse_args()
    with duckdb.connect(str(args.warehouse / "newsfacts.duckdb"), read_only=True) as con:
        rows = con.sql("SELECT canonical_name, entity_type, surface_forms FROM entities").fetchall()
    entities = [{"canonical_name": n, "entity_type": t, "surface_forms": f} for n, t, f in rows]
    found = namesake_entities(entities)
    print(f"person entities with two given names: {len(found)} of {sum(t == 'PERSON' for _, t, _ in rows)}")
    if args.list:
        for name, given in found:
            print(f"  {name}: {', '.join(given)}")


if __name__ == "__main__":
    main()
