"""The I/O edge that gets pages: `Fetcher` for the web (guarded, bounded), `read_local` for files."""

from bot.fetch.client import Fetcher, FetchLimits
from bot.fetch.files import read_local
from bot.fetch.guard import AddressPolicy, GuardedResolver, StaticResolver

__all__ = ["AddressPolicy", "FetchLimits", "Fetcher", "GuardedResolver", "StaticResolver", "read_local"]
