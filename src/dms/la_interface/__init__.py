"""The local-authority Housing Benefit debt interface (``/shared/spec/hb-debt-interface.md``): file names, XML
schemas, safe parsing, validation and the outbound files. Database work lives in ``dms.services.la_*``."""
