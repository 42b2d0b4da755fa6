"""Parts of `manage.py bench`: the load client that drives a real server."""
