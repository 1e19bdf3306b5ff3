"""Errors raised when a message breaks the contract.

Every error is also a ``ValueError`` so callers that only know the builtin can
catch it; the ``reason`` attribute is a stable key that metrics and logs use to
count rejections by cause.
"""

from __future__ import annotations


class ContractError(ValueError):
    """A payload that does not satisfy the wire contract."""

    reason = "invalid"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class PayloadTooLarge(ContractError):
    reason = "oversize"


class MalformedJson(ContractError):
    reason = "bad_json"


class UnknownType(ContractError):
    reason = "unknown_type"


class InvalidField(ContractError):
    reason = "invalid_field"


class ForgedSource(ContractError):
    """The topic names one agent and the payload another."""

    reason = "forged"
