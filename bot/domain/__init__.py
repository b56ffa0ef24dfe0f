"""The domain core: sessions, the survey, aspirations, the community post, reports, and the jobs they run.

What the office does, written once for every channel.  It reads and writes through `bot.store` and never
imports telegram, sqlalchemy, gspread or pandas (checked by import-linter, see pyproject.toml): a Telegram
handler, a CLI command and a sheet row all call the same functions here.
"""
