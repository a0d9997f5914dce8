"""HTTP plumbing every service installs the same way."""
