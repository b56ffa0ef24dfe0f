"""The running bot stays light (issue 17 #6): pandas, numpy and the report renderers load only when a
report is made, not when the bot starts, nor when its live tallies (the Ringkasan sheet, the follow-up
proposals) turn answers into IKM figures during a survey.  Each check runs in a fresh interpreter, where
`sys.modules` shows exactly what the code path imported."""

from __future__ import annotations

import json
import subprocess
import sys

HEAVY = ("pandas", "numpy", "matplotlib", "openpyxl", "fpdf", "docx")

LIVE_TALLY = """
import json, sys
import bot.telegram.app  # every handler, job and sweep of `ngopas run`
from bot.domain import tally
from bot.store.tally import Tally, TallyRow

sums = {"persyaratan": 7, "prosedur": 8}
counts = {"persyaratan": 2, "prosedur": 2}
rows = [TallyRow("Dialog", "PHU", Tally(1, 20263, 2, sums, counts))]
lines = tally.summary(rows)
print(json.dumps({
    "ikm": [line.result.ikm_rounded for line in lines],
    "labels": sorted({line.group for line in lines}),
    "loaded": sorted(name for name in sys.modules if name.split(".")[0] in %r),
}))
"""


def test_bot_and_its_live_tally_do_not_load_pandas_or_report_libraries() -> None:
    out = subprocess.run(
        [sys.executable, "-c", LIVE_TALLY % (HEAVY,)], check=True, capture_output=True, text=True
    ).stdout
    seen = json.loads(out)
    # The tally really computed: NRR 3.5 and 4 over two unsur → IKM 93.75 for each grouping.
    assert seen["ikm"] == [93.75, 93.75, 93.75]
    assert "2026-Q3" in seen["labels"]
    assert seen["loaded"] == []


STORED_ANSWER_COUNTED = """
import json, sys, tempfile
from datetime import datetime, UTC
from pathlib import Path
import bot.telegram.app
from bot.base.clock import Clock
from bot.dev.sandbox import sandbox_settings
from bot.domain import report_counts
from bot.domain.runtime import Runtime
from bot.store.surveys import Response

rt = Runtime(sandbox_settings(Path(tempfile.mkdtemp())), None, Clock())
answer = Response(
    id="R1", session_id=3, respondent="x", definition_id="ikm", definition_version=1, channel="telegram",
    answers={"persyaratan": "4", "prosedur": "3", "saran": "Parkir diperluas"}, followups={},
    started_at=None, finished_at=datetime(2026, 7, 31, 18, 0, tzinfo=UTC), replaced_by=None,
)
groups, answers, texts = report_counts._count_one(rt, answer)
print(json.dumps({
    "groups": [[list(k), v] for k, v in groups.items()],
    "answers": sorted([k[1], k[2], n] for k, n in answers.items()),
    "texts": [t[3:] for t in texts],
    "loaded": sorted(name for name in sys.modules if name.split(".")[0] in %r),
}))
"""


def test_an_answer_is_counted_for_the_report_without_loading_pandas() -> None:
    """The report's kept counts grow with every stored answer; counting one must not load pandas (0.5 s on
    the event loop at the first answer after a start, and some 40 MB kept for good)."""
    out = subprocess.run(
        [sys.executable, "-c", STORED_ANSWER_COUNTED % (HEAVY,)], check=True, capture_output=True, text=True
    ).stdout
    seen = json.loads(out)
    # 18.00 UTC on 31 July is 1 August in Magelang: the answer counts in August's group.
    assert seen["groups"][0][0] == [3, 202608, "telegram"]
    assert seen["groups"][0][1][:3] == [1, 1, 0]
    assert ["persyaratan", 4, 1] in seen["answers"] and ["prosedur", 3, 1] in seen["answers"]
    assert seen["texts"][0][0] == "saran" and seen["texts"][0][1] == "Parkir diperluas"
    assert seen["loaded"] == []


SETTLED = """
import gc, json
import bot.telegram.app  # every handler, job and sweep of `ngopas run`
from bot.base import heap

gc.collect()
tracked = len(gc.get_objects())
frozen = heap.settle()
print(json.dumps({"tracked": tracked, "frozen": frozen, "left": len(gc.get_objects())}))
"""


def test_the_running_bots_start_up_heap_is_left_out_of_every_full_garbage_collection() -> None:
    """A full collection scanned the ~155,000 objects of the bot's imports each time (130-260 ms of a
    stalled event loop on two cores); `ngopas run` sets them aside once it runs (bot.telegram.app)."""
    seen = json.loads(
        subprocess.run([sys.executable, "-c", SETTLED], check=True, capture_output=True, text=True).stdout
    )
    assert seen["tracked"] > 100_000  # the imports' objects
    assert seen["frozen"] >= seen["tracked"] * 0.95
    assert seen["left"] < 1_000  # what a full collection still scans


def test_the_running_bot_keeps_few_malloc_arenas_on_linux() -> None:
    """`ngopas run` limits glibc's malloc to two arenas before its threads start (bot.base.heap): each of
    the many SQLite and worker threads otherwise kept freed memory of its own (bench.footprint)."""
    out = subprocess.run(
        [sys.executable, "-c", "from bot.base import heap; print(heap.limit_malloc_arenas())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert out.strip() == ("True" if sys.platform.startswith("linux") else "False")
