"""How fast a large runbook set loads and compiles, against parsing its TOML and nothing more.

Generates a set whose one scenario recognises a product catalogue: a term list of 100,000
pseudo-German product names (one to three words each, so phrases too) that a rule uses as
`$catalogue`, in a temporary directory. Then prints:

* the baseline: `tomllib.loads` of the same files, which any loading has to do;
* loading and checking the set (`load_runbook_set`: parse, validate, expand, lint);
* compiling its rules as the war room does (`RuleMatcher`: fold every term, index its words
  for inflections, typos and compounds);
* the two together, in seconds and terms per second, and their ratio to the baseline.

    python benchmarks/ruleset_bench.py [--terms 100000] [--seed 7]
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
import tomllib
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TypeVar

from smwar.runbooks.loader import load_runbook_set, runbook_files
from smwar.runbooks.matcher import RuleMatcher

SYLLABLES = [c + v for c in "bdfghklmnprstwz" for v in ("a", "e", "i", "o", "u", "ei", "au", "ie")]
SCENARIO = """\
[[scenario]]
id = "recall"
title = "Product recall"
severity = "high"
threshold = 0.9

[scenario.trigger]
mentions = 3
within = "10m"

[[scenario.rule]]
id = "us"
any = ["$company"]
weight = 0.5
required = true

[[scenario.rule]]
id = "product"
any = ["$catalogue"]
weight = 0.5

[[scenario.step]]
id = "notify"
title = "Notify the product team"
role = "lead"
deadline = "10m"
"""
ResultT = TypeVar("ResultT")


def product_names(count: int, seed: int) -> list[str]:
    """`count` distinct names of one to three pseudo words of two to four syllables."""
    rng = random.Random(seed)
    names: set[str] = set()
    while len(names) < count:
        words = rng.choices((1, 2, 3), weights=(5, 3, 1))[0]
        names.add(" ".join("".join(rng.choices(SYLLABLES, k=rng.randint(2, 4))).capitalize() for _ in range(words)))
    return sorted(names)


def write_set(folder: Path, names: list[str]) -> Path:
    (folder / "plan.toml").write_text('[company]\nname = "Benchmark AG"\nnames = ["Benchmark"]\n', encoding="utf-8")
    listed = "".join(f'  "{name}",\n' for name in names)
    (folder / "catalogue.toml").write_text(f"[terms]\ncatalogue = [\n{listed}]\n", encoding="utf-8")
    (folder / "recall.toml").write_text(SCENARIO, encoding="utf-8")
    return folder


def timed(run: Callable[[], ResultT]) -> tuple[ResultT, float]:
    started = time.perf_counter()
    result = run()
    return result, time.perf_counter() - started


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--terms", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as temporary:
        folder = write_set(Path(temporary), product_names(args.terms, args.seed))
        texts = [file.read_text(encoding="utf-8") for file in runbook_files(folder)]
        size = sum(len(text.encode()) for text in texts)
        print(f"Generated: {args.terms:,} terms in {len(texts)} files, {size / 1e6:.2f} MB of TOML")
        _, baseline = timed(lambda: [tomllib.loads(text) for text in texts])
        runbooks, loading = timed(lambda: load_runbook_set(folder))
    _, compiling = timed(lambda: RuleMatcher(runbooks.scenarios, runbooks.deescalation))
    total = loading + compiling
    print(f"baseline (tomllib.loads): {baseline:7.2f} s")
    print(f"load and check:           {loading:7.2f} s")
    print(f"compile the rules:        {compiling:7.2f} s")
    print(f"load and compile:         {total:7.2f} s  ({args.terms / total:,.0f} terms/s)")
    print(f"ratio to baseline:        {total / baseline:7.1f} x")


if __name__ == "__main__":
    main()
