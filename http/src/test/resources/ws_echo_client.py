"""An echo check with Python's websockets, a client people use: COUNT messages of random sizes up
to MAX bytes, text and binary in turn, each echo compared with what was sent, then the close
handshake. Sizes are log-uniform, so small and large messages both come often; text mixes one-,
two-, three- and four-byte UTF-8 characters.

usage: ws_echo_client.py URI COUNT MAX SEED [--deflate]
Prints one "ok ..." line and exits 0, or says what differed and exits 1.
"""
import asyncio
import math
import random
import ssl
import sys

import websockets

ALPHABET = "abcxyz 019\u00e9\u00df\u0416\u20ac\u4e2d\U0001f600"


def size(rnd, most):
    return min(most, int(math.exp(rnd.uniform(0, math.log(most + 1)))) - 1)


def text(rnd, n):
    # n characters, each at most four bytes: kept under `most` bytes by the caller's division.
    return "".join(rnd.choices(ALPHABET, k=n))


async def main(uri, count, most, seed, deflate):
    rnd = random.Random(seed)
    context = None
    if uri.startswith("wss:"):
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    sent = 0
    async with websockets.connect(uri, ssl=context, max_size=most + 1,
                                  compression="deflate" if deflate else None,
                                  open_timeout=20, close_timeout=20, ping_interval=None) as ws:
        for i in range(count):
            if i % 2 == 0:
                message = text(rnd, size(rnd, most) // 4)
                sent += len(message.encode("utf-8"))
            else:
                message = rnd.randbytes(size(rnd, most))
                sent += len(message)
            await ws.send(message)
            got = await asyncio.wait_for(ws.recv(), 20)
            if got != message:
                print(f"message {i}: sent {type(message).__name__} of {len(message)}, "
                      f"got {type(got).__name__} of {len(got)}")
                return 1
        await ws.close()
        if ws.close_code != 1000:
            print(f"closed with {ws.close_code} {ws.close_reason!r}, not 1000")
            return 1
        extensions = [type(e).__name__ for e in getattr(ws, "extensions", [])]
    print(f"ok {count} messages, {sent} bytes each way, extensions {extensions}")
    return 0


if __name__ == "__main__":
    if len(sys.argv) < 5:
        print(__doc__)
        sys.exit(2)
    sys.exit(asyncio.run(main(sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]),
                              "--deflate" in sys.argv[5:])))
