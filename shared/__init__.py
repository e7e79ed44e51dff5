"""Tijara's shared kernel: the event contract and the plumbing every service uses. Kept small on purpose."""
