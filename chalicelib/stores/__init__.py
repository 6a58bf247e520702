"""Stores: the only modules that talk to AWS (DynamoDB via PynamoDB, S3, SQS, SNS)."""
