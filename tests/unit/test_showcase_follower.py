"""The page's log follower freezes the model's objects once it has caught up after many changes."""

import gc

from services.showcase.feed import tail
from services.showcase.model.live import LiveModel


def follower(model: LiveModel) -> tail.LogFollower:
    return tail.LogFollower(settings=None, store=None, model=model, changed=lambda: None)  # type: ignore[arg-type]


def test_caught_up_after_many_changes_the_model_leaves_the_collectors_reach() -> None:
    model = LiveModel()
    reader = follower(model)
    model.changes = tail.SETTLE_AFTER - 1
    frozen = gc.get_freeze_count()
    reader._settle()
    assert gc.get_freeze_count() == frozen  # too few changes: nothing frozen
    model.changes = tail.SETTLE_AFTER
    held = [[n] for n in range(1000)]  # objects the model would hold
    reader._settle()
    assert gc.get_freeze_count() >= frozen + len(held)
    model.changes += 10
    again = gc.get_freeze_count()
    reader._settle()
    assert gc.get_freeze_count() == again  # settled already: not again until SETTLE_AFTER more changes
