"""Telegram at the edge: the only package that imports python-telegram-bot.

`routes` wires every handler in one place; handlers translate updates into domain calls and domain results
into messages; `sender` is the outbox's Telegram transport.
"""
