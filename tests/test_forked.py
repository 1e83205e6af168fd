"""kb.forked: work in a forked copy of the build, and the one message it can be sent later."""
from __future__ import annotations

import time

import pytest

from kb.forked import Forked


def _busy_then_read(seconds: float, inbox) -> int:
    time.sleep(seconds)  # the child is busy (indexing the records) when the build sends
    return len(inbox())


def test_a_large_message_does_not_wait_for_the_child_to_ask_for_it():
    """A message far larger than a pipe's buffer (64 KB) is taken in as it is sent: the build goes on
    while the child is still busy, and the child gets the whole message when it asks."""
    work = Forked(_busy_then_read, 3.0, inbox=True)
    message = [(f"tasks/x/{i}.md", f"任务{i}　标题") for i in range(50_000)]  # ~2 MB pickled
    start = time.perf_counter()
    work.send(message)
    sent_in = time.perf_counter() - start
    assert work.result() == len(message)
    assert sent_in < 1.5, f"send() waited {sent_in:.1f} s for the child"


def _read(inbox) -> object:
    return inbox()


def test_a_child_that_is_never_sent_its_message_fails_with_a_clear_error():
    work = Forked(_read, inbox=True)
    work.outbox.close()  # the build failed before sending: the child reads the end of the pipe
    with pytest.raises(RuntimeError, match="sent this process nothing"):
        work.result()
