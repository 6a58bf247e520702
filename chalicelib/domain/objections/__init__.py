"""Objections (异议, contract 16): an enterprise contests a value of its file; its source answers."""
