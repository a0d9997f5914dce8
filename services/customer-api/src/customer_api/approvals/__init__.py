"""Four-eyes approvals: requests, decisions, and the policy overrides they grant."""
