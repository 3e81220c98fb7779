"""Alert delivery: a matched opportunity told to a rule's owner once per channel (in-app,
email, Telegram, webhook), each attempt recorded as an AlertEvent.

- messages.py: what an alert says, on every channel, and the /ws `alert` message;
- delivery.py: the service the Celery tasks call: claim, send, record, retry, pause;
- transports/: one small module per channel on one base class, in one registry dict;
- webhook_slots.py: how many webhooks of one user are sent at once;
- history.py: pruning the history, and marking what a dead worker left pending `unknown`;
- telegram_link.py: linking a user's Telegram chat with a one-time code.
"""
