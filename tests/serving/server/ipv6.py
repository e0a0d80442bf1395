"""Whether this machine can serve on IPv6 loopback: the IPv6 tests skip with the reason."""

import socket


def ipv6_loopback_unbindable():
    """Why ::1 cannot be served here, or None when it can."""
    if not socket.has_ipv6:
        return "this Python has no IPv6 (socket.has_ipv6 is False)"
    try:
        with socket.socket(socket.AF_INET6) as sock:
            sock.bind(("::1", 0))
    except OSError as err:
        return f"::1 cannot be bound on this machine ({err})"
    return None
