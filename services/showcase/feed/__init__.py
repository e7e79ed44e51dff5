"""What reads the log: showcase's reader models of the three marketplace streams (`readers.py`), how one event
lands in the read model, newest sequence wins (`projection.py`), the live follower that keeps each process's
in-memory model current (`tail.py`) and the replay that rebuilds the store beside the live one (`replay.py`,
`generations.py`). Every reader of the log decodes a record one way: the kernel's decoder (`shared.messaging.decoding`)
with `readers.READERS`; the follower and the replay take a batch's events through `readers.events_of`. May import `model/` (the follower feeds the live model) and `shared`, not `pages/`."""
