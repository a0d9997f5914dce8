"""customer-api: the customer information base of a financing-guarantee company."""

__version__ = "0.1.0"
