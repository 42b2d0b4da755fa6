"""Seed-scale data and the benchmark: tools for demos, tests and `make bench`, not the runtime.

`seeding.generators` fills a province with generated records (`manage.py seed_province`);
`seeding.benchmarks` and `manage.py bench` measure the production path against them. Nothing in
the running application imports this package except the demo seeding of `make run`.
"""
