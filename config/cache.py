"""Django's Redis cache, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` for every cache call, and redis-py 8 fills a table of some 170
response callbacks in each: about a fifth of a millisecond per call, several calls per API request.
The client is thread-safe and stateless besides its pool, so one per pool does.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class _ReusingClient(RedisCacheClient):
    def __init__(self, *args: object, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, object] = {}

    def get_client(self, key: object = None, *, write: bool = False) -> object:
        index = self._get_connection_pool_index(write)
        client = self._clients.get(index)
        if client is None:
            client = self._clients[index] = super().get_client(key, write=write)
        return client


class ReusingRedisCache(RedisCache):
    def __init__(self, server: str, params: dict) -> None:
        super().__init__(server, params)
        self._class = _ReusingClient
