"""When to retry a Jira request and how long to wait, plus the tenacity loop that does it.

Rules (Atlassian's rate-limiting guidance):
- 429 means Jira did not process the request: every request is retried, waiting what
  `Retry-After` (seconds) or `X-RateLimit-Reset` (ISO 8601 instant) asks, plus a little jitter.
- 503 honours the same headers but, like other 5xx and connection errors, is retried only for
  idempotent requests: a create/comment/link/attachment POST may have been applied already,
  so the caller (the sync engine) decides, after looking, whether to send it again.
- Without a hint the wait is exponential with jitter, capped at `backoff_cap`. If Jira asks for
  a longer wait than the cap, the client gives up at once (JiraRateLimited carries the advice).
"""

from __future__ import annotations

import email.utils
import logging
import random
import re
import time
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TypeVar

import requests
from tenacity import RetryCallState, Retrying, retry_if_exception, stop_after_attempt

log = logging.getLogger("app.jira")

T = TypeVar("T")

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
HONOURS_RETRY_HINTS = frozenset({429, 503})
MINUTE_PRECISION = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(Z|[+-]\d{2}:?\d{2})")
HINT_JITTER_FRACTION = 0.1  # spreads clients that were all told "retry after N s" over N..1.1 N


class RetryableStatus(Exception):
    """Raised inside the retry loop for a 429/5xx answer, so tenacity can decide about it."""

    def __init__(self, response: requests.Response) -> None:
        super().__init__(response.status_code)
        self.response = response


class HintBeyondCap(Exception):
    """Jira asked for a longer wait than the policy allows; raised out of the loop unchanged."""

    def __init__(self, response: requests.Response, wait: float) -> None:
        super().__init__(response.status_code)
        self.response = response
        self.wait = wait


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a `Retry-After` value (delta-seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())


def parse_rate_limit_reset(value: str | None, now: datetime) -> float | None:
    """Seconds until `X-RateLimit-Reset`; None if past or unreadable.

    Jira Cloud writes it at minute precision (`yyyy-MM-ddTHH:mmZ`): the reset falls somewhere
    in that minute, and a request sent before it only earns a longer wait, so a minute-precise
    value is read as the end of its minute. Any other ISO 8601 instant is taken as written.
    """
    if not value:
        return None
    text = value.strip()
    minute_precise = MINUTE_PRECISION.fullmatch(text) is not None
    try:
        when = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    if minute_precise:
        when += timedelta(minutes=1)
    seconds = (when - now).total_seconds()
    return seconds if seconds > 0 else None


def server_wait_hint(headers: Mapping[str, str], now: datetime) -> float | None:
    """Jira's advice on how long to wait: `Retry-After` first, else `X-RateLimit-Reset`."""
    hint = parse_retry_after(headers.get("Retry-After"), now)
    if hint is None:
        hint = parse_rate_limit_reset(headers.get("X-RateLimit-Reset"), now)
    return hint


def is_retryable(failure: BaseException, idempotent: bool) -> bool:
    """Whether this failure may be retried for a request of this idempotency."""
    if isinstance(failure, RetryableStatus):
        status = failure.response.status_code
        return status == 429 or (status >= 500 and idempotent)
    if isinstance(failure, requests.exceptions.ConnectTimeout):
        return True  # the request never reached Jira
    if isinstance(failure, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return idempotent
    return False


@dataclass
class RetryPolicy:
    """Retry limits and waits; `sleep`, `jitter` (0..1) and `clock` are injectable for tests."""

    max_retries: int = 5
    backoff_base: float = 1.0
    backoff_cap: float = 60.0
    sleep: Callable[[float], None] = time.sleep
    jitter: Callable[[], float] = random.random
    clock: Callable[[], datetime] = field(default=lambda: datetime.now(UTC))
    retries: int = 0
    waits: deque[float] = field(default_factory=lambda: deque(maxlen=100))  # the latest, for tests

    def backoff(self, retry_number: int) -> float:
        """Exponential wait for the n-th retry (1-based), between half and all of the capped value."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2.0 ** (retry_number - 1))
        return ceiling * (0.5 + 0.5 * self.jitter())

    def wait_for(self, failure: BaseException, retry_number: int) -> float:
        """How long to wait before the n-th retry after `failure`."""
        if isinstance(failure, RetryableStatus) and failure.response.status_code in HONOURS_RETRY_HINTS:
            hint = server_wait_hint(failure.response.headers, self.clock())
            if hint is not None:
                return hint * (1 + HINT_JITTER_FRACTION * self.jitter())
        return self.backoff(retry_number)

    def run(self, attempt: Callable[[], T], idempotent: bool, describe: str) -> T:
        """Call `attempt` until it returns, retrying what the rules allow. Re-raises the last failure."""

        def wait(state: RetryCallState) -> float:
            failure = _failure_of(state)
            seconds = self.wait_for(failure, state.attempt_number)
            if seconds > self.backoff_cap and isinstance(failure, RetryableStatus):
                raise HintBeyondCap(failure.response, seconds)
            return seconds

        def before_sleep(state: RetryCallState) -> None:
            self.retries += 1
            seconds = state.next_action.sleep if state.next_action else 0.0
            self.waits.append(seconds)
            failure = _failure_of(state)
            reason = f"HTTP {failure.response.status_code}" if isinstance(failure, RetryableStatus) else type(failure).__name__
            log.warning(
                "Jira %s answered %s; retry %d/%d in %.2fs", describe, reason, state.attempt_number,
                self.max_retries, seconds,
            )

        retrying = Retrying(
            sleep=self.sleep,
            stop=stop_after_attempt(self.max_retries + 1),
            wait=wait,
            retry=retry_if_exception(lambda failure: is_retryable(failure, idempotent)),
            before_sleep=before_sleep,
            reraise=True,
        )
        return retrying(attempt)


def _failure_of(state: RetryCallState) -> BaseException:
    """What the attempt raised: tenacity waits and sleeps only after an attempt that failed."""
    failure = state.outcome.exception() if state.outcome is not None else None
    if failure is None:
        raise RuntimeError("tenacity asked for a wait after an attempt that did not fail")
    return failure
