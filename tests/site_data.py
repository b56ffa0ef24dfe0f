"""A small office history for the public-page tests: two quarters, two sections, a session with enough
respondents (population recorded) and one with too few, survey suggestions, and tickets of which staff
marked one Publik."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.base.clock import FakeClock
from bot.base.settings import Settings
from bot.domain.runtime import Runtime
from bot.domain.survey.definition import definition_for
from bot.store import Store, surveys
from bot.store import aspirations as store_aspirations
from bot.store.sessions import insert_session
from bot.store.surveys import Response

NOW = datetime(2026, 6, 10, 3, 0, tzinfo=UTC)  # Wednesday 10 June 2026, 10.00 WIB
SECRET_SARAN = "Saran rahasia nomor"  # typed by respondents: never on the public page
PUBLIC_TEXT = "Mohon parkir motor diperluas"
PRIVATE_TEXT = "Keluhan pribadi tentang petugas"
SENDER = "Budi Santoso"

SESSIONS = (
    # title, section, days before NOW, respondents, population
    ("Dialog Moderasi Beragama", "Bimas Islam", 120, 24, 30),
    ("Manasik Haji Ramah", "PHU", 100, 9, None),
    ("Ngobrol Kerukunan", "Bimas Islam", 40, 3, None),  # too few for a profile
)


def settings_for(db: Path, **extra: object) -> Settings:
    return Settings(database_url=f"sqlite+aiosqlite:///{db}", staff_chat_id=-100, **extra)


def env_file(db: Path, path: Path) -> Path:
    path.write_text(f"NGOPAS_DATABASE_URL=sqlite+aiosqlite:///{db}\n", encoding="utf-8")
    return path


async def fill(rt: Runtime) -> None:
    """Sessions, answers (profile and suggestions included), an upcoming session and three tickets."""
    defn = definition_for(rt)
    rng = random.Random(19)
    scored = [q for q in defn.questions if q.kind == "ikm"]
    profile = [defn.question(k) for k in ("jenis_kelamin", "umur", "pendidikan", "pekerjaan")]
    n = 0
    async with rt.store.begin() as conn:
        for title, section, days, respondents, population in SESSIONS:
            starts = NOW - timedelta(days=days)
            session = await insert_session(
                conn,
                {
                    "title": title,
                    "section": section,
                    "venue": "Aula Kantor",
                    "starts_at": starts,
                    "ends_at": starts + timedelta(hours=2),
                    "survey_closes_at": starts + timedelta(days=7),
                    "population": population,
                    "source": "test",
                },
                NOW,
            )
            for i in range(respondents):
                n += 1
                answers: dict[str, object] = {q.key: rng.choice(["2", "3", "3", "4", "4"]) for q in scored}
                for q in profile:
                    # most chose the first option: a few lone answers in the others (hidden on the page)
                    answers[q.key] = q.options[0].value if i % 4 else rng.choice(q.options).value
                answers["saran"] = f"{SECRET_SARAN} {n}"
                await surveys.insert_response(
                    conn,
                    Response(
                        id=f"S{n:04d}",
                        session_id=session.id,
                        respondent=f"p{n}",
                        definition_id=defn.id,
                        definition_version=defn.version,
                        channel="import" if i % 5 == 0 else "telegram",
                        answers=answers,
                        followups={},
                        started_at=None,
                        finished_at=starts + timedelta(hours=3, minutes=i),
                        replaced_by=None,
                    ),
                )
        await insert_session(
            conn,
            {
                "title": "Sosialisasi Kampung Moderasi",
                "section": "Bimas Islam",
                "venue": "Masjid Agung",
                "starts_at": NOW + timedelta(days=8),
                "ends_at": NOW + timedelta(days=8, hours=2),
                "survey_closes_at": NOW + timedelta(days=15),
                "source": "test",
            },
            NOW,
        )
        tickets = []
        for text, section, days in ((PUBLIC_TEXT, "Bimas Islam", 30), (PRIVATE_TEXT, "PHU", 25)):
            tickets.append(
                await store_aspirations.create(
                    conn,
                    category=store_aspirations.CATEGORY_DIRECT,
                    section=section,
                    text=text,
                    sender_name=SENDER,
                    now=NOW - timedelta(days=days),
                    year=2026,
                )
            )
        await store_aspirations.create(
            conn,
            category="langsung",
            section="PHU",
            text="Belum dijawab",
            now=NOW - timedelta(days=20),
            year=2026,
        )
        public, private = tickets
        assert public is not None and private is not None
        await store_aspirations.apply_staff_change(
            conn,
            public.id,
            status="Selesai",
            response="Parkir diperluas mulai Juni.",
            public=True,
            now=NOW - timedelta(days=28),
        )
        await store_aspirations.apply_staff_change(
            conn,
            private.id,
            status="Selesai",
            response="Sudah ditangani.",
            public=False,
            now=NOW - timedelta(days=5),
        )


async def open_runtime(db: Path, **extra: object) -> Runtime:
    settings = settings_for(db, **extra)
    store = await Store.open(settings.database_url)
    return Runtime(settings, store, FakeClock(NOW))
