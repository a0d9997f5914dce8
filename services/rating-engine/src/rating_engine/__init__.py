"""Rating engine: a stateless service that rates a customer from a request and a ruleset.

Rulesets are versioned YAML files under ``rulesets/``; every one is loaded and checked at
start-up, and scoring (:mod:`rating_engine.scoring`) is a pure function of request and ruleset.
"""

__version__ = "0.1.0"
