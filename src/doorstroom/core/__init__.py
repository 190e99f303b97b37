"""The pure-Python core of doorstroom.

Nothing in this package imports Django (checked by import-linter in CI). It works on plain
data - dataclasses, strings, numbers - so that it can be tested, benchmarked and reused on
its own.
"""
