"""The respondent journey, responses, answers, import, export and erasure."""
