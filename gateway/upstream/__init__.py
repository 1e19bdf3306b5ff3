"""Upstream links: each has its own cursor in the store and one worker that delivers in order."""
