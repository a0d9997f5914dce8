"""Signed webhooks through a transactional outbox, for every service that sends them.

A service writes an outbox message in the same transaction as the change it announces, and a
delivery worker sends it afterwards, at least once, with a stable ``webhook-id``. The pieces:

- :mod:`.signing`: Standard Webhooks signatures (``webhook-id``, ``-timestamp``, ``-signature``).
- :mod:`.cloudevents`: the CloudEvents 1.0 JSON envelope (HTTP binding, structured mode).
- :mod:`.targets`: SSRF checks of a target URL, and the transport that connects only to
  checked addresses.
- :mod:`.columns`: the columns of a service's outbox, attempt-log and target tables, which each
  service maps in its own schema (as the idempotency keys are).
- :mod:`.worker`: the delivery worker, parametrised by those tables.
- :mod:`.settings`: the ``DELIVERY_*`` and ``WEBHOOK_ALLOW_PRIVATE`` settings.

Only :mod:`.worker` and :mod:`.columns` need the database extra (``guarantee-shared[db]``).
"""
