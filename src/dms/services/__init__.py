"""Use cases: each runs in one transaction and is called by the command line, the daily run or the API.

Services validate their input, refuse with :class:`dms.errors.DmsError` (nothing half-applied) and write the
ledger only through :func:`dms.store.ledger.post_entries`.
"""
