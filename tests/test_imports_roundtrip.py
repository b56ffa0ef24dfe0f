"""Round trip: the office's Jawaban worksheet, downloaded as CSV or XLSX and read back with `report --input`,
gives the same report as the store gives `report --session` (IKM, per-unsur answers, respondents, profile,
saran, perbaikan), for any set of responses.

Both sides run the product's own code: the store side is the records `report --session` builds from counted
responses (`tests.test_report_from_store.reference_records` → `reports.frame`), the sheet side is the Jawaban rows the
bot writes (`bot.domain.worksheets.response_row`, the local workbook for XLSX) and the reader behind
`report --input`.  No database or emulator: a property test must stay fast.
"""

import csv
import io
from datetime import datetime, timedelta
from types import SimpleNamespace
from zoneinfo import ZoneInfo

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.domain.reporting import Scope, build
from bot.domain.response_import import reader_hints
from bot.domain.survey.definition import load_definition
from bot.domain.worksheets import jawaban_spec, response_row
from bot.store.surveys import CountedResponse, Response
from reports.frame import responses_frame
from reports.responses_input import read_responses, read_table, table_from_rows
from sheets.local_xlsx import LocalWorkbook
from sheets.workbook import cell_value

from .test_report_from_store import reference_records

TZ = ZoneInfo("Asia/Jakarta")
DEFN = load_definition("ngopas")
SCORED = [q.key for q in DEFN.questions if q.kind in ("ikm", "scale")]
CHOICES = {q.key: [o.value for o in q.options] for q in DEFN.questions if q.kind == "choice"}
FOLLOWUP_KEYS = [q.key for q in DEFN.questions if q.followup_on_low]
SESSION = SimpleNamespace(id=7, title="Dialog Kerukunan", section="Bimas Islam")
START = datetime(2026, 3, 20, 10, 0, tzinfo=TZ)

# What people type: letters, digits, punctuation, a line break; sometimes nothing ("-", "tidak ada").
TEXT = st.one_of(
    st.sampled_from(["-", "tidak ada", "", "  ", "Sound kurang keras", "Terima kasih; mantap!"]),
    st.text(st.characters(categories=("L", "N", "P", "Zs"), include_characters="\n="), max_size=40),
)


@st.composite
def responses(draw):
    out = []
    for i in range(draw(st.integers(1, 6))):
        answers: dict[str, str | None] = {}
        for key in SCORED:
            answers[key] = draw(st.sampled_from([None, "1", "2", "3", "4"]))
        for key, values in CHOICES.items():
            answers[key] = draw(st.sampled_from([None, *values]))
        answers["saran"] = draw(st.none() | TEXT)
        followups = {
            k: draw(TEXT) for k in draw(st.lists(st.sampled_from(FOLLOWUP_KEYS), max_size=2, unique=True))
        }
        out.append(
            Response(
                id=f"R{i:04d}",
                session_id=SESSION.id,
                respondent=f"p{i}",
                definition_id=DEFN.id,
                definition_version=DEFN.version,
                channel="telegram",
                answers={k: v for k, v in answers.items() if v is not None},
                followups=followups,
                started_at=None,
                finished_at=START + timedelta(minutes=7 * i),
                # Some were replaced by their author's later answer: in the sheet, never in the report.
                replaced_by=draw(st.sampled_from([None, None, f"R{i + 1:04d}"])),
            )
        )
    return out


def _report(frame) -> dict:
    data = build(frame, Scope(), office_name="Kemenag").report.to_json_dict()
    return {k: v for k, v in data.items() if k not in ("title", "generated_at")}


def _from_store(rows: list[Response]) -> dict:
    counted = [
        CountedResponse(
            r.id,
            r.session_id,
            SESSION.title,
            SESSION.section,
            r.finished_at,
            r.channel,
            r.answers,
            r.followups,
        )
        for r in rows
        if r.replaced_by is None
    ]
    return _report(responses_frame(reference_records(counted, DEFN), scored=SCORED, tz=TZ))


def _jawaban(rows: list[Response]) -> tuple[list[str], list[dict]]:
    spec = jawaban_spec(DEFN)
    return list(spec.headers), [response_row(r, SESSION, DEFN, TZ) for r in rows]


def _read_back(table) -> dict:
    return _report(read_responses(table, tz=TZ, **reader_hints(DEFN, values=False)).frame)


def _has_answers(rows: list[Response]) -> bool:
    counted = [r for r in rows if r.replaced_by is None]
    return any(r.answers.get(q.key) for r in counted for q in DEFN.questions if q.kind == "ikm")


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=responses())
def test_jawaban_downloaded_as_csv_reads_back_to_the_same_report(rows):
    if not _has_answers(rows):
        return
    headers, values = _jawaban(rows)
    text = io.StringIO()
    writer = csv.writer(text)  # as Google Sheets' "Download → CSV" writes it
    writer.writerow(headers)
    for row in values:
        writer.writerow([cell_value(row.get(h)) for h in headers])
    table = table_from_rows(list(csv.reader(io.StringIO(text.getvalue()))), "Jawaban.csv")
    assert _read_back(table) == _from_store(rows)


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(rows=responses())
def test_jawaban_in_the_bots_workbook_reads_back_to_the_same_report(rows, tmp_path_factory):
    if not _has_answers(rows):
        return
    path = tmp_path_factory.mktemp("wb") / "ngopas.xlsx"
    spec = jawaban_spec(DEFN)
    book = LocalWorkbook(path)
    book.ensure([spec])
    book.append_rows(spec, _jawaban(rows)[1])
    assert _read_back(read_table(path)) == _from_store(rows)
