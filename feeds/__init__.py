"""Exchange feeds: connectors, sessions, the simulator and the workers that run them."""
