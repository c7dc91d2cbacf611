"""Which language does reelcast narrate a page in? Against what the page declares, on the Readability corpus.

    python bench/language.py [--corpus ../shared/corpus]

For every page whose expected metadata names a language (Readability's `lang`, what the page
declares): the language reelcast settles on (the declaration, unless the text clearly says
otherwise), and the detector's own guess from the text alone. Prints how often each agrees with the
declaration, every page where they differ (a wrong declaration or a detector's slip: read them),
and what detection costs: loading the model once per process, then milliseconds per page.
"""

from __future__ import annotations

import argparse
import json
import statistics
import time
from pathlib import Path

from reelcast.errors import ExtractError
from reelcast.extract import extract
from reelcast.language import _identifier, detect, primary
from reelcast.models import RawPage

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    args = parser.parse_args()

    start = time.perf_counter()
    _identifier()
    load_s = time.perf_counter() - start

    rows, detect_ms = [], []
    for folder in sorted((args.corpus / "readability").iterdir()):
        metadata = folder / "expected-metadata.json"
        if not metadata.is_file() or not (declared := json.loads(metadata.read_text(encoding="utf-8")).get("lang")):
            continue
        page = RawPage(source=folder.name, content=(folder / "source.html").read_bytes())
        try:
            article = extract(page)
        except ExtractError:
            continue
        text = " ".join(article.paragraphs)
        start = time.perf_counter()
        guess = detect(text)
        detect_ms.append((time.perf_counter() - start) * 1000)
        rows.append((folder.name, declared, article.language or "-", guess[0] if guess else "-"))

    def agree(column: int) -> int:
        return sum(1 for row in rows if row[column] != "-" and primary(row[column]) == primary(row[1]))

    print(f"{len(rows)} pages that declare a language\n")
    print("| who | agrees with the declaration |")
    print("| --- | ---: |")
    print(f"| reelcast (declaration unless the text clearly differs) | {agree(2)} of {len(rows)} |")
    print(f"| py3langid alone, on the extracted text | {agree(3)} of {len(rows)} |")
    print("\n| page | declared | reelcast | detected |")
    print("| --- | --- | --- | --- |")
    for name, declared, chosen, guess in rows:
        if primary(chosen) != primary(declared) or primary(guess) != primary(declared):
            print(f"| {name} | {declared} | {chosen} | {guess} |")
    print(f"\nmodel load: {load_s:.2f} s once per process; detection: median {statistics.median(detect_ms):.1f} ms, "
          f"max {max(detect_ms):.1f} ms per page")


if __name__ == "__main__":
    main()
