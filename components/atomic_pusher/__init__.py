"""Pusher executor whose pushes appear in the serving dir all at once."""
