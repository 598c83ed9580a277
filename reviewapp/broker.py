"""kombu's Redis transport, with one repair so that a worker survives a Redis outage.

When the broker connection drops while a worker holds messages it has not acknowledged yet
(a task running, one prefetched, a retry waiting for its countdown), Celery closes the dead
connection and kombu tries to put those messages back. By then kombu has already detached the
transport from its connection, and building a Redis client for the attempt fails with
`AttributeError: 'NoneType' object has no attribute 'hostname'`. That is not one of the
connection errors Celery recovers from, so the worker logs "Unrecoverable error" and exits
(seen in `make chaos`; reported upstream in several forms, e.g. celery/kombu#582). Here a
detached transport raises redis' ConnectionError instead, which every caller on that path
catches: the worker reconnects, and the messages it could not put back are redelivered after
the visibility timeout (or their rows are swept again), as for any other lost connection.
"""

from __future__ import annotations

from kombu.transport import redis as kombu_redis
from redis.exceptions import ConnectionError as RedisConnectionError


class Channel(kombu_redis.Channel):
    def _connparams(self, asynchronous: bool = False) -> dict:
        if self.connection.client is None:
            raise RedisConnectionError("The connection to the broker is closed.")
        return super()._connparams(asynchronous=asynchronous)


class Transport(kombu_redis.Transport):
    Channel = Channel
