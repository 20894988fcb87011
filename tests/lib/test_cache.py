"""The Redis cache backend against a real redis-server started for the test."""

import shutil
import subprocess
import threading
import time

import pytest
import redis
from django.core.cache.backends.redis import RedisCache as DjangoRedisCache

from guichet.lib.cache import RedisCache
from tests.conftest import free_port

pytestmark = pytest.mark.skipif(shutil.which("redis-server") is None, reason="redis-server is not installed")


@pytest.fixture
def redis_url(tmp_path):
    port = free_port()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )
    url = f"redis://127.0.0.1:{port}/0"
    for _ in range(100):
        try:
            redis.Redis.from_url(url).ping()
            break
        except redis.ConnectionError:
            time.sleep(0.05)
    yield url
    process.terminate()
    process.wait(timeout=10)


def test_one_client_serves_every_call_and_thread(redis_url):
    cache = RedisCache(redis_url, {})
    cache.set("page", "<html>é</html>", 60)
    assert cache.get("page") == "<html>é</html>"
    clients = set()
    cache.add("hits", 0)

    def work():
        for _ in range(50):
            cache.incr("hits", 1)
            clients.add(id(cache._cache.get_client(write=True)))

    threads = [threading.Thread(target=work) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(clients) == 1
    assert cache.get("hits") == 200
    # Django's own backend makes a client per call: the reason for ours.
    django_cache = DjangoRedisCache(redis_url, {})
    assert django_cache._cache.get_client() is not django_cache._cache.get_client()
