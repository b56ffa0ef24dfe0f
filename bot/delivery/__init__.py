"""Getting what the domain decided out of the store: the outbox sender, pacing, the schedule sweep, Sheets.

Channel-neutral: the sender drives a transport (Telegram's lives in `bot.telegram.sender`).
"""
