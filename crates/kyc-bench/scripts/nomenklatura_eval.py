#!/usr/bin/env python3
"""Score kyc's synthetic labelled set with OpenSanctions' nomenklatura logic-v1.

Baseline for the kyc-screening evaluation. Reads the two files the Rust side
writes (`crates/kyc-screening/src/evaluation.rs`):

* ``--list``: the sanctions list as FollowTheMoney JSON lines
  (``list_to_ftm_lines``: ``{"id", "schema", "properties": {...}}``);
* ``--queries``: the labelled queries as JSON lines (``queries_to_json_lines``:
  ``{"class", "query", "birth_date", "country", "kind", "expected"}``);

and prints one JSON object on stdout::

    {"scorer": "nomenklatura logic-v1 <version>", "threshold": T,
     "classes": [{"class": "...", "cases": n, "hits": h}, ...]}

with the semantics of the Rust ``ClassResult``: for a positive class, ``hits``
counts queries whose expected entry scored >= T; for a negative class
(``neg_*``), ``hits`` counts queries for which any entry scored >= T. Classes
are listed in the order they first appear in the queries file.

Each query is built the way yente (OpenSanctions' matching API) builds a
``/match`` query entity (``yente.data.entity.Entity.from_example``): an empty
entity of the query's schema, values added with ``unsafe_add(..., cleaned=False,
fuzzy=True)``. Persons get ``name``, ``birthDate`` and ``nationality``;
organisations get schema ``Organization`` with ``name`` and ``country``.

There is no candidate retrieval: nomenklatura 4.x's only index
(``nomenklatura.blocker.Index``) is a DuckDB blocker for cross-referencing
stores, not a query-time search, so every query is scored against every list
entity whose schema it can match (what ``HeuristicAlgorithm.compare`` itself
checks). That is exhaustive, i.e. at least as good as any blocking for recall.

The default threshold, 0.70, is yente's ``SCORE_THRESHOLD`` (yente/settings.py,
"Default scoring threshold for /match results"), applied there as
``score >= threshold``; nomenklatura itself defines no match threshold.

Tested with (see requirements-nomenklatura.txt next to this file):
    nomenklatura==4.17.4, followthemoney==4.11.2, rigour==2.6.1 (Python 3.11)
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from importlib.metadata import version
from typing import Any

from followthemoney import EntityProxy, model
from nomenklatura.matching import LogicV1
from nomenklatura.matching.types import ScoringConfig

# yente/settings.py: SCORE_THRESHOLD = 0.70 (yente applies it as score >= threshold).
DEFAULT_THRESHOLD = 0.70


def read_json_lines(path: str) -> list[dict[str, Any]]:
    rows = []
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rows.append(json.loads(line))
            except json.JSONDecodeError as exc:
                sys.exit(f"{path}:{number}: invalid JSON: {exc}")
    return rows


def load_list(path: str) -> list[EntityProxy]:
    entities = []
    for row in read_json_lines(path):
        # cleaned=False: FollowTheMoney validates and normalises every value.
        entities.append(model.get_proxy(row, cleaned=False))
    return entities


def query_entity(row: dict[str, Any], number: int) -> EntityProxy:
    kind = row["kind"]
    if kind == "Person":
        schema, country_prop = "Person", "nationality"
    elif kind == "Organization":
        schema, country_prop = "Organization", "country"
    else:
        sys.exit(f"query {number}: unknown kind {kind!r}")
    entity = model.make_entity(schema)
    entity.id = f"query-{number}"
    values = [("name", row["query"])]
    if schema == "Person" and row.get("birth_date"):
        values.append(("birthDate", row["birth_date"]))
    if row.get("country"):
        values.append((country_prop, row["country"]))
    for prop, value in values:
        entity.unsafe_add(entity.schema.get(prop), value, cleaned=False, fuzzy=True)
    return entity


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--list", required=True, help="list as FtM JSON lines")
    parser.add_argument("--queries", required=True, help="labelled queries, JSON lines")
    parser.add_argument(
        "--threshold",
        type=float,
        default=DEFAULT_THRESHOLD,
        help=f"match threshold, score >= T (default {DEFAULT_THRESHOLD}, yente's)",
    )
    args = parser.parse_args()

    entities = load_list(args.list)
    rows = read_json_lines(args.queries)
    print(f"{len(entities)} list entities, {len(rows)} queries", file=sys.stderr)

    classes: dict[str, dict[str, Any]] = {}  # insertion order = first appearance
    started = time.monotonic()
    pairs = 0
    for number, row in enumerate(rows, 1):
        query = query_entity(row, number)
        config = ScoringConfig.defaults()
        matched = set()
        for candidate in entities:
            if not query.schema.can_match(candidate.schema):
                continue
            pairs += 1
            result = LogicV1.compare(query, candidate, config)
            if result.score >= args.threshold:
                matched.add(candidate.id)
        expected = row.get("expected")
        hit = expected in matched if expected is not None else bool(matched)
        entry = classes.setdefault(
            row["class"], {"class": row["class"], "cases": 0, "hits": 0}
        )
        entry["cases"] += 1
        entry["hits"] += int(hit)
        if number % 25 == 0 or number == len(rows):
            elapsed = time.monotonic() - started
            print(
                f"{number}/{len(rows)} queries, {pairs} pairs, {elapsed:.1f}s"
                f" ({1e3 * elapsed / max(pairs, 1):.2f} ms/pair)",
                file=sys.stderr,
            )

    report = {
        "scorer": f"nomenklatura {LogicV1.NAME} {version('nomenklatura')}",
        "threshold": args.threshold,
        "classes": list(classes.values()),
    }
    print(json.dumps(report))


if __name__ == "__main__":
    main()
