"""Helpers any app may use: no models, and no import of an app or of `arbsite` (the project
package, which imports the apps; an app importing it would bend the road back on itself).
Pure ones have no Django import; the rest are plumbing around Django, Redis and Celery that
knows nothing of quotes, users or alerts.

- clock.py: the time now in milliseconds, as every timestamp of Arbsite's counts it;
- moments.py: moments typed by people (ISO dates) as epoch milliseconds;
- numbers.py: how the pages write prices, sizes, spreads and money;
- paging.py: limit/offset pages for the API's lists;
- openapi.py: schema pieces the API's serializers share (msgspec Structs as fields, errors);
- runtime.py: long-lived asyncio work run from a management command, stopped cleanly;
- refreshed.py: a value computed at most so often per process, once for all who ask;
- json_depth.py: how deeply a JSON text nests, found without parsing it;
- redis_clients.py: one Redis connection pool per process, one asyncio client per loop;
- async_cache.py: Django's cache read and counted from async code without a thread per call;
- service_watch.py: Redis or the database out of reach, logged when it goes and when it is back;
- lanes.py, background.py: queueing a Celery task, on threads per queue without a broker;
- fast_paths.py: the hottest GETs answered before Django's request handler, and their helpers.
"""
