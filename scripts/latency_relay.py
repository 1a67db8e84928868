"""A TCP relay on 127.0.0.1 that plays a long-distance link, for scripts/bench.

Every byte waits half the round-trip time in each direction, a new connection costs one more
round trip (the TCP handshake of a real link), and the relay counts the connections clients
open. TLS passes through untouched (it is end to end, as on the internet).

    relay = LatencyRelay(target_port, rtt=0.060); relay.start()
    ... connect to 127.0.0.1:relay.port ...
    relay.connections   # how many were opened so far
    relay.stop()
"""

from __future__ import annotations

import asyncio
import threading
import time


class LatencyRelay:
    def __init__(self, target_port: int, rtt: float = 0.060, host: str = "127.0.0.1") -> None:
        self.target = (host, target_port)
        self.rtt = rtt
        self.port = 0
        self.connections = 0
        self._loop = asyncio.new_event_loop()
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="latency-relay", daemon=True)
        self._server: asyncio.base_events.Server | None = None

    def start(self) -> LatencyRelay:
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the relay did not start")
        return self

    def stop(self) -> None:
        """Close the relay and every connection through it."""
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()

    async def _shutdown(self) -> None:
        if self._server is not None:
            self._server.close()
        tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._server = self._loop.run_until_complete(asyncio.start_server(self._client, "127.0.0.1", 0))
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        self._loop.run_forever()

    async def _client(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        await asyncio.sleep(self.rtt)  # the handshake of a real link: one round trip
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        await asyncio.gather(
            self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer), return_exceptions=True
        )

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
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
                await queue.put((time.monotonic() + self.rtt / 2, data))
                if not data:
                    break
        except OSError:
            await queue.put((0.0, b""))
        await sender
