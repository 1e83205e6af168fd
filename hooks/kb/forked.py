"""Run a pure function of the corpus in a forked copy of this process, on the other core.

A build is one long single-threaded Python process and the machines have two cores.
Work that only reads the corpus (segmenting the records for search, rendering half of
the pages) can run in a forked child, which inherits the loaded corpus for free, and
send back its result (pickled: the child is a copy of this process, nothing else writes to
the pipe; bytes and typed records pass as they are). A function that takes `inbox` can also
be sent one message later, for work that needs something the build makes afterwards. Where
fork is unavailable the work runs when the result is asked for.
"""
from __future__ import annotations

import functools
import gc
import multiprocessing
import os
import pickle
import threading
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

    _End = Connection[object, object]  # one end of a pipe: only bytes go through (send_bytes/recv_bytes)

TIMEOUT_S = 900  # a child that has not answered by then is stuck: the build stops with an error


class Forked:
    child: BaseProcess | None  # None: no fork here, or the child is done
    message: Any  # without fork: the one message sent, for inbox()
    receive: _End
    outbox: _End | None

    def __init__(self, fn: Callable[..., Any], *args: Any, inbox: bool = False, nice: int = 0) -> None:
        self.fn, self.args, self.child, self.message = fn, args, None, None
        self.kwargs: dict[str, Callable[[], Any]] = {}
        if "fork" not in multiprocessing.get_all_start_methods():
            if inbox:
                self.kwargs["inbox"] = lambda: self.message
            return
        ctx = multiprocessing.get_context("fork")
        self.receive, send = ctx.Pipe(duplex=False)
        child_inbox: _End | None
        self.outbox = child_inbox = None
        if inbox:
            child_inbox, self.outbox = ctx.Pipe(duplex=False)
            self.kwargs["inbox"] = functools.partial(_Inbox, child_inbox)  # made in the child (_run)
        # The child closes the parent's ends of its pipes: if the parent dies, the child reads EOF.
        self.child = ctx.Process(target=_run, args=(fn, args, self.kwargs, send, nice, [self.receive, self.outbox]),
                                 daemon=True)
        # The child's garbage collector would visit every object it inherited, and so copy the whole heap
        # (copy-on-write): frozen, they are left alone there (a 200,000-record build forks three times). They
        # stay frozen in this process too (kb.site.Site.load freezes the loaded corpus the same way): what of
        # them dies is freed by reference counting.
        gc.freeze()
        self.child.start()
        send.close()
        if child_inbox is not None:
            child_inbox.close()

    def send(self, message: Any) -> None:
        """The one message the function's `inbox()` returns."""
        if self.child is None:
            self.message = message
        else:
            assert self.outbox is not None, "send() needs Forked(..., inbox=True)"
            self.outbox.send_bytes(pickle.dumps(message, pickle.HIGHEST_PROTOCOL))

    def result(self) -> Any:
        """The function's return value; its exception, with the child's traceback."""
        if self.child is None:
            return self.fn(*self.args, **self.kwargs)
        try:
            if not self.receive.poll(TIMEOUT_S):
                raise EOFError
            status, payload = pickle.loads(self.receive.recv_bytes())
        except EOFError:
            status, payload = "error", f"the process ended (or hung for {TIMEOUT_S} s) without a result"
        finally:
            self.cancel()
        if status != "ok":
            raise RuntimeError(f"{getattr(self.fn, '__name__', 'work')} failed in the forked process:\n{payload}")
        return payload

    def cancel(self) -> None:
        """Stop the child (a build that failed half-way never asks for the result)."""
        if self.child is not None:
            self.receive.close()
            if self.outbox is not None:
                self.outbox.close()
            if self.child.is_alive():
                self.child.terminate()
            self.child.join()
            self.child = None


class _Inbox:
    """The child's end of the inbox, read as soon as the parent sends (in a thread of the child): a message
    larger than the pipe's buffer would otherwise keep the parent waiting in send() until the child asks for
    it (a build sends the pages' titles while the child is still indexing; under `make serve`, at nice 19, for
    a minute at national scale). Called, it gives the message (waiting for it if need be)."""

    def __init__(self, end: _End) -> None:
        self.data: bytes | None = None
        self.reader = threading.Thread(target=self._read, args=(end,), daemon=True)
        self.reader.start()

    def _read(self, end: _End) -> None:
        try:
            self.data = end.recv_bytes()
        except EOFError:  # the parent closed its end without sending (it failed): __call__ says so
            pass

    def __call__(self) -> Any:
        self.reader.join()
        if self.data is None:
            raise EOFError("the build sent this process nothing")
        return pickle.loads(self.data)


def _run(fn: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Callable[[], Any]], send: _End, nice: int,
         parent_ends: list[_End | None]) -> None:
    for end in parent_ends:
        if end is not None:
            end.close()
    try:
        if nice:
            os.nice(nice)  # yield the cores to the build, which waits on other work first
        kwargs = {name: make() if name == "inbox" else make for name, make in kwargs.items()}
        message = ["ok", fn(*args, **kwargs)]
    except BaseException:  # reported to the parent, which raises it
        message = ["error", traceback.format_exc()]
    try:
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
    except Exception:  # a result that does not pickle is the function's error
        data = pickle.dumps(["error", traceback.format_exc()], pickle.HIGHEST_PROTOCOL)
    send.send_bytes(data)
    send.close()
    os._exit(0)  # the forked copy of the build has nothing else to do (no atexit handlers, no flushing)
