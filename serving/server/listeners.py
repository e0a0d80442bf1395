"""`listeners`: the sockets `genreclf serve` listens on, and why they cannot be bound.

Every address `--host` resolves to is bound on one port before the servers start,
so that a problem is one line naming its flag: a port in use names `--rest-port` /
`--grpc-port`, a host this machine has no address of (an unknown name, an address of
another machine, an empty `--host`) names `--host`. The latter said "Expected a free
port ... Pick another port", which no port fixes.
"""

import errno
import os
import socket

# An address of a family this machine lacks (::1 where IPv6 is off): skipped, as
# asyncio's create_server (uvicorn's own binding) skips it, if another one binds.
_UNAVAILABLE = {errno.EAFNOSUPPORT, errno.EADDRNOTAVAIL, errno.EPROTONOSUPPORT}


def listeners(protocol, host, port, attempts=5):
    """Listening sockets on every address `socket.getaddrinfo` gives for `host` (an IPv6
    literal bare or in brackets; IPv6 ones IPv6-only, beside the IPv4 ones), all on one
    port: with port 0, the one the OS picked for the first. Raises an OSError saying why
    when one cannot be bound (in use), or none can.

    Example:

    >>> [s.getsockname()[0] for s in listeners("REST", "127.0.0.1", 0)]  # doctest: +SKIP
    ['127.0.0.1']
    """
    bare = host[1:-1] if host and host[:1] == "[" and host[-1:] == "]" else host  # [::1]
    if not (bare or "").strip():  # getaddrinfo(None) would bind every interface
        raise OSError(host_error(protocol, host, "an empty name (every interface?)"))
    try:
        found = socket.getaddrinfo(bare, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except OSError as err:  # socket.gaierror: an unknown host name
        raise OSError(host_error(protocol, host, _reason(err))) from None
    addresses = list(dict.fromkeys((info[0], info[4]) for info in found))  # once each
    for attempt in range(attempts if port == 0 else 1):
        sockets, skipped, chosen = [], [], port
        try:
            for family, address in addresses:
                sock = _bound(family, (address[0], chosen, *address[2:]), skipped)
                if sock is not None:
                    sockets.append(sock)
                    chosen = sock.getsockname()[1]
        except OSError as err:
            for sock in sockets:
                sock.close()
            if err.errno == errno.EADDRINUSE and port == 0 and attempt < attempts - 1:
                continue  # the port picked for the first address is taken on another one
            raise OSError(bind_error(protocol, host, port, _reason(err))) from None
        if sockets:
            return sockets
        # None of its addresses is this machine's (EADDRNOTAVAIL), or of a family it lacks.
        reason = _reason(skipped[0]) if skipped else "it resolves to no address"
        raise OSError(host_error(protocol, host, reason))
    raise AssertionError("unreachable")  # pragma: no cover - the last attempt raises


def _bound(family, address, skipped):
    """A socket listening on `address`, or None (the error appended to `skipped`) where
    this machine lacks the address's family; other errors are raised."""
    try:
        sock = socket.socket(family, socket.SOCK_STREAM)
    except OSError as err:
        if err.errno not in _UNAVAILABLE:
            raise
        skipped.append(err)
        return None
    try:
        if os.name != "nt":  # as socket.create_server: rebind at once after a restart
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if family == socket.AF_INET6:  # leaves the IPv4 address to its own socket
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
        sock.bind(address)
        sock.listen()
    except OSError as err:
        sock.close()
        if err.errno not in _UNAVAILABLE:
            raise
        skipped.append(err)
        return None
    return sock


def _reason(err):
    """Why a bind failed, in words: "address already in use"."""
    return ((err.strerror or os.strerror(err.errno)) if err.errno else str(err)).lower()


def bind_error(protocol, host, port, reason):
    """The message of a port that cannot be bound: what was expected, received, and the fix."""
    flag = f"--{protocol.lower()}-port"
    return (
        f"Expected a free port to serve {protocol} on. Received: {flag}={port} on {host}: "
        f"{reason}. Pick another port with {flag} (0 turns {protocol} off), or stop what "
        "is using it."
    )


def host_error(protocol, host, reason):
    """The message of a host none of whose addresses this machine can listen on.

    Example:

    >>> host_error("REST", "nohost.invalid", "name or service not known").split(". ")[1]
    "Received: --host='nohost.invalid': name or service not known"
    """
    return (
        f"Expected --host to name an address of this machine to serve {protocol} on. "
        f"Received: --host={host!r}: {reason}. Pass one of its addresses or names, e.g. "
        "127.0.0.1 (the default), localhost, or 0.0.0.0 for every interface."
    )
