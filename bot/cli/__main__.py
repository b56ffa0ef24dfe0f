"""`python -m bot.cli ...`: the same as the `ngopas` command (the tests run the bot this way as a real process)."""

from bot.cli import main

main()
