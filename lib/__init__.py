"""Helpers any app may use: no models, and no import of an app or of `arbsite` (the project
package, which imports the apps; an app importing it would bend the road back on itself).

- clock.py: the time now in milliseconds, as every timestamp of Arbsite's counts it;
- paging.py: limit/offset pages for the API's lists;
- openapi.py: schema pieces the API's serializers share (msgspec Structs as fields, errors);
- runtime.py: long-lived asyncio work run from a management command, stopped cleanly.
"""
