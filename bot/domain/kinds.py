"""The names the bot gives its messages and its schedule rows, in one place.

Both are stored as text (outbox `kind`, schedule `kind`) and read by staff in `/status` and by the operator
in the database, so the values never change; code refers to them through these enums.
"""

from __future__ import annotations

from enum import StrEnum


class MessageKind(StrEnum):
    """What an outbox message is about (the outbox `kind` column)."""

    ANNOUNCE = "announce"
    REMINDER = "reminder"
    START = "start"
    CHANGED = "changed"
    CANCELLED = "cancelled"
    SURVEY_INVITE = "survey_invite"
    SURVEY_REMINDER = "survey_reminder"
    SURVEY_RESULT = "survey_result"
    MONTHLY_POST = "monthly_post"
    STAFF_ALERT = "staff_alert"
    STAFF_DIGEST = "staff_digest"
    ASPIRATION_UPDATE = "aspiration_update"
    DEADLINE_SOON = "deadline_soon"  # staff group: an aspiration's deadline is the next working day
    DEADLINE_PASSED = "deadline_passed"  # staff group: an aspiration's deadline passed unanswered
    LAPOR_TEXT = "lapor_text"  # staff group: the text prepared for SP4N-LAPOR!
    LAPOR_CITIZEN = "lapor_citizen"  # the citizen: where the ticket went, and may their name go with it
    RTL_DONE = "rtl_done"  # the citizen: the follow-up that answers their ticket is done
    RTL_REMINDER = "rtl_reminder"  # staff group: follow-up targets within a week
    VENUE = "venue"  # the venue's map pin after an announcement, a start notice or a change of place


class ScheduleKind(StrEnum):
    """What a schedule row does when it falls due; reminders are stored as `reminder:<minutes before>`."""

    REMINDER = "reminder"
    START = "start"
    SURVEY_INVITE = "survey_invite"
    SURVEY_RESULT = "survey_result"

    @staticmethod
    def reminder(minutes: int) -> str:
        return f"{ScheduleKind.REMINDER}:{minutes}"

    @classmethod
    def of(cls, stored: str) -> ScheduleKind:
        """The kind of a stored schedule row (`reminder:60` → REMINDER); ValueError for an unknown one."""
        return cls(stored.partition(":")[0])

    @staticmethod
    def minutes_before(stored: str) -> int:
        """How long before the start a stored reminder row fires (`reminder:60` → 60)."""
        return int(stored.partition(":")[2])
