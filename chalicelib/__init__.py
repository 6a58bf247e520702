"""innovation-points: the scoring service of the Enterprise Innovation Points system (企业创新积分制)."""
