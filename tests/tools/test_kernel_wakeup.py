"""tools/kernel_wakeup.py: a lost zmq wake-up costs one slice, not the whole timeout.

The lost wake-up is made on purpose: zmq.asyncio learns of a new message from the socket's
edge-triggered file descriptor, and reading the socket's EVENTS from elsewhere (as a
non-blocking poll does) consumes that edge. jupyter_client's own get_msg then waits for
its whole timeout although the message is there; the patched one finds it within a slice.
"""

from __future__ import annotations

import asyncio
import time

import kernel_wakeup
import pytest
import zmq
import zmq.asyncio
from jupyter_client.channels import AsyncZMQSocketChannel
from jupyter_client.session import Session

TIMEOUT = 3.0  # seconds get_msg may wait


async def _receive_after_a_lost_wakeup() -> tuple[dict, float]:
    session = Session(key=b"test")
    context, sync_context = zmq.asyncio.Context(), zmq.Context()
    receiver = context.socket(zmq.PAIR)
    port = receiver.bind_to_random_port("tcp://127.0.0.1")
    sender = sync_context.socket(zmq.PAIR)
    sender.connect(f"tcp://127.0.0.1:{port}")
    channel = AsyncZMQSocketChannel(receiver, session)
    try:
        await asyncio.sleep(0.2)  # connected
        started = time.monotonic()
        waiting = asyncio.ensure_future(channel.get_msg(timeout=TIMEOUT))
        await asyncio.sleep(0.1)  # the poll waits on the descriptor
        session.send(sender, "execute_reply", content={"status": "ok"})
        time.sleep(0.1)  # the message arrives: the descriptor's edge
        receiver.getsockopt(zmq.EVENTS)  # ... is consumed here
        message = await waiting
        return message, time.monotonic() - started
    finally:
        receiver.close(0)
        sender.close(0)
        context.term()
        sync_context.term()


@pytest.fixture
def patched():
    kernel_wakeup.install()
    yield
    kernel_wakeup.install()  # other tests run notebooks with the fix


def test_without_the_fix_a_lost_wakeup_costs_the_whole_timeout(patched):
    kernel_wakeup.uninstall()
    message, seconds = asyncio.run(_receive_after_a_lost_wakeup())
    assert message["content"] == {"status": "ok"}  # it was there all along ...
    assert seconds >= TIMEOUT - 0.1  # ... found only when the timeout fired


def test_with_the_fix_a_lost_wakeup_costs_at_most_a_slice(patched):
    assert kernel_wakeup.installed()
    message, seconds = asyncio.run(_receive_after_a_lost_wakeup())
    assert message["content"] == {"status": "ok"}
    assert seconds < 0.1 + 0.1 + kernel_wakeup.SLICE + 0.5, seconds


def test_the_fix_still_times_out():
    from queue import Empty

    async def nothing_arrives() -> float:
        context = zmq.asyncio.Context()
        socket = context.socket(zmq.PAIR)
        socket.bind_to_random_port("tcp://127.0.0.1")
        channel = AsyncZMQSocketChannel(socket, Session(key=b"test"))
        started = time.monotonic()
        try:
            with pytest.raises(Empty):
                await channel.get_msg(timeout=1.2)
            return time.monotonic() - started
        finally:
            socket.close(0)
            context.term()

    kernel_wakeup.install()
    assert 1.2 <= asyncio.run(nothing_arrives()) < 1.2 + kernel_wakeup.SLICE


def test_the_book_build_installs_it():
    import yaml
    from execute_notebooks import ROOT

    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    assert config["sphinx"]["local_extensions"].get("kernel_wakeup") == "tools/"
