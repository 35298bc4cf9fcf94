"""A WSGI answer body that counts the bytes sent and reports the count once the server closes it;
the request log and the memory release both need that moment and that number."""
from __future__ import annotations

from typing import Callable


class CountedBody:
    def __init__(self, body, done: Callable[[int], None]):
        self.body = body
        self.done = done
        self.sent = 0

    def __iter__(self):
        for chunk in self.body:
            self.sent += len(chunk)
            yield chunk

    def close(self):
        try:
            close = getattr(self.body, "close", None)
            if close:
                close()
        finally:
            self.done(self.sent)
