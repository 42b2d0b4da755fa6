"""Local use and the demo (`make run`).

DEBUG stays off unless DJANGO_DEBUG=1, so the demo shows the real Chinese error pages;
WhiteNoise serves the collected static files either way.
"""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DJANGO_DEBUG", False)
