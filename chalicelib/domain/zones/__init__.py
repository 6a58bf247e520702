"""Zones (开发区 / 高新区): the catalogue (a data file), membership (a dated relation) — contract 14."""
