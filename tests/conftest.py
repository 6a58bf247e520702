"""Test environment: fake credentials and the China region, set before anything builds a boto3 session."""

from __future__ import annotations

import os

from scripts.offline_aws import use_fake_aws

use_fake_aws("testing")
os.environ["AWS_SESSION_TOKEN"] = "testing"
