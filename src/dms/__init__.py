"""DMS: the debt management system for debts owed to UK government."""

__version__ = "0.1.0"
