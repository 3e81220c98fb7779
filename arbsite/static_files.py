"""Static files (WhiteNoise) in a middleware stack that stays asynchronous.

WhiteNoise's middleware is synchronous only: placed first, it made Django run every request's
middleware in a worker thread and hop back to the event loop for the rest, twice per layer
(and a server stopping on SIGTERM could wait forever on that hop). This one lets every request
outside STATIC_URL through without leaving the event loop, and serves a static file from a
thread, as a file read needs.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from functools import partial

from asgiref.sync import iscoroutinefunction, markcoroutinefunction, sync_to_async
from whitenoise.middleware import WhiteNoiseMiddleware


async def _read_in_thread(chunks: Iterator[bytes]) -> AsyncIterator[bytes]:
    """A file's chunks for Django's ASGI handler, each read in a thread (not all at once)."""
    next_chunk = partial(next, chunks, None)
    while (chunk := await sync_to_async(next_chunk)()) is not None:
        yield chunk


class StaticFilesMiddleware(WhiteNoiseMiddleware):
    sync_capable = True
    async_capable = True

    def __init__(self, get_response) -> None:
        super().__init__(get_response)
        self.async_mode = iscoroutinefunction(get_response)
        if self.async_mode:
            markcoroutinefunction(self)

    def __call__(self, request):
        if self.async_mode:
            return self.__acall__(request)
        return super().__call__(request)

    async def __acall__(self, request):
        if not request.path_info.startswith(self.static_prefix):
            return await self.get_response(request)
        static_file = await sync_to_async(self._find)(request.path_info)
        if static_file is None:
            return await self.get_response(request)
        response = await sync_to_async(self.serve)(static_file, request)
        if response.streaming and not response.is_async:
            response.streaming_content = _read_in_thread(response.streaming_content)
        return response

    def _find(self, path: str):
        # With autorefresh (DEBUG) WhiteNoise looks on disk each time; otherwise in its index.
        return self.find_file(path) if self.autorefresh else self.files.get(path)
