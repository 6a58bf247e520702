"""Test environment: fake credentials and the China region, set before anything builds a boto3 session."""

from __future__ import annotations

import os

from scripts.offline_aws import use_fake_aws

use_fake_aws("testing")
os.environ["AWS_SESSION_TOKEN"] = "testing"
# Upload rescore messages are delayed in AWS and the local stack (coalescing, RESCORE_DELAY_S): not in
# tests, which drain queues at once; the coalescing tests set their own delay.
os.environ.setdefault("RESCORE_DELAY_S", "0")
