"""Consultations, surveys, questions, options, skip logic and their translations."""
