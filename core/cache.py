"""Timings of every cache operation, whatever backend `CACHE_URL` names.

`CACHES["default"]` names `core.cache.TimedCache` as its BACKEND and the real backend
as `TIMED_BACKEND` (config/settings.py). `TimedCache` builds that backend as a subclass
of it with `TimedCacheMixin` in front, so the cache is still an instance of its own
class (`createcachetable` finds the database cache; each backend's own methods stay)
and one mixin times them all. Only the outermost operation is measured: a `get` that
the database cache answers through `get_many`, or the `get` and `add` inside
`get_or_set`, are not counted twice.

Django's database cache increments by a `get` then a `set`, so two processes adding 1
to the same key at once could both write the same value. Built here, it increments
under the key's row lock (`AtomicIncrementMixin`), so `incr` and `decr` are atomic on
every backend this project runs: Redis's are, the local-memory cache's take a lock.
"""

import functools
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import cache
from django.core.cache.backends.base import BaseCache
from django.core.cache.backends.db import DatabaseCache
from django.db import connections, router, transaction
from django.utils.module_loading import import_string

from core import metrics

# Whether an operation of the cache is being measured in this thread or task.
_measuring: ContextVar[bool] = ContextVar("cache_operation_measured", default=False)
_MISSING = object()

# The operations timed (besides `get`, which also counts hits and misses).
TIMED_OPERATIONS = (
    "set",
    "add",
    "delete",
    "incr",
    "decr",
    "touch",
    "has_key",
    "get_many",
    "set_many",
    "delete_many",
    "get_or_set",
    "clear",
)


@contextmanager
def _measured(cache: "TimedCacheMixin", operation: str) -> Iterator[bool]:
    """Times the block, unless another operation of a cache already is; yields whether
    this one is measured."""
    if _measuring.get():
        yield False
        return
    token = _measuring.set(True)
    started = time.perf_counter()
    try:
        yield True
    finally:
        metrics.cache_operation_timed(
            backend=cache.metrics_backend,
            operation=operation,
            seconds=time.perf_counter() - started,
        )
        _measuring.reset(token)


def _timed(operation: str):
    def method(self, *args, **kwargs):
        with _measured(self, operation):
            return getattr(super(TimedCacheMixin, self), operation)(*args, **kwargs)

    method.__name__ = operation
    return method


class TimedCacheMixin:
    metrics_backend = ""  # the `backend` label: the wrapped class's name

    def get(self, key, default=None, version=None):
        with _measured(self, "get") as measured:
            value = super().get(key, _MISSING, version=version)
        if measured:
            metrics.cache_get_answered(backend=self.metrics_backend, hit=value is not _MISSING)
        return default if value is _MISSING else value


for _operation in TIMED_OPERATIONS:
    setattr(TimedCacheMixin, _operation, _timed(_operation))


class AtomicIncrementMixin:
    """For Django's database cache: `incr` (and `decr`, which calls it) reads and writes
    the value in one transaction holding the key's row: `SELECT ... FOR UPDATE` on
    PostgreSQL; on SQLite the transaction's `IMMEDIATE` write lock (config/settings.py)
    already serializes writers. A key without a row when the lock is taken raises
    `ValueError`, as a missing key does: a row another process adds right after it would
    otherwise be read and written without the lock."""

    def incr(self, key, delta=1, version=None):
        database = router.db_for_write(self.cache_model_class)
        connection = connections[database]
        with transaction.atomic(using=database):
            if connection.features.has_select_for_update:
                quote_name = connection.ops.quote_name
                table, column = quote_name(self._table), quote_name("cache_key")
                lock = f"SELECT {column} FROM {table} WHERE {column} = %s FOR UPDATE"  # noqa: S608
                with connection.cursor() as cursor:
                    cursor.execute(lock, [self.make_and_validate_key(key, version=version)])
                    if cursor.fetchone() is None:
                        # No row to hold: one added meanwhile would be read and written
                        # back without the lock (a lost update). Missing is missing.
                        raise ValueError(f"Key '{key}' not found")
            return super().incr(key, delta, version=version)


@functools.cache
def timed_class(backend: type[BaseCache]) -> type[BaseCache]:
    atomic = (AtomicIncrementMixin,) if issubclass(backend, DatabaseCache) else ()
    return type(
        f"Timed{backend.__name__}",
        (TimedCacheMixin, *atomic, backend),
        {"metrics_backend": backend.__name__, "__module__": __name__},
    )


def TimedCache(location: str, params: dict) -> BaseCache:
    """The cache backend `params["TIMED_BACKEND"]` (a dotted path), timed. Named like the
    classes BACKEND names, which Django calls the same way."""
    return timed_class(import_string(params["TIMED_BACKEND"]))(location, params)


def _default_backend() -> str:
    default = settings.CACHES["default"]
    return default.get("TIMED_BACKEND") or default["BACKEND"]


def cache_is_redis() -> bool:
    """Whether the default cache is Redis (`CACHE_URL=redis://...`)."""
    return _default_backend() == "django.core.cache.backends.redis.RedisCache"


def cache_is_database() -> bool:
    """Whether the default cache is Django's database cache (the embedded default)."""
    return _default_backend() == "django.core.cache.backends.db.DatabaseCache"


def redis_client():
    """The redis-py client behind the default cache (when `cache_is_redis()`), for what
    the cache API lacks (sorted sets, pipelines): Django's Redis backend keeps it behind
    `_cache`, with the connection pool the cache uses."""
    return cache._cache.get_client(None, write=True)
