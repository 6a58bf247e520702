"""Cultivation (梯次培育): the qualification ladder and its programs as data, and candidate arithmetic."""
