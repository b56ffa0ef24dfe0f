"""Run every benchmark: python -m bench (or `make bench`)."""

from . import report_1m

if __name__ == "__main__":
    report_1m.main()
