"""What every layer stands on: the settings object, the injectable clock, and the translations.

Nothing here knows about Telegram, the database or the spreadsheet; everything else may import it.
"""
