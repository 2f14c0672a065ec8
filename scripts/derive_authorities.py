"""Derive Crosscheck's licensing-authority table from mySociety's reference data.

Source: mySociety, UK Local Authority Names and Codes, CC-BY-4.0
(package uk_la_past_current 1.6.1). Run from the project root:

    uv run python scripts/derive_authorities.py ../shared/data/uk_local_authorities_current.csv

It rewrites registry/data/authorities.csv, which is committed: the product never reads
../shared at run time.
"""

import csv
import sys
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "registry" / "data" / "authorities.csv"

# ONS recoded these in 2025; the mySociety file still carries the old codes.
RECODED = {"E08000016": "E08000038", "E08000019": "E08000039"}

# Transport for London licenses all of London and has no district GSS code.
TFL_CODE = "TFL"

KINDS = {
    "E06": "unitary",
    "E07": "shire_district",
    "E08": "metropolitan_district",
    "W06": "welsh_unitary",
    "S12": "scottish_council",
}


def licensing_rows(rows):
    london_population = 0
    for row in rows:
        if row["current-authority"] != "True":
            continue
        nation, gss = row["nation"], row["gss-code"]
        if nation == "Scotland":
            yield authority(row, gss, [], licenses=False)
            continue
        if row["lower-or-unitary"] != "True" or nation not in ("England", "Wales"):
            continue
        if gss.startswith("E09"):
            london_population += int(float(row["pop-2020"] or 0))
            continue
        new_code = RECODED.get(gss)
        if new_code:
            yield authority(row, new_code, [gss], licenses=True, valid_from="2025-04-01")
        else:
            yield authority(row, gss, [], licenses=True)
    yield {
        "code": TFL_CODE,
        "name": "Transport for London",
        "official_name": "Transport for London",
        "nation": "England",
        "region": "London",
        "kind": "transport_for_london",
        "licenses_drivers": "true",
        "population": london_population,
        "valid_from": "2000-07-03",
        "former_codes": "",
    }


def authority(row, code, former, *, licenses, valid_from=None):
    return {
        "code": code,
        "name": row["nice-name"],
        "official_name": row["official-name"],
        "nation": row["nation"],
        "region": row["region"],
        "kind": KINDS[code[:3]],
        "licenses_drivers": "true" if licenses else "false",
        "population": int(float(row["pop-2020"] or 0)),
        "valid_from": valid_from or row["start-date"] or "1974-04-01",
        "former_codes": ";".join(former),
    }


def main(source):
    with open(source, newline="", encoding="utf-8") as f:
        rows = sorted(licensing_rows(csv.DictReader(f)), key=lambda r: r["code"])
    with open(OUT, "w", newline="", encoding="utf-8") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    print(f"wrote {len(rows)} authorities to {OUT}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "../shared/data/uk_local_authorities_current.csv")
