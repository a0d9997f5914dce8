"""Policy at the door (DOMAIN §12): the rules a guarantee must pass before it is activated."""
