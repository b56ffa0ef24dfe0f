"""The one limit a test puts on a child process: a hang guard, never a time budget.

A subprocess a test starts gets this long before the test calls it hung.  It is far above anything a slow
or heavily loaded machine needs (the suite has run at load 13 on 2 cores, where a report command that
takes 3 s alone took over 100 s), and below pytest-timeout's guard for the whole test (pyproject.toml), so
a real hang still fails with the child's command named rather than a thread dump.  A test that must show
something happens *quickly* belongs in bench/, not here.
"""

HANG_GUARD_SECONDS = 600
