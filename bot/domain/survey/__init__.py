"""The satisfaction survey: its definition as data, the pure engine, and the flow that stores each step."""
