"""The synthetic register: a seeded, deterministic population of drivers, licences and decisions
for tests and benchmarks (seed.py loads it, model.py draws it, names.py holds the name pools)."""
