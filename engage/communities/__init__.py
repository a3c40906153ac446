"""Communities: the dimensions responses are grouped by, and population baselines."""
