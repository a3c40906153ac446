"""Insight: results by community, intervals, disclosure control and text analysis."""
