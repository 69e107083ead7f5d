"""Forms of the Party organisation pages."""
