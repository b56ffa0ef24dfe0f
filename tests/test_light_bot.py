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
