"""Policies (政策精准推送): the criteria tree, its evaluation with reasons, the record and its events."""
