from __future__ import annotations

from loadtest.sequence import SeqCounts, SeqTracker


def test_consecutive_updates_lose_nothing():
    tracker = SeqTracker()
    tracker.on_snapshot()
    for seq in (5, 6, 6, 7, 8):  # 6 twice: prices and opportunities of one update
        tracker.on_update(seq)
    assert tracker.counts == SeqCounts(updates=4)


def test_a_gap_without_a_snapshot_is_lost():
    tracker = SeqTracker()
    tracker.on_snapshot()
    for seq in (1, 2, 5, 6):
        tracker.on_update(seq)
    assert tracker.counts.lost == 2
    assert tracker.counts.resynced == 0


def test_a_gap_followed_by_a_snapshot_without_seq_is_resynced():
    tracker = SeqTracker()
    tracker.on_snapshot()  # on connecting: not a resync
    tracker.on_update(1)
    tracker.on_update(2)
    tracker.on_snapshot()  # the server dropped frames for this client and sent the state again
    tracker.on_update(6)
    assert tracker.counts == SeqCounts(updates=3, lost=0, resynced=3, resyncs=1)


def test_a_snapshot_with_seq_covers_the_updates_up_to_it():
    tracker = SeqTracker()
    tracker.on_snapshot(seq=10)
    tracker.on_update(11)
    tracker.on_snapshot(seq=15)
    tracker.on_update(16)
    tracker.on_update(18)
    assert tracker.counts == SeqCounts(updates=3, lost=1, resynced=4, resyncs=1)


def test_the_first_snapshot_sets_where_updates_continue():
    tracker = SeqTracker()
    tracker.on_snapshot(seq=10)
    tracker.on_update(13)
    assert tracker.counts.lost == 2
    assert tracker.counts.resyncs == 0


def test_pages_of_one_snapshot_count_once_whether_from_zero_or_one():
    for first in (0, 1):
        tracker = SeqTracker()
        for page in range(first, first + 3):
            tracker.on_snapshot(seq=4, page=page, pages=3)
        tracker.on_update(5)
        for page in range(first, first + 3):
            tracker.on_snapshot(seq=9, page=page, pages=3)
        tracker.on_update(10)
        assert tracker.snapshots == 2
        assert tracker.counts == SeqCounts(updates=2, resynced=4, resyncs=1)


def test_a_snapshot_after_a_complete_paged_one_is_a_resync():
    tracker = SeqTracker()
    tracker.on_snapshot(page=1, pages=1)
    tracker.on_snapshot(page=1, pages=1)
    assert tracker.counts.resyncs == 1


def test_seq_going_backwards_is_an_engine_restart_not_a_loss():
    tracker = SeqTracker()
    tracker.on_update(500)
    tracker.on_update(1)
    tracker.on_update(2)
    assert tracker.counts == SeqCounts(updates=3, seq_resets=1)


def test_counting_restarts_at_the_window_but_remembers_the_last_seq():
    tracker = SeqTracker()
    tracker.on_snapshot()
    tracker.on_update(1)
    tracker.on_update(3)
    tracker.reset_counts()
    tracker.on_update(4)
    tracker.on_update(6)
    assert tracker.counts == SeqCounts(updates=2, lost=1)


def test_a_narrowed_subscription_skips_updates_it_was_not_sent_and_loses_none():
    tracker = SeqTracker(narrowed=True)
    tracker.on_snapshot()
    for seq in (1, 2, 5, 6):  # 3 and 4 carried nothing it watches
        tracker.on_update(seq)
    assert (tracker.counts.lost, tracker.counts.skipped) == (0, 2)
