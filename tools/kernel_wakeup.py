"""No stalled notebook executions: nbclient's kernel channels poll in short slices.

The problem (measured with tools/stress_kernels.py on a busy 2-core machine, with
ipykernel 7.4.0 and with 6.31.0 alike, pyzmq 27.3.0, jupyter_client 8.10.0, nbclient
0.11.0): now and then a notebook execution sat idle for exactly its cell timeout, the
kernel idle in its event loop, the client idle in ``NotebookClient.execute``, then went
on as if nothing had happened. The kernel had replied; the client had missed the
wake-up. nbclient waits for a reply with one ``await socket.poll(timeout)`` of
``zmq.asyncio``, which learns of new messages from the socket's edge-triggered file
descriptor; when that edge is lost, nothing wakes the poll until its timeout fires,
and then pyzmq's final non-blocking ``zmq_poll`` finds the reply that was there all
along. (pyzmq's own issues describe such lost wake-ups of ``zmq.asyncio``; ipykernel
issue #1554 one on the kernel's side.)

The fix: ``install()`` replaces ``AsyncZMQSocketChannel.get_msg`` of jupyter_client
(what nbclient uses for the shell and iopub channels) with one that polls in slices of
``SLICE`` seconds up to the same timeout. Each slice ends with that non-blocking
``zmq_poll``, so a lost wake-up costs at most one slice instead of a whole timeout.
Messages, their order and the timeouts are unchanged. The blocking client (nbval's)
uses ``zmq_poll`` itself and never had the problem.

Installed by the book build (this file is a Sphinx extension in ``_config.yml``: the
reader processes that execute the notebooks inherit it) and by
``tools/execute_notebooks.py`` (``make execute``, the tests, tools/stress_kernels.py).
"""

from __future__ import annotations

import time
from queue import Empty

SLICE = 0.5  # seconds: the longest a lost wake-up can delay a message

_original = None


async def _get_msg(self, timeout: float | None = None):
    """jupyter_client's ``get_msg``, polling at most SLICE seconds at a time."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = SLICE if deadline is None else min(SLICE, max(0.0, deadline - time.monotonic()))
        if await self.socket.poll(int(left * 1000)):
            return await self._recv()
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def install() -> None:
    """Patch jupyter_client's async channel (idempotent)."""
    global _original
    from jupyter_client.channels import AsyncZMQSocketChannel

    if _original is None:
        _original = AsyncZMQSocketChannel.get_msg
        AsyncZMQSocketChannel.get_msg = _get_msg


def uninstall() -> None:
    """Restore jupyter_client's own ``get_msg`` (tools/stress_kernels.py --without-fix)."""
    global _original
    from jupyter_client.channels import AsyncZMQSocketChannel

    if _original is not None:
        AsyncZMQSocketChannel.get_msg = _original
        _original = None


def installed() -> bool:
    from jupyter_client.channels import AsyncZMQSocketChannel

    return AsyncZMQSocketChannel.get_msg is _get_msg


def setup(app) -> dict:
    """As a Sphinx extension: patch before any notebook is executed."""
    install()
    return {"version": "1.0", "parallel_read_safe": True, "parallel_write_safe": True}
