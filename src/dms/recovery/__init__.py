"""Deduction engines (pure): UC Annex B order and caps, legacy instalments, allocation, explanations.

See ``README.md`` in this package for the API; rules in recovery-rules.md §1-4.
"""
