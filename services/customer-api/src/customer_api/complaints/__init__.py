"""Customer complaints with service-level due times."""
