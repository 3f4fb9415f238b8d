"""moto's AWS emulator on a free port, serving one request at a time.

Stock `moto_server` handles each request on its own thread, and its conditional writes
and transactions are not atomic across threads: two concurrent conditional writes can
both pass their condition, so tests of optimistic concurrency would race and oversell.
One global lock around each request gives DynamoDB's per-item atomicity back.

A long poll (an SQS ReceiveMessage that may wait) would hold that lock for as long as it
waits, so it is served as short polls instead: one at once, then another whenever its
queue, looked at without the lock after a request that can make a message visible, has
one, until a poll finds messages or the wait is over.

Prints `READY <port>` once listening; exits when stdin reaches EOF, which happens when
the test process that started it ends.
"""

import io
import json
import logging
import os
import sys
import threading
import time

from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
from moto.sqs.models import sqs_backends
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


LONG_POLL = "AmazonSQS.ReceiveMessage"
# Requests after which a receive that found nothing may find a message.
WAKERS = {
    "AmazonSQS.SendMessage",
    "AmazonSQS.SendMessageBatch",
    "AmazonSQS.ChangeMessageVisibility",
    "AmazonSQS.ChangeMessageVisibilityBatch",
    "AWSEvents.PutEvents",
}
woken = threading.Condition()
wakes = 0


def dispatch(environ, start_response):
    global wakes
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    if target == LONG_POLL:
        return long_poll(environ, start_response)
    response = serialized(environ, start_response)
    if target in WAKERS:
        with woken:
            wakes += 1
            woken.notify_all()
    return response


def region_of(environ):
    # Authorization: AWS4-HMAC-SHA256 Credential=<key>/<date>/<region>/sqs/aws4_request, …
    credential = environ.get("HTTP_AUTHORIZATION", "").split("Credential=")[-1]
    parts = credential.split("/")
    return parts[2] if len(parts) > 2 else "us-east-1"


def may_have_messages(queue_url, region):
    """Whether the queue has a visible message, or cannot be looked at (then poll)."""
    try:
        account, name = queue_url.rstrip("/").split("/")[-2:]
        queue = sqs_backends[account][region].queues.get(name)
        return queue is None or bool(queue.messages)
    except Exception:
        return True


def long_poll(environ, start_response):
    length = int(environ.get("CONTENT_LENGTH") or 0)
    request = json.loads(environ["wsgi.input"].read(length) or b"{}")
    region = region_of(environ)
    deadline = time.monotonic() + min(int(request.get("WaitTimeSeconds", 0)), 20)
    request["WaitTimeSeconds"] = 0
    body = json.dumps(request).encode()
    while True:
        with woken:
            seen = wakes
        answer = {}

        def keep(status, headers, exc_info=None):
            answer.update(status=status, headers=headers)

        short = dict(environ, CONTENT_LENGTH=str(len(body)))
        short["wsgi.input"] = io.BytesIO(body)
        payload = b"".join(serialized(short, keep))
        remaining = deadline - time.monotonic()
        found = answer["status"].startswith("200") and json.loads(payload or b"{}").get("Messages")
        if found or remaining <= 0 or not answer["status"].startswith("200"):
            start_response(answer["status"], answer["headers"])
            return [payload]
        # Woken by a request that may have made a message visible in this queue (or once
        # a second, for messages whose visibility timeout ran out), poll again.
        while remaining > 0:
            with woken:
                woken.wait_for(lambda: wakes != seen, timeout=min(remaining, 1.0))
                seen = wakes
            if may_have_messages(request.get("QueueUrl", ""), region):
                break
            remaining = deadline - time.monotonic()


def exit_when_parent_goes():
    sys.stdin.read()
    os._exit(0)


logging.getLogger("werkzeug").setLevel(logging.ERROR)
server = make_server("127.0.0.1", 0, dispatch, threaded=True)
# moto calls its own services (what a state machine's tasks invoke) at this port.
os.environ["MOTO_PORT"] = str(server.port)
threading.Thread(target=exit_when_parent_goes, daemon=True).start()
print(f"READY {server.port}", flush=True)
# Nobody reads stdout after READY: anything moto prints later goes to stderr instead.
os.dup2(sys.stderr.fileno(), sys.stdout.fileno())
server.serve_forever()
