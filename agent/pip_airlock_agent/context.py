"""What a run works with, built once from the settings; tests build it from fakes."""
from __future__ import annotations

import random
from typing import Optional

from .ar import ArtifactRegistry
from .clock import Clock
from .http import Transport
from .log import Logger
from .metadata import GuestAttributes, Metadata
from .retry import RetryPolicy
from .runner import Runner


class Context:
    def __init__(self, log: Logger, clock: Clock, metadata: Metadata, attrs: GuestAttributes, ar: ArtifactRegistry,
                 retry: RetryPolicy, runner: Runner, agent_path: str, kms=None) -> None:
        self.log = log
        self.clock = clock
        self.metadata = metadata
        self.attrs = attrs
        self.ar = ar
        self.retry = retry
        self.runner = runner
        #: The zipapp this run came from: other interpreters run its shims (`PY -I agent.pyz pip-retry ...`).
        self.agent_path = agent_path
        #: Cloud KMS (kms.KmsClient): the mirror signs with it, hosts fetch public keys; None without a key.
        self.kms = kms

    def run(self, argv, **kwargs):
        return self.runner.run(argv, **kwargs)


def build(settings, log: Logger, agent_path: str, clock: Optional[Clock] = None, transport: Optional[Transport] = None,
          runner: Optional[Runner] = None, rng: Optional[random.Random] = None, times_file: Optional[str] = None) -> Context:
    clock = clock or Clock()
    transport = transport or Transport()
    metadata = Metadata(settings.metadata_host, transport, clock, log)
    attrs = GuestAttributes(metadata, settings.guest_attr_namespace, clock, log, **({"times_file": times_file} if times_file else {}))
    ar = ArtifactRegistry(settings.ar_host, metadata.token, transport, clock, on_rejected=metadata.forget_token)
    retry = RetryPolicy(settings.max_attempts, settings.max_backoff_seconds, settings.retry_after_max_seconds, clock, rng)
    kms = None
    if getattr(settings, "signing_key", ""):
        from .kms import KmsClient
        kms = KmsClient(settings.kms_endpoint, metadata.token, transport, on_rejected=metadata.forget_token)
    return Context(log, clock, metadata, attrs, ar, retry, runner or Runner(), agent_path, kms=kms)
