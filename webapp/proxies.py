"""Behind a proxy: which X-Forwarded-* headers to believe, from TRUSTED_PROXIES.

- A number N: every request comes through N proxies of ours (a load balancer, then nginx: 2); werkzeug's ProxyFix
  takes the client's address from the N addresses they added to X-Forwarded-For, and the scheme, host and port
  from the nearest proxy's X-Forwarded-Proto, -Host and -Port (it passes on what the outer one said).
- Addresses or networks ("10.0.0.0/8, 192.0.2.7"): the headers are believed only for the hops that are ours,
  counted from the right: a request that reaches Docket directly, or through a proxy not listed, keeps its own
  address and scheme, so nobody can claim another client's address or https by sending the headers.
"""
import ipaddress

from werkzeug.middleware.proxy_fix import ProxyFix

MAX_HOPS = 5


def parse(value: str) -> int | tuple:
    """TRUSTED_PROXIES as set: 0 when empty; ValueError with what to write instead."""
    value = value.strip()
    if not value:
        return 0
    if value.isdigit():
        return int(value)
    try:
        return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in value.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"TRUSTED_PROXIES must be a number of proxies or a list of addresses, not {value!r}") \
            from None


def wrap(wsgi_app, trusted: int | tuple):
    """The WSGI app with the forwarded headers of trusted proxies applied (unchanged when there are none)."""
    if not trusted:
        return wsgi_app
    if isinstance(trusted, int):
        return _fix(wsgi_app, trusted)
    fixes = {hops: _fix(wsgi_app, hops) for hops in range(1, MAX_HOPS + 1)}

    def by_address(environ, start_response):
        hops = _trusted_hops(environ, trusted)
        return (fixes[hops] if hops else wsgi_app)(environ, start_response)
    return by_address


def _fix(wsgi_app, hops: int) -> ProxyFix:
    return ProxyFix(wsgi_app, x_for=hops, x_proto=1, x_host=1, x_port=1, x_prefix=0)


def _trusted_hops(environ, networks: tuple) -> int:
    """How many proxies of ours the request came through: the peer, then each forwarded address from the right
    while it is ours too (at most MAX_HOPS)."""
    forwarded = [part.strip() for part in environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    chain = [environ.get("REMOTE_ADDR", "")] + forwarded[::-1]
    hops = 0
    for address in chain[:MAX_HOPS]:
        if not _ours(address, networks):
            break
        hops += 1
    return min(hops, len(forwarded))


def _ours(address: str, networks: tuple) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)
