"""Build a wire-copy test folder: every text of a raw folder carried by five invented sites.

Each output file is one page's text between one site's header lines and footer lines (the same for
all of that site's pages), so repetition across the batch sees five copies of every article and a
chrome that repeats on each site's pages. Usage:

    python scripts/syndicate_texts.py RAW_DIR OUT_DIR
    newsfacts run --raw OUT_DIR --warehouse /tmp/wh-syndicated --full-refresh
"""
from __future__ import annotations

import sys
from pathlib import Path

SITES = [
    (["Harbour Times", "Home", "World", "Business", "Sport"], ["About us", "Contact", "Privacy policy", "© Harbour Times"]),
    (["The Upland Echo", "Menu", "Local", "Politics", "Culture"], ["Advertise", "Careers", "Terms", "Upland Echo Media Group"]),
    (["Morning Lantern", "Latest", "Regions", "Opinion", "Video"], ["Newsletters", "Help centre", "Cookie settings",
                                                                     "Morning Lantern Ltd"]),
    (["Riverside Daily", "Front page", "Courts", "Schools", "Weather"], ["Archive", "Our team", "Complaints",
                                                                         "Riverside Daily Press"]),
    (["Plains Observer", "Sections", "Farming", "Markets", "Events"], ["Jobs", "Subscribe", "Reader help",
                                                                       "Plains Observer Company"]),
]


def main(raw_dir: Path, out_dir: Path) -> int:
    out_dir.mkdir(parents=True, exist_ok=True)
    pages = sorted(raw_dir.glob("*.txt"))
    for page in pages:
        text = page.read_text(encoding="utf-8", errors="surrogateescape")
        for n, (header, footer) in enumerate(SITES):
            copy = "\n".join(header) + "\n\n" + text + "\n\n" + "\n".join(footer) + "\n"
            (out_dir / f"{page.stem}-s{n}.txt").write_text(copy, encoding="utf-8", errors="surrogateescape")
    print(f"{len(pages)} texts x {len(SITES)} sites -> {out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]), Path(sys.argv[2])))
