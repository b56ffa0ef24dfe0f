"""Staff reports in Telegram and the result post to groups when a survey closes."""

from datetime import datetime, timedelta

from bot.dev.sandbox import STAFF_ID, running_sandbox
from bot.store import chats

from .conftest import TZ
from .test_sheets_sync import ALICE, _finish_survey

GROUP = -1001201


async def test_laporan_and_ekspor_for_staff_only(sb, clock):
    await _finish_survey(sb, clock, "Bagus")
    sb.tg.add_user(STAFF_ID, "Petugas")
    await sb.say(ALICE, "/laporan")
    assert "hanya untuk petugas" in sb.texts(ALICE)[-1]
    await sb.say(STAFF_ID, "/laporan")
    photo, summary = sb.tg.messages(STAFF_ID)[-2:]
    assert photo.kind == "photo" and photo.file_size > 10_000
    assert "IKM 75,00 — C" in photo.text
    assert "IKM 75,00 — C (Kurang baik), 1 responden" in summary.text and "Triwulan I 2026" in summary.text
    await sb.press(STAFF_ID, STAFF_ID, "PHU")  # a section with no answers
    assert "Belum ada jawaban" in sb.texts(STAFF_ID)[-1]
    await sb.say(STAFF_ID, "/ekspor")
    await sb.press(STAFF_ID, STAFF_ID, "PDF")
    document = sb.tg.messages(STAFF_ID)[-1]
    assert (
        document.kind == "document"
        and document.file_name == "laporan-ikm-2026-Q1.pdf"
        and document.file_size > 5_000
    )
    await sb.say(STAFF_ID, "/ekspor")
    await sb.press(STAFF_ID, STAFF_ID, "Word")
    word = sb.tg.messages(STAFF_ID)[-1]
    assert word.kind == "document" and word.file_name == "laporan-ikm-2026-Q1.docx" and word.file_size > 5_000


async def test_result_posted_to_groups_when_survey_closes_if_enabled(tmp_path, tg, clock):
    async with running_sandbox(tmp_path, clock=clock, tg=tg, survey_result_to_groups=True) as sb:
        tg.add_group(GROUP, "Majelis Taklim", supergroup=True)
        async with sb.rt.store.begin() as conn:
            await chats.upsert_chat(conn, chat_id=GROUP, type="supergroup", title="MT", now=clock.now())
            await chats.set_subscriptions(conn, GROUP, ["Bimas Islam"], by=None, now=clock.now())
        session = await _finish_survey(sb, clock, "Bagus")
        await sb.advance(to=session.survey_closes_at - timedelta(minutes=1))
        await sb.outbox_idle()
        assert not any("Hasil survei" in m for m in sb.texts(GROUP))
        await sb.advance(to=session.survey_closes_at)
        await sb.outbox_idle()
        assert "IKM 75,00 — C (Kurang baik), 1 responden" in sb.texts(GROUP)[-1]
        assert session.survey_closes_at == datetime(2026, 3, 27, 10, 0, tzinfo=TZ)
