"""Pages of the three ledgers: one module per ledger (appeals, households, matters, profiles),
plus import/export and the residents' public pages. URL names live in ledgers/urls.py."""
