"""Paying creditors (pure): payment schedule lines and their netting, BACS Standard 18 files.

No Django, lxml or database here; services/payments.py feeds these from the ledger.
"""
