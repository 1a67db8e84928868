"""Exit 0 when TCP port N on 127.0.0.1 is free to listen on, 1 when something holds it.

    python scripts/port_free.py 7860
"""

from __future__ import annotations

import socket
import sys

if __name__ == "__main__":
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        try:
            probe.bind(("127.0.0.1", int(sys.argv[1])))
        except OSError:
            sys.exit(1)
