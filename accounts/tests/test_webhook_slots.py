"""Sending slots: at most ALERTS_WEBHOOK_PER_USER webhooks of one user at once, per user."""

from __future__ import annotations

from contextlib import ExitStack

import pytest

from accounts.alerts.webhook_slots import webhook_slot


def test_a_user_has_as_many_slots_as_configured_and_others_have_their_own(settings):
    settings.ALERTS_WEBHOOK_PER_USER = 2
    with ExitStack() as held:
        assert held.enter_context(webhook_slot(1)) is True
        assert held.enter_context(webhook_slot(1)) is True
        with webhook_slot(1) as third:
            assert third is False
        with webhook_slot(2) as another_users:
            assert another_users is True
    with webhook_slot(1) as free_again:
        assert free_again is True


def test_a_slot_is_given_back_when_the_send_fails(settings):
    settings.ALERTS_WEBHOOK_PER_USER = 1
    with pytest.raises(ConnectionError), webhook_slot(1):
        raise ConnectionError("the endpoint went away")
    with webhook_slot(1) as free:
        assert free is True
