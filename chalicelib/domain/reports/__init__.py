"""Region reports (通报) and indicator statistics: pure arithmetic over plain records (contract 10, 13)."""
