"""The in-chat satisfaction survey: engine (state over the store), rendering, Telegram handlers."""
