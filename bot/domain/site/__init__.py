"""Papan IKM: the office's public results page, a static site (`ngopas publish`, NGOPAS_PUBLISH_DIR).

`data.py` gathers every figure through the report service (the same numbers as `ngopas report --format
json` for the same scope) and applies the privacy rules once; `render.py` turns them into HTML with the
Jinja2 templates shipped beside it, in Indonesian and, under /en/, English.
"""
