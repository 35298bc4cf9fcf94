"""The bounds of `access-es serve`: how long and how much a client may take, in one place (the
README's local server section lists them)."""

# A request head (request line and headers) must arrive whole within this many seconds of its
# first byte, however it trickles in: slow heads (slowloris) are cut, with a 408, and they never
# hold a worker thread while they last (heads are read by the event loop, not by workers).
HEAD_TIMEOUT = 10.0
# Largest request head, in bytes (Kibana sends big cookies); over it: 431.
MAX_HEAD = 64 * 1024
# An idle keep-alive connection is closed after this many seconds without a new request. Idle
# connections are watched by the event loop and hold no thread.
KEEP_ALIVE_TIMEOUT = 15.0
# One read of a request body or one write of an answer may wait this long for the client.
IO_TIMEOUT = 10.0
# A request body must arrive within IO_TIMEOUT plus one second for every BODY_MIN_RATE bytes of it
# (a 100 MiB body: about 27 minutes), so a client cannot hold a worker by trickling its body: 408.
BODY_MIN_RATE = 64 * 1024
# A body of up to this many bytes is read by the event loop with its head (within HEAD_TIMEOUT)
# before a worker takes the request, so that small bodies that trickle (an anonymous login form
# sent a byte at a time) never hold a worker; a larger one is read by the worker, when the app
# asks for it (after authentication). Not for a client that waits for `100 Continue`.
PREREAD_LIMIT = 16 * 1024
# Largest request body, in bytes: Elasticsearch's own default http.max_content_length, and the
# largest payload Amazon OpenSearch Service accepts on most instance types. A body is held in
# memory whole (it is signed), so this bounds what one request holds: threads x this, at worst.
MAX_REQUEST_BODY = 100 * 1024 * 1024
# A body left unread by an early answer (401, 403...) of at most this many bytes is read and thrown
# away by the event loop, and the connection is kept; a larger one, or one of unknown length, or
# one the client has not sent yet (Expect: 100-continue) ends the connection after the answer.
DISCARD_LIMIT = 1024 * 1024
# After an answer that ends a connection, whatever the client still sends is read and discarded
# for up to this many seconds before the socket is closed (a close with unread input makes the
# kernel reset the connection, and the client could lose the answer: "lingering close").
LINGER_TIMEOUT = 5.0
# On SIGTERM or SIGINT, requests in progress get this many seconds to finish; new connections are
# no longer accepted and idle ones are closed at once.
SHUTDOWN_GRACE = 10.0
# Open connections one process keeps at most; past it, new ones wait in the listen backlog.
MAX_CONNECTIONS = 4096
# Connections waiting to be accepted (capped by the kernel's net.core.somaxconn).
BACKLOG = 1024
