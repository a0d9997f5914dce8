"""alerting: the early-warning mechanism (风险预警机制) of the guarantee platform."""

__version__ = "0.1.0"
