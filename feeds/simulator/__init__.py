"""A local, protocol-faithful stand-in for the exchanges: same messages, same rules, other URL."""
