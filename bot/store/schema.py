"""Table definitions (SQLAlchemy Core), shared by SQLite and PostgreSQL.

These are the models; the database gets them only through the revisions in `migrations/versions`.  A change
here needs a new revision too: tests/test_migrations.py fails while the two disagree.

Times are stored as UTC (`UTCDateTime`) and come back aware, so nothing downstream ever compares a naive
time with an aware one; display converts to the office's timezone.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.types import TypeDecorator


class UTCDateTime(TypeDecorator[datetime]):
    """Aware datetimes in, aware UTC datetimes out; stored naive-UTC so both databases agree."""

    impl = DateTime
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; use aware datetimes")
        return value.astimezone(UTC).replace(tzinfo=None)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC)


metadata = MetaData()

chat = Table(
    "chat",
    metadata,
    Column("id", BigInteger, primary_key=True, autoincrement=False),
    Column("type", String(16), nullable=False),
    Column("title", Text),
    Column("language", String(8), nullable=False, default="id"),
    Column("active", Boolean, nullable=False, default=True),
    Column("inactive_reason", Text),
    Column("added_by", BigInteger),
    Column("migrated_to", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

subscription = Table(
    "subscription",
    metadata,
    Column("chat_id", BigInteger, ForeignKey("chat.id", ondelete="CASCADE"), primary_key=True),
    # "*" means every section, including sections the office adds later.
    Column("section", String(80), primary_key=True),
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
)

session = Table(
    "session",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("section", String(80), nullable=False),
    Column("venue", Text, nullable=False, default=""),
    Column("starts_at", UTCDateTime, nullable=False),
    Column("ends_at", UTCDateTime, nullable=False),
    Column("zoom_url", Text),
    Column("youtube_url", Text),
    Column("speaker", Text),
    Column("status", String(16), nullable=False, default="planned"),
    # Bumped whenever the time changes, so reminders for the new time are scheduled afresh.
    Column("rev", Integer, nullable=False, default=1),
    # Bumped on every edit, so each change notice is queued exactly once.
    Column("version", Integer, nullable=False, default=1),
    Column("survey_closes_at", UTCDateTime, nullable=False),
    Column("population", Integer),
    Column("source", String(16), nullable=False, default="cli"),
    Column("external_key", String(120), unique=True),
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    # --- revision 0014: the venue's pin, and the series an occurrence belongs to -----------------------
    Column("latitude", Float),
    Column("longitude", Float),
    # No foreign key: SQLite cannot add one to an existing table without rebuilding it; the store keeps it.
    Column("series_id", Integer),
    # The start the series' rule gave this occurrence (it stays when staff move the occurrence), so the rule
    # expanded again (a restart, the next sweep) finds it and never creates it twice.
    Column("occurrence_at", UTCDateTime),
)
Index("ix_session_starts", session.c.starts_at)
Index("uq_session_occurrence", session.c.series_id, session.c.occurrence_at, unique=True)

# A recurring session ("setiap Jumat pertama"): the template its occurrences are made from, ahead of time.
series = Table(
    "series",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("title", Text, nullable=False),
    Column("section", String(80), nullable=False),
    Column("venue", Text, nullable=False, default=""),
    Column("latitude", Float),
    Column("longitude", Float),
    Column("zoom_url", Text),
    Column("youtube_url", Text),
    Column("speaker", Text),
    # RFC 5545 RRULE (without DTSTART), e.g. "FREQ=MONTHLY;BYDAY=1FR"; `repeat` is the words staff typed.
    Column("rule", Text, nullable=False),
    Column("repeat", Text),
    Column("first_starts_at", UTCDateTime, nullable=False),
    Column("duration_minutes", Integer, nullable=False),
    Column("status", String(16), nullable=False, default="planned"),
    # Occurrences starting up to here exist as sessions (the horizon reached so far).
    Column("made_until", UTCDateTime),
    Column("source", String(16), nullable=False, default="cli"),
    Column("external_key", String(120), unique=True),
    Column("created_by", BigInteger),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

schedule = Table(
    "schedule",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), nullable=False),
    Column("kind", String(40), nullable=False),
    Column("rev", Integer, nullable=False),
    Column("due_at", UTCDateTime, nullable=False),
    Column("state", String(12), nullable=False, default="pending"),
    Column("done_at", UTCDateTime),
    UniqueConstraint("session_id", "kind", "rev", name="uq_schedule_once"),
)
Index("ix_schedule_due", schedule.c.state, schedule.c.due_at)

outbox = Table(
    "outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("key", String(200), nullable=False, unique=True),
    Column("kind", String(40), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("session_id", Integer),
    Column("payload", JSON, nullable=False),
    Column("priority", Integer, nullable=False, default=5),
    Column("due_at", UTCDateTime, nullable=False),
    # pending -> sending -> sent | dropped | uncertain (process died mid-request) | cancelled
    Column("state", String(12), nullable=False, default="pending"),
    Column("attempts", Integer, nullable=False, default=0),
    Column("claimed_by", String(64)),
    Column("claimed_until", UTCDateTime),
    Column("sent_at", UTCDateTime),
    Column("message_id", BigInteger),
    Column("error", Text),
    Column("created_at", UTCDateTime, nullable=False),
)
Index("ix_outbox_due", outbox.c.state, outbox.c.due_at)

meta = Table(
    "meta",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("value", JSON),
)

# The legacy marker: before Alembic (0.1.0) this listed the migrations a database had, and those releases
# refuse a database that lists a name they do not know.  Kept, and written by revisions 0001-0005 (0005 adds
# "0005_alembic"), so an older release refuses a database upgraded by Alembic; `alembic_version` now holds the
# schema's revision (bot/store/migrate.py).
schema_migrations = Table(
    "schema_migrations",
    metadata,
    Column("name", String(120), primary_key=True),
    Column("applied_at", UTCDateTime, nullable=False),
)

# --- survey (migration 0002) ---------------------------------------------------------------------------

survey_draft = Table(
    "survey_draft",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    # HMAC pseudonym of session and Telegram user id (one per person per session, no id stored; rows from
    # before revision 0008 hold the one pseudonym those releases gave a person for every session).
    Column("respondent", String(64), primary_key=True),
    # The private chat to edit/remind in: a route only, deleted with the draft when the survey is sent,
    # cancelled, or its window closes (bot.domain.retention).
    Column("chat_id", BigInteger, nullable=False),
    Column("message_id", BigInteger),
    Column("language", String(8), nullable=False, default="id"),
    Column("definition_id", String(40), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("ipak", Boolean, nullable=False, default=False),
    Column("current", String(80), nullable=False),
    # Increments on every accepted step; buttons carry it, so a stale or double press changes nothing.
    Column("step", Integer, nullable=False, default=0),
    Column("answers", JSON, nullable=False),
    Column("followups", JSON, nullable=False),
    Column("history", JSON, nullable=False),
    Column("replaces", String(40)),
    Column("started_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("reminded_at", UTCDateTime),
)
Index("ix_draft_updated", survey_draft.c.updated_at)

response = Table(
    "response",
    metadata,
    Column("id", String(40), primary_key=True),
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), nullable=False),
    Column("respondent", String(64), nullable=False),
    Column("definition_id", String(40), nullable=False),
    Column("definition_version", Integer, nullable=False),
    Column("channel", String(16), nullable=False, default="telegram"),
    Column("answers", JSON, nullable=False),
    Column("followups", JSON, nullable=False),
    Column("started_at", UTCDateTime),
    Column("finished_at", UTCDateTime, nullable=False),
    # Set when the same person answered again and chose to replace this one: never two counted.
    Column("replaced_by", String(40)),
    # An imported row's fingerprint (reports.responses_input.fingerprints): the same row imported again is
    # recognised and not counted twice.  None for answers given in the chat (migration 0009).
    Column("import_fingerprint", String(64)),
)
Index("ix_response_session", response.c.session_id)
Index("uq_response_import_fingerprint", response.c.import_fingerprint, unique=True)
Index(
    "uq_response_current",
    response.c.session_id,
    response.c.respondent,
    unique=True,
    sqlite_where=response.c.replaced_by.is_(None),
    postgresql_where=response.c.replaced_by.is_(None),
)

# --- Running IKM tallies (migration 0009) ------------------------------------------------------------

# The nine unsur of PermenPAN-RB 14/2017 (reports.instrument.UNSUR_KEYS; the store does not import reports).
TALLY_UNSUR = (
    "persyaratan",
    "prosedur",
    "waktu",
    "biaya",
    "produk",
    "kompetensi",
    "perilaku",
    "pengaduan",
    "sarana",
)

# Sums and counts of the counted answers per session and quarter, kept in the transaction that stores or
# replaces an answer: the Ringkasan sheet is computed from a few hundred rows, never from every answer.
response_tally = Table(
    "response_tally",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("period", Integer, primary_key=True),  # quarter in the office's zone: 2026 * 10 + 3
    Column("respondents", Integer, nullable=False),  # answered at least one active unsur
    *[Column(f"{key}_sum", Integer, nullable=False) for key in TALLY_UNSUR],
    *[Column(f"{key}_n", Integer, nullable=False) for key in TALLY_UNSUR],
)


# What every report figure is computed from, kept in the transaction that stores, replaces or removes an
# answer (migration 0016): per session, month in the office's zone and channel, the answers counted per
# value, and the free texts one by one.  `ngopas report` reads these few thousand rows, never every answer.
def _count_key() -> list[Column[Any]]:
    return [
        Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
        Column("month", Integer, primary_key=True),  # local month: 202607
        Column("channel", String(16), primary_key=True),
    ]


report_group = Table(
    "report_group",
    metadata,
    *_count_key(),
    Column("rows", Integer, nullable=False),  # counted answers
    Column("respondents", Integer, nullable=False),  # gave at least one active unsur
    Column("ipak_respondents", Integer, nullable=False),  # gave at least one IPAK statement
    Column("first_at", UTCDateTime, nullable=False),
    Column("last_at", UTCDateTime, nullable=False),
)

report_answer = Table(
    "report_answer",
    metadata,
    *_count_key(),
    Column("key", String(40), primary_key=True),
    Column("value", String(200), primary_key=True),  # a score 1–4, or a profile option's label
    Column("n", Integer, nullable=False),
)

report_text = Table(
    "report_text",
    metadata,
    Column("response_id", String(40), primary_key=True),
    Column("column", String(40), primary_key=True),  # saran, perbaikan_<unsur>
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), nullable=False),
    Column("month", Integer, nullable=False),
    Column("channel", String(16), nullable=False),
    Column("finished_at", UTCDateTime, nullable=False),
    Column("text", Text, nullable=False),
)
Index("ix_report_text_session", report_text.c.session_id)

# --- Sheets mirror (migration 0003) --------------------------------------------------------------------

sheet_outbox = Table(
    "sheet_outbox",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("worksheet", String(40), nullable=False),
    # The row's idempotency key in the sheet (e.g. the response id): a retried flush never duplicates.
    Column("row_key", String(120), nullable=False),
    # "append" a new row, or "update" cells of the row whose key column holds row_key.
    Column("op", String(10), nullable=False, default="append"),
    Column("values", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("flushed_at", UTCDateTime),
    Column("attempts", Integer, nullable=False, default=0),
    Column("error", Text),
    # Set when the spreadsheet refused this row on its own (revision 0007): it waits aside, with its reason
    # in `error`, until `ngopas sync` or `ngopas sheets rebuild` tries it again; other rows flow on.
    Column("parked_at", UTCDateTime),
    UniqueConstraint("worksheet", "row_key", "op", name="uq_sheet_row"),
)
Index("ix_sheet_pending", sheet_outbox.c.flushed_at, sheet_outbox.c.id)

# --- Aspirations (migration 0004) ----------------------------------------------------------------------

aspiration = Table(
    "aspiration",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # "ASP-2026-0042": year and a per-year sequence, what citizens and staff quote to each other.
    Column("ticket", String(20), nullable=False, unique=True),
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("category", String(16), nullable=False),  # "langsung" (/aspirasi) or "survei"
    Column("section", String(80), nullable=False),
    Column("session_id", Integer, ForeignKey("session.id", ondelete="SET NULL")),
    Column("text", Text, nullable=False),
    Column("photo_file_id", String(200)),
    # Only when the citizen allowed staff to see it; never for survey-derived tickets.
    Column("sender_name", Text),
    Column("status", String(16), nullable=False, default="Baru"),
    Column("response", Text, nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),
    # Bumped on every staff change read from the sheet; the citizen is told once per version.
    Column("version", Integer, nullable=False, default=0),
    # Idempotency for tickets made by the bot itself (e.g. survey:<response>:<question>).
    Column("source_key", String(120), unique=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("resolved_at", UTCDateTime),
    # Revision 0010: what kind of request it is (Informasi, Keluhan, Saran, Sengketa, Lapangan), which sets
    # its follow-up deadline in working days; staff change it in the sheet (bot.domain.deadlines).
    Column("classification", String(16)),
    # The first staff change the citizen was told about (status or reply): the first-response deadline.
    Column("first_response_at", UTCDateTime),
    # "Teruskan ke LAPOR!": when staff forwarded it, and whether the citizen let their name go with it
    # (None: not asked or not answered yet).
    Column("forwarded_at", UTCDateTime),
    Column("lapor_consent", Boolean),
    UniqueConstraint("year", "seq", name="uq_aspiration_seq"),
)
Index("ix_aspiration_status", aspiration.c.status, aspiration.c.created_at)

# How to reach the citizen who wrote a ticket: kept apart from the ticket so staff (and the sheet) never see
# it, and deleted by /hapus_data.  `person` is the HMAC pseudonym of the Telegram user (rate limit, /aspirasiku).
aspiration_route = Table(
    "aspiration_route",
    metadata,
    Column("aspiration_id", Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), primary_key=True),
    Column("person", String(64), nullable=False),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", String(8), nullable=False, default="id"),
)
Index("ix_route_person", aspiration_route.c.person)

# An unfinished /aspirasi conversation, written through on every step so a restart loses nothing.
aspiration_draft = Table(
    "aspiration_draft",
    metadata,
    Column("person", String(64), primary_key=True),
    Column("chat_id", BigInteger, nullable=False),
    Column("language", String(8), nullable=False, default="id"),
    Column("step", String(16), nullable=False),  # section -> text -> identity
    Column("section", String(80)),
    Column("text", Text),
    Column("photo_file_id", String(200)),
    Column("sender_name", Text),
    Column("updated_at", UTCDateTime, nullable=False),
)

# How many tickets someone sent today (the daily limit), under a key made for that person and that day
# (HMAC, see bot.domain.aspirations.quota_key): it names no one, survives /hapus_data (so deleting one's
# data never resets the limit) and rows of past days are deleted.  Revision 0006.
aspiration_quota = Table(
    "aspiration_quota",
    metadata,
    Column("key", String(64), primary_key=True),
    Column("day", Date, nullable=False),
    Column("used", Integer, nullable=False, default=0),
)

# Deadline reminders and breach notices the staff group was given (revision 0010), one row per ticket, stage
# and deadline: "nothing twice" must outlive the outbox, which forgets a private chat's keys after the
# retention period while a ticket can stay overdue for months.
aspiration_notice = Table(
    "aspiration_notice",
    metadata,
    Column("key", String(80), primary_key=True),
    Column("aspiration_id", Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Google Form response spreadsheets linked to a session (revision 0012): the bot pulls their new rows on its
# Sheets cadence (each row stored once, by its fingerprint).  What staff must fix is kept for `ngopas forms
# list` and told to the staff group once: `told` holds the keys of what was told, since "never twice" must
# outlive the outbox, which forgets its keys after the retention period.
form_link = Table(
    "form_link",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), nullable=False),
    Column("spreadsheet_id", String(128), nullable=False),
    Column("worksheet", String(200), nullable=False, default=""),  # "" = the spreadsheet's first worksheet
    Column("title", Text),  # the spreadsheet's title when last read
    Column("created_at", UTCDateTime, nullable=False),
    Column("pulled_at", UTCDateTime),  # the last pull that read the sheet
    Column("imported", Integer, nullable=False, default=0),  # rows this link has stored
    Column("problem", Text),  # why the last pull could read no row (unknown headers, access), or None
    Column("rejected", JSON, nullable=False),  # rows left out at the last pull: [{"row": 7, "text": "…"}]
    Column("told", JSON, nullable=False),  # keys of the problems the staff group was told of
    UniqueConstraint("spreadsheet_id", "worksheet", name="uq_form_link_sheet"),
)

# --- The follow-up plan, rencana tindak lanjut (revision 0013) ---------------------------------------------

# One row of the office's follow-up plan: proposed by the bot (the weakest unsur of a section, or a group of
# related tickets), completed by staff in the "Tindak Lanjut" sheet (program, who, target, status, evidence,
# public).  `source_key` makes each proposal once; `told_at` is set in the transaction that queues the
# messages to the citizens behind its tickets, so no edit and no restart tells anyone twice.
rtl = Table(
    "rtl",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("code", String(20), nullable=False, unique=True),  # "RTL-2026-003": what staff quote
    Column("year", Integer, nullable=False),
    Column("seq", Integer, nullable=False),
    Column("source_key", String(160), nullable=False, unique=True),
    Column("period", String(16), nullable=False),  # "2026-Q1": whose results it answers (a session's quarter)
    Column("session_id", Integer, ForeignKey("session.id", ondelete="SET NULL")),
    Column("section", String(80), nullable=False),
    Column("unsur", String(20)),  # the unsur key it answers, when it answers one
    # What it is about ("unsur:Bimas Islam:sarana", "kelompok:PHU:keluhan"): tickets on a topic whose row
    # is still open join that row instead of making a new one.
    Column("topic", String(160), nullable=False),
    Column("issue", Text, nullable=False),  # the priority as staff read it
    Column("basis", Text, nullable=False, default=""),  # why the bot proposed it (NRR, how many tickets)
    Column("program", Text, nullable=False, default=""),
    Column("responsible", Text, nullable=False, default=""),
    Column("target", Date),
    Column("status", String(16), nullable=False, default="Rencana"),
    Column("evidence", Text, nullable=False, default=""),
    Column("public", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
    Column("done_at", UTCDateTime),  # first read as Selesai
    Column("told_at", UTCDateTime),  # the citizens behind its tickets were told (once, ever)
    Column("reminded_target", Date),  # the target date the staff group was reminded of (once per date)
    UniqueConstraint("year", "seq", name="uq_rtl_seq"),
)
Index("ix_rtl_topic", rtl.c.topic, rtl.c.status)

# The tickets (aspirations and survey follow-ups) a follow-up row answers.
rtl_ticket = Table(
    "rtl_ticket",
    metadata,
    Column("rtl_id", Integer, ForeignKey("rtl.id", ondelete="CASCADE"), primary_key=True),
    Column("aspiration_id", Integer, ForeignKey("aspiration.id", ondelete="CASCADE"), primary_key=True),
)
Index("ix_rtl_ticket_aspiration", rtl_ticket.c.aspiration_id)
# --- Attendance, closing records, private reminders (revision 0015) ---------------------------------

# One row per person who checked in to a session ("✋ Saya hadir" or the venue QR code): `attendee` is the
# HMAC of session and Telegram id with the salt (bot.domain.attendance.attendee_of), so once per person holds
# and no Telegram id is stored; `mode` is how they followed (lokasi, zoom, youtube).
attendance = Table(
    "attendance",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("attendee", String(64), primary_key=True),
    Column("mode", String(12), nullable=False),
    Column("checked_in_at", UTCDateTime, nullable=False),
)

# Headcounts staff typed for people without phones (/hadir N 35), per mode, kept apart from check-ins.
attendance_count = Table(
    "attendance_count",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("mode", String(12), primary_key=True),
    Column("count", Integer, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# Where to send a checked-in person the survey invitation when the session ends: a route only, with no
# pseudonym, mode or time (nothing joins it to the check-in), deleted once the invitation is queued, when the
# survey closes, and by /hapus_data.
attendance_route = Table(
    "attendance_route",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("language", String(8), nullable=False, default="id"),
)

# The closing record staff write after a session (/tutup_sesi): notes and photos (Telegram file ids, or the
# paths given to `ngopas session close`); the aspirations raised orally become "Dari sesi" tickets.
session_record = Table(
    "session_record",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("notes", Text, nullable=False, default=""),
    Column("photos", JSON, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

# "Ingatkan saya" on a group announcement: this member's private chat gets the session's reminders too.
# Deleted by undoing it, by /hapus_data, and with the session.
reminder_optin = Table(
    "reminder_optin",
    metadata,
    Column("session_id", Integer, ForeignKey("session.id", ondelete="CASCADE"), primary_key=True),
    Column("chat_id", BigInteger, primary_key=True),
    Column("language", String(8), nullable=False, default="id"),
    Column("created_at", UTCDateTime, nullable=False),
)
