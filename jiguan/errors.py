"""The base of the errors meant for the person at the page or the command line.

It sits below both the store and the accounts' rules, so that `jiguan.accounts.AccountError`
(a refused name, password or login) is a `StoreError` as every caller expects (the store's
`Users` raises it inside its transactions) without `jiguan.accounts` importing the store.
`jiguan.store` exports it with the rest of its family (`jiguan.store.errors`).
"""

from __future__ import annotations


class StoreError(Exception):
    """Anything the store refuses or fails to do; the message is Chinese and user-facing."""
