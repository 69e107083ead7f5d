"""Where an uploaded roster waits between preview and confirm.

The file holds full ID numbers and phones, so it must not linger: it goes to the cache (Redis in
production) with a short lifetime instead of a temporary folder where an abandoned preview
would leave it for good.
"""

from import_export.tmp_storages import CacheStorage


class ShortLivedCacheStorage(CacheStorage):
    CACHE_LIFETIME = 60 * 60  # an hour to look at the preview and confirm
    CACHE_PREFIX = "gridgov-roster-"
