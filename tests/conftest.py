"""Shared test configuration.

Hypothesis runs derandomized: every run (a laptop, CI on a fresh clone) tries
the same examples, so a red test is reproducible and never a matter of luck.
Explore new examples locally with `pytest --hypothesis-profile=explore`.
"""

from hypothesis import settings

settings.register_profile("ci", derandomize=True, print_blob=True)
settings.register_profile("explore", derandomize=False, max_examples=500)
settings.load_profile("ci")
