"""Subscriptions through the real PTB Application: groups, admins, private chats, membership changes."""

from bot.store import chats

GROUP = -100501
ADMIN = 501
MEMBER = 502
CITIZEN = 503


def _world(tg):
    tg.add_user(ADMIN, "Bu Siti")
    tg.add_user(MEMBER, "Pak Budi")
    tg.add_user(CITIZEN, "Mas Joko")
    tg.add_group(GROUP, "Majelis Taklim Al-Ikhlas", supergroup=True, admins=[ADMIN], members=[MEMBER])


async def subs(sb, chat_id):
    async with sb.rt.store.connect() as conn:
        return await chats.subscriptions(conn, chat_id)


async def test_group_admin_subscribes_member_refused(sb):
    _world(sb.tg)
    sb.tg.add_bot_to_group(GROUP, by_user=ADMIN)
    await sb.settle()
    assert "/langganan" in sb.texts(GROUP)[0]  # the greeting explains what to do

    await sb.say(MEMBER, "/langganan", GROUP)
    assert "hanya admin grup" in sb.texts(GROUP)[-1]
    assert await subs(sb, GROUP) == set()

    await sb.say(ADMIN, "/langganan", GROUP)
    await sb.press(ADMIN, GROUP, "Bimas Islam")
    # a member pressing the admin's keyboard changes nothing
    await sb.press(MEMBER, GROUP, "PHU")
    assert any("hanya admin" in (a.get("text") or "") for a in sb.tg.callback_answers)
    await sb.press(ADMIN, GROUP, "Selesai")
    assert await subs(sb, GROUP) == {"Bimas Islam"}
    assert "Bimas Islam" in sb.texts(GROUP)[-1]


async def test_private_all_sections_and_unsubscribe(sb):
    _world(sb.tg)
    await sb.say(CITIZEN, "/start")
    assert "NGOPAS" in sb.texts(CITIZEN)[-1]
    await sb.say(CITIZEN, "/subscribe")  # English alias
    await sb.press(CITIZEN, CITIZEN, "Semua")
    await sb.press(CITIZEN, CITIZEN, "Selesai")
    assert await subs(sb, CITIZEN) == {chats.ALL_SECTIONS}
    await sb.say(CITIZEN, "/berhenti")
    assert await subs(sb, CITIZEN) == set()
    assert "dihentikan" in sb.texts(CITIZEN)[-1]


async def test_removed_blocked_and_migrated(sb):
    _world(sb.tg)
    sb.tg.add_bot_to_group(GROUP, by_user=ADMIN)
    await sb.say(ADMIN, "/langganan", GROUP)
    await sb.press(ADMIN, GROUP, "PHU")
    sb.tg.migrate_group(GROUP, -1009999)
    await sb.settle()
    assert await subs(sb, -1009999) == {"PHU"}
    assert await subs(sb, GROUP) == set()

    await sb.say(CITIZEN, "/langganan")
    await sb.press(CITIZEN, CITIZEN, "PHU")
    sb.tg.block_bot(CITIZEN)
    await sb.settle()
    async with sb.rt.store.connect() as conn:
        active = {c.id for c in await chats.subscribers(conn, "PHU")}
    assert active == {-1009999}


async def test_commands_registered_per_language(sb):
    names = {c["command"] for c in sb.tg.commands.get("all_private_chats", [])} | {
        c["command"] for cmds in sb.tg.commands.values() for c in cmds
    }
    assert {"langganan", "jadwal", "subscribe", "schedule"} <= names
