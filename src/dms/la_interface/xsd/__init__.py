"""The XML schemas of the LA file interface (hb-debt-interface.md §2-4), one per message type, shipped as
package data. Load them with :mod:`dms.la_interface.schemas`."""
