"""A TCP relay on 127.0.0.1 that plays a long-distance link, for scripts/bench.

Every byte waits half the round-trip time in each direction, a new connection costs one more
round trip (the TCP handshake of a real link), and the relay counts the connections clients
open. TLS passes through untouched (it is end to end, as on the internet).

The relay runs in a process of its own, as a real link's routers would: in the client's
process it would compete with the client's threads for the interpreter, and so slow most the
client with the most Python work per call (with 64 threads in flight that moved the ratio
between two clients by a third from one run to the next).

    relay = LatencyRelay(target_port, rtt=0.060).start()
    ... connect to 127.0.0.1:relay.port ...
    relay.connections   # how many were opened so far
    relay.stop()
"""

from __future__ import annotations

import asyncio
import multiprocessing
import time
from typing import Any


class LatencyRelay:
    def __init__(self, target_port: int, rtt: float = 0.060, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.rtt = rtt
        context = multiprocessing.get_context("spawn")  # no fork of a process with threads
        self._count: Any = context.Value("i", 0)
        self._port: Any = context.Value("i", 0)
        self._process = context.Process(
            target=_serve, args=(self.target, rtt, self._count, self._port), name="latency-relay", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._port.value)

    @property
    def connections(self) -> int:
        """Connections opened through the relay so far."""
        return int(self._count.value)

    def start(self) -> LatencyRelay:
        self._process.start()
        deadline = time.monotonic() + 30
        while not self._port.value:
            if time.monotonic() > deadline or not self._process.is_alive():
                raise RuntimeError("the relay did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        """Stop the relay process and every connection through it."""
        self._process.terminate()
        self._process.join(10)


def _serve(target: tuple[str, int], rtt: float, count: Any, port: Any) -> None:
    """The relay's process: accept, delay, forward, count."""

    async def client(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with count.get_lock():
            count.value += 1
        await asyncio.sleep(rtt)  # the handshake of a real link: one round trip
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*target)
        except OSError:
            writer.close()
            return
        both = (pipe(reader, upstream_writer), pipe(upstream_reader, writer))
        await asyncio.gather(*both, return_exceptions=True)

    async def pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        """Forward bytes in order, each delivered half a round trip after it was read."""
        queue: asyncio.Queue[tuple[float, bytes]] = asyncio.Queue()

        async def deliver() -> None:
            while True:
                due, data = await queue.get()
                if not data:
                    break
                wait = due - time.monotonic()
                if wait > 0:
                    await asyncio.sleep(wait)
                writer.write(data)
                await writer.drain()
            writer.close()

        sender = asyncio.ensure_future(deliver())
        try:
            while True:
                data = await reader.read(65536)
                await queue.put((time.monotonic() + rtt / 2, data))
                if not data:
                    break
        except OSError:
            await queue.put((0.0, b""))
        await sender

    async def main() -> None:
        server = await asyncio.start_server(client, "127.0.0.1", 0)
        port.value = server.sockets[0].getsockname()[1]
        async with server:
            await server.serve_forever()

    asyncio.run(main())
