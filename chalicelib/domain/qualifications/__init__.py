"""Qualifications (资质): the records, when one is held, the model flags they write, their files."""
