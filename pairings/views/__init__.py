"""Pages of the pairings app: the cadre's phone home, lists with filters, sorting, bounded
counts and masked audited exports, detail pages with history, forms that call the services.
URL names live in pairings/urls.py."""
