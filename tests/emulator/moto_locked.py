"""moto's AWS emulator on a free port, serving one request at a time.

Stock `moto_server` handles each request on its own thread, and its conditional writes
and transactions are not atomic across threads: two concurrent conditional writes can
both pass their condition, so tests of optimistic concurrency would race and oversell.
One global lock around each request gives DynamoDB's per-item atomicity back.

Prints `READY <port>` once listening; exits when stdin reaches EOF, which happens when
the test process that started it ends.
"""

import logging
import os
import sys
import threading

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from werkzeug.serving import make_server

moto = DomainDispatcherApplication(create_backend_app)
one_at_a_time = threading.Lock()


def serialized(environ, start_response):
    with one_at_a_time:
        response = moto(environ, start_response)
        try:
            return list(response)
        finally:
            getattr(response, "close", lambda: None)()


def exit_when_parent_goes():
    sys.stdin.read()
    os._exit(0)


logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = make_server("127.0.0.1", 0, serialized, threaded=True)
# moto calls its own services (what a state machine's tasks invoke) at this port.
os.environ["MOTO_PORT"] = str(server.port)
threading.Thread(target=exit_when_parent_goes, daemon=True).start()
print(f"READY {server.port}", flush=True)
# Nobody reads stdout after READY: anything moto prints later goes to stderr instead.
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
server.serve_forever()
