"""Arbsite's load harness: the system under test and its clients as separate processes on
loopback, bounded in time; see `manage.py bench --live` and the README's "Measuring at scale".

Nothing here imports Django: the client processes are what a bot would run, and the servers
are Arbsite's own commands, started as child processes."""
