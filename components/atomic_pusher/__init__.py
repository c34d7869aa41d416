"""Pusher executor whose pushes appear in the serving dir all at once.
`layout.py` (light) is the push destination's layout, which serving reads too."""
