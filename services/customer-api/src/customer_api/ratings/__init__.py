"""Ratings: assemble a request from the customer's data, call the engine, keep the history."""
