"""Keeping the book current: review campaigns, review tasks, the caller's own work."""
