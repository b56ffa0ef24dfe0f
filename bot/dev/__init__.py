"""The offline product: a local Telegram emulator, the sandbox that wires the real bot to it, and the demo.

Used by `ngopas demo`, the tests and the benchmarks; nothing here reaches Telegram or Google.
"""
