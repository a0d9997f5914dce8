"""Policy at the door (DOMAIN §14): the rules a guarantee must pass before it is activated."""
