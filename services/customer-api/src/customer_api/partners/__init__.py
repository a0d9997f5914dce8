"""Partner banks: the registry, what each may see of the book, and the events it is sent."""
