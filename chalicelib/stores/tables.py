"""PynamoDB models of every table. Table names come from settings (the environment).

Key design (single place; `infra/` and the local stack create tables from these models):

facts    pk "E#<credit_code>"
           sk "C"                            current item: master record, every current fact and
                                             cross-check (JSON), a version (see stores/facts.py)
           sk "H#M#<order>"                  master history (一企一档)
           sk "H#U#<period>#<order>"         fact history: ONE item per upload (or objection
                                             correction) and period, holding all its values of the
                                             enterprise for that period (JSON `facts`, "F" or "X")
           sk "H#F#<period>#<indicator>#<order>" / "H#X#…"  fact history written before issue 24, one
                                             item per value: still read (`FactsRepository.history`)
           sk "O"                            the enterprise's open objections (contract 16), kept by the
                                             objections' transactions: the portrait reads it with the
                                             current item, in the same BatchGetItem
           sk "Z#<recorded_at>#<batch_id>"   a zone membership record (contract 14), every one kept
         One GetItem (or one BatchGetItem for 100 enterprises) returns everything scoring needs.
         `order` = "<event time>#<sequencer>": later uploads sort later; an older S3 version never wins.

scores   pk "E#<credit_code>"
           sk "S#<period>"                   current score card + published whitelist state
           sk "H#<period>#<computed_at>"     score history
         GSIs, all with range key `rank_sk` = "<inverted score>#<credit_code>" (score desc, code asc),
         partitioned by city (first 4 digits of region_code) so no province sits on one hot key, each
         projecting a list row's fields only (`LIST_FIELDS`; by_period also the report digest):
           by_period      "<period>#<shard>"
           by_stage       "<period>#<stage>#<shard>"
           by_whitelist   "<period>#<shard>"   (sparse: only whitelisted cards carry it)

batches  pk batch_id; GSI by_key (key, received_at) for GET /batches?key=
outbox   pk event id; GSI by_pending (pending_shard, created_at), sparse: pending events only, 8 shards,
         for the relay's drain; sent events expire (TTL `expires_at`) after the audit retention
api_keys pk key_hash (sha256 of the key); role, label, revoked
reports  pk/sk: marks, move counters, built report items and snapshots (chalicelib/stores/reports.py)
policies pk "P#<policy_id>"
           sk "HEAD"                         the policy as it is now (status, version, content)
           sk "V#<version:06d>"              each version's content, kept (drafts edited, then frozen)
         GSIs on heads only: catalogue ("policies", "<created_at>#<id>") for GET /policies;
           by_period_status ("<period>#<status>", same range) for the published policies of a period
policy_matches pk "M#<policy_id>#<credit_code>"  (never the enterprise's city: it may move, and the
           sk "<credit_code>"                match, its sequence and delivery state move with it, 13.1)
                                             the match state of (policy, enterprise): matched, sequence,
                                             reasons, delivery state
         GSI by_shard ("<policy_id>#<shard>", credit_code): a policy's matches by the enterprise's city
           now (no policy sits on one hot key; the item's `gsi_shard` follows a move)
         GSI by_enterprise ("<credit_code>#<period>", policy_id), sparse: current matches only
jobs     pk job_id; sk "JOB" (the job: status, counters, set of counted chunks, result)
                     sk "PLAN#<n>" (one chunk of the plan, stored before any chunk message is sent)
                     sk "CHUNK#<n>" (one chunk's partial result, for the job's finisher)
models   pk "M" (the registry is a few dozen items: one partition, listed by one Query)
           sk version                       a model: status, source (the YAML text)
           sk "@active"                     the pointer to the active version
         pk "Z" (zone catalogue edits of PUT /zones, contract 14: a few dozen, one Query)
           sk zone_id                       the zone as edited (JSON in `source`) over the shipped file
support  see chalicelib/stores/support.py (records and their versions, five indexes)
objections pk "O#<objection_id>"
           sk "HEAD"                         the objection as it is now (contract 16)
           sk "V#<version:06d>"              each state it went through, kept
         pk "L#<credit_code>#<period>#<field>", sk "LOCK": held while an objection on it is open
         GSIs on heads only, range `opened_sk` = "<opened_at>#<objection_id>" (newest first):
           by_enterprise (credit_code), by_department (department), by_all ("ALL": objections are
           few, hundreds a year, so one partition serves admin, city and zone lists with filters)
"""

from __future__ import annotations

from typing import Any

from pynamodb.attributes import (
    BooleanAttribute,
    JSONAttribute,
    NumberAttribute,
    NumberSetAttribute,
    UnicodeAttribute,
    VersionAttribute,
)
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex, IncludeProjection, KeysOnlyProjection
from pynamodb.models import Model

from chalicelib.settings import get_settings

_settings = get_settings()


class _Meta:
    region = _settings.region
    billing_mode = "PAY_PER_REQUEST"


# --- facts -----------------------------------------------------------------------------------


class FactItem(Model):
    class Meta(_Meta):
        table_name = _settings.facts_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # master | upload (fact history) | fact | cross_check (older history) | current
    period = NumberAttribute(null=True)
    indicator = UnicodeAttribute(null=True)
    value = UnicodeAttribute(null=True)  # Decimal as text: no float drift
    # provenance of a history value; on the current item, of its master record (null: no master yet)
    department = UnicodeAttribute(null=True)
    batch_id = UnicodeAttribute(null=True)
    received_at = UnicodeAttribute(null=True)
    order = UnicodeAttribute(null=True)
    # master data
    name = UnicodeAttribute(null=True)
    established_on = UnicodeAttribute(null=True)  # ISO date
    region_code = UnicodeAttribute(null=True)
    industry_code = UnicodeAttribute(null=True)
    # the current item: every current fact and cross-check, and its optimistic-locking version;
    # an upload's history item: its values of the period ({"F"|"X": {indicator: value text or null}})
    facts = JSONAttribute(null=True)
    version = NumberAttribute(null=True)
    # the open-objections item only: {objection_id: {"field", "period", "status", "due_on"}}
    open_objections = JSONAttribute(null=True)
    # the current item only: the enterprise's zone memberships, compact (contract 14; stores/zones.py);
    # a membership's own history item (sk "Z#<recorded_at>#<batch_id>") holds it as JSON in `value`
    zones = JSONAttribute(null=True)


# --- scores ----------------------------------------------------------------------------------


# What the score indexes carry besides their keys (and the table's pk/sk): a list row's fields, never the
# ~9 KB card. A card write then pays each index a ~0.3 KB write instead of a whole copy; a list page,
# job enumeration or a cohort count reads rows of that size.
LIST_FIELDS: tuple[str, ...] = (
    *("credit_code", "name", "region_code", "industry_code"),
    *("stage", "score", "grade", "whitelisted", "discrepancy", "zone_id"),
)


class ByPeriodIndex(GlobalSecondaryIndex["ScoreItem"]):
    """Every card of (period, city): rankings of all stages, job enumeration, and the report builder,
    which reads the card's report digest (~0.5 KB) from here."""

    class Meta:
        index_name = "by_period"
        projection = IncludeProjection([*LIST_FIELDS, "report_digest"])

    gsi_period = UnicodeAttribute(hash_key=True)
    rank_sk = UnicodeAttribute(range_key=True)


class ByStageIndex(GlobalSecondaryIndex["ScoreItem"]):
    class Meta:
        index_name = "by_stage"
        projection = IncludeProjection(list(LIST_FIELDS))

    gsi_stage = UnicodeAttribute(hash_key=True)
    rank_sk = UnicodeAttribute(range_key=True)


class ByWhitelistIndex(GlobalSecondaryIndex["ScoreItem"]):
    class Meta:
        index_name = "by_whitelist"
        projection = IncludeProjection(list(LIST_FIELDS))

    gsi_whitelist = UnicodeAttribute(hash_key=True)
    rank_sk = UnicodeAttribute(range_key=True)


class ScoreItem(Model):
    class Meta(_Meta):
        table_name = _settings.scores_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()  # card | history
    credit_code = UnicodeAttribute()
    period = NumberAttribute()
    name = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    industry_code = UnicodeAttribute(null=True)
    stage = UnicodeAttribute()
    score = UnicodeAttribute()  # Decimal as text, 2 decimals
    grade = UnicodeAttribute()
    veto = BooleanAttribute(default=False)
    whitelisted = BooleanAttribute(default=False)
    model_version = UnicodeAttribute()
    computed_at = UnicodeAttribute()
    batch_id = UnicodeAttribute(null=True)
    card = JSONAttribute(null=True)  # the full score card (cards only)
    # the last published whitelist state of (enterprise, period), cards only
    wl_listed = BooleanAttribute(default=False)
    wl_score = UnicodeAttribute(null=True)
    wl_grade = UnicodeAttribute(null=True)
    wl_sequence = NumberAttribute(default=0)
    # index keys (cards only)
    rank_sk = UnicodeAttribute(null=True)
    gsi_period = UnicodeAttribute(null=True)
    gsi_stage = UnicodeAttribute(null=True)
    gsi_whitelist = UnicodeAttribute(null=True)
    version = VersionAttribute()  # optimistic locking
    report_digest = UnicodeAttribute(null=True)  # cards only: domain/reports/inputs.py's digest
    zone_id = UnicodeAttribute(null=True)  # the enterprise's zone when the card was written (contract 14)
    discrepancy = UnicodeAttribute(null=True)  # cards only, sparse: "1" when the card holds a discrepancy

    by_period = ByPeriodIndex()
    by_stage = ByStageIndex()
    by_whitelist = ByWhitelistIndex()


# --- batches ---------------------------------------------------------------------------------


class ByKeyIndex(GlobalSecondaryIndex["BatchItem"]):
    class Meta:
        index_name = "by_key"
        projection = AllProjection()

    key = UnicodeAttribute(hash_key=True)
    received_at = UnicodeAttribute(range_key=True)


class BatchItem(Model):
    class Meta(_Meta):
        table_name = _settings.batches_table

    batch_id = UnicodeAttribute(hash_key=True)
    key = UnicodeAttribute()
    version_id = UnicodeAttribute()
    department = UnicodeAttribute()
    status = UnicodeAttribute()
    received_at = UnicodeAttribute()
    finished_at = UnicodeAttribute(null=True)
    report = JSONAttribute()  # the whole contract 2.4 report (errors capped; full list in S3)

    by_key = ByKeyIndex()


# --- outbox ----------------------------------------------------------------------------------


OUTBOX_SHARDS = 8  # the pending index's partitions: no constant hash key (one partition's ~1,000 writes/s)
OUTBOX_TTL_ATTRIBUTE = "expires_at"  # DynamoDB deletes a sent record once this epoch second has passed


class ByPendingIndex(GlobalSecondaryIndex["OutboxItem"]):
    """Sparse: only pending records carry `pending_shard` ("0".."7", from the id); marking a record sent
    drops it from the index. The drain reads each shard, oldest first."""

    class Meta:
        index_name = "by_pending"
        projection = KeysOnlyProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    created_at = UnicodeAttribute(range_key=True)


class OutboxItem(Model):
    class Meta(_Meta):
        table_name = _settings.outbox_table

    id = UnicodeAttribute(hash_key=True)
    status = UnicodeAttribute()  # pending | sent
    created_at = UnicodeAttribute()
    sent_at = UnicodeAttribute(null=True)
    body = JSONAttribute()  # the contract 4 message body
    attributes = JSONAttribute()  # the contract 4 message attributes (String values)
    topic = UnicodeAttribute(null=True)  # which topic: absent for whitelist events, "policy" (contract 9)
    pending_shard = UnicodeAttribute(null=True)  # pending records only (the by_pending index)
    expires_at = NumberAttribute(null=True)  # sent records only: the TTL (settings.outbox_retention_days)

    by_pending = ByPendingIndex()


# --- api keys --------------------------------------------------------------------------------


class ApiKeyItem(Model):
    class Meta(_Meta):
        table_name = _settings.api_keys_table

    key_hash = UnicodeAttribute(hash_key=True)
    role = UnicodeAttribute()
    label = UnicodeAttribute(null=True)
    created_at = UnicodeAttribute()
    revoked = BooleanAttribute(default=False)
    org = UnicodeAttribute(null=True)  # the institution of a bank key, the department of a department key


# --- reports (contract 10): see chalicelib/stores/reports.py for the key design -----------------


class ReportItem(Model):
    class Meta(_Meta):
        table_name = _settings.reports_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    data = JSONAttribute(null=True)  # a block, statistics or a snapshot (Decimals as exact strings)
    series = JSONAttribute(null=True)  # a block's daily whitelist moves {day: [entered, left]}
    # the period's mark (pk "MARKS"): what changed, what was built, who is building
    marked_at = UnicodeAttribute(null=True)
    covered_until = UnicodeAttribute(null=True)
    generation = UnicodeAttribute(null=True)
    previous_generation = UnicodeAttribute(null=True)
    as_of = UnicodeAttribute(null=True)
    model_version = UnicodeAttribute(null=True)
    enterprises = NumberAttribute(null=True)
    building_until = UnicodeAttribute(null=True)
    # whitelist move counters (pk "M#<period>")
    entered = NumberAttribute(null=True)
    left = NumberAttribute(null=True)


# --- jobs ------------------------------------------------------------------------------------


class JobItem(Model):
    class Meta(_Meta):
        table_name = _settings.jobs_table

    job_id = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    kind = UnicodeAttribute()
    created_at = UnicodeAttribute()
    # the job (sk "JOB")
    status = UnicodeAttribute(null=True)  # running | succeeded | failed
    period = NumberAttribute(null=True)
    params = JSONAttribute(null=True)
    updated_at = UnicodeAttribute(null=True)
    finished_at = UnicodeAttribute(null=True)
    total = NumberAttribute(default=0)  # enterprises, known once planned
    done = NumberAttribute(default=0)  # enterprises of the counted chunks
    chunks = NumberAttribute(null=True)  # chunk messages sent; null while planning
    chunks_counted = NumberAttribute(default=0)
    chunks_done = NumberSetAttribute(null=True)  # chunk numbers counted: a redelivery counts once
    result = JSONAttribute(null=True)
    error = UnicodeAttribute(null=True)
    planner = UnicodeAttribute(null=True)  # the plan step (its message id) that enumerates the job
    plan_sent = BooleanAttribute(null=True)  # every chunk message of the stored plan was sent
    started_by = UnicodeAttribute(null=True)  # the credential that started it (a key's hash): its reader
    # a chunk's partial result (sk "CHUNK#<n>")
    partial = JSONAttribute(null=True)
    # a chunk of the stored plan (sk "PLAN#<n>"): its enterprises, written before any chunk is sent
    codes = JSONAttribute(null=True)


# --- model registry --------------------------------------------------------------------------


class ModelItem(Model):
    class Meta(_Meta):
        table_name = _settings.models_table

    pk = UnicodeAttribute(hash_key=True)
    version = UnicodeAttribute(range_key=True)
    created_at = UnicodeAttribute()
    status = UnicodeAttribute(null=True)  # active | candidate | retired (model items)
    source = UnicodeAttribute(null=True)  # the model file's text
    activated_at = UnicodeAttribute(null=True)
    retired_at = UnicodeAttribute(null=True)
    # the pointer item ("@active")
    active_version = UnicodeAttribute(null=True)
    activation_job_id = UnicodeAttribute(null=True)


# --- support records (key formats: chalicelib/stores/support.py) -------------------------------


class _SupportRecentIndex(GlobalSecondaryIndex["SupportItem"]):
    """Current records newest first (`recent_sk` = "<recorded_at>#<record_id>")."""

    recent_sk = UnicodeAttribute(range_key=True)


class SupportByOrgIndex(_SupportRecentIndex):
    class Meta:
        index_name = "by_org"
        projection = AllProjection()

    gsi_org = UnicodeAttribute(hash_key=True)


class SupportByEnterpriseIndex(_SupportRecentIndex):
    class Meta:
        index_name = "by_enterprise"
        projection = AllProjection()

    gsi_enterprise = UnicodeAttribute(hash_key=True)


class SupportByShardIndex(_SupportRecentIndex):
    class Meta:
        index_name = "by_shard"
        projection = AllProjection()

    gsi_shard = UnicodeAttribute(hash_key=True)


class SupportByPeriodIndex(_SupportRecentIndex):
    class Meta:
        index_name = "by_period"
        projection = AllProjection()

    gsi_period = UnicodeAttribute(hash_key=True)


class SupportPendingIndex(GlobalSecondaryIndex["SupportItem"]):
    """Sparse: only applications of whitelisted enterprises still waiting for a decision."""

    class Meta:
        index_name = "by_pending"
        projection = AllProjection()

    pending_shard = UnicodeAttribute(hash_key=True)
    pending_sk = UnicodeAttribute(range_key=True)


class SupportItem(Model):
    class Meta(_Meta):
        table_name = _settings.support_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    record = JSONAttribute()  # the contract 8 record of this version
    version = NumberAttribute()
    # current items only: filters and index keys
    org = UnicodeAttribute(null=True)
    status = UnicodeAttribute(null=True)
    kind = UnicodeAttribute(null=True)
    period = NumberAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    name = UnicodeAttribute(null=True)
    recent_sk = UnicodeAttribute(null=True)
    gsi_org = UnicodeAttribute(null=True)
    gsi_enterprise = UnicodeAttribute(null=True)
    gsi_shard = UnicodeAttribute(null=True)
    gsi_period = UnicodeAttribute(null=True)
    pending_shard = UnicodeAttribute(null=True)
    pending_sk = UnicodeAttribute(null=True)
    # the product funnel (contract 18): the product named, and the first application and decision days
    product_id = UnicodeAttribute(null=True)
    applied_on = UnicodeAttribute(null=True)
    decided_on = UnicodeAttribute(null=True)

    by_org = SupportByOrgIndex()
    by_enterprise = SupportByEnterpriseIndex()
    by_shard = SupportByShardIndex()
    by_period = SupportByPeriodIndex()
    by_pending = SupportPendingIndex()


# --- policies (contract 9) ---------------------------------------------------------------------


class PolicyCatalogueIndex(GlobalSecondaryIndex["PolicyItem"]):
    class Meta:
        index_name = "catalogue"
        projection = AllProjection()

    gsi_catalogue = UnicodeAttribute(hash_key=True)
    created_sk = UnicodeAttribute(range_key=True)


class PolicyByPeriodStatusIndex(GlobalSecondaryIndex["PolicyItem"]):
    class Meta:
        index_name = "by_period_status"
        projection = AllProjection()

    gsi_period_status = UnicodeAttribute(hash_key=True)
    created_sk = UnicodeAttribute(range_key=True)


class PolicyItem(Model):
    class Meta(_Meta):
        table_name = _settings.policies_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    policy_id = UnicodeAttribute()
    status = UnicodeAttribute()
    policy_kind = UnicodeAttribute()
    issuer = UnicodeAttribute()
    period = NumberAttribute()
    version = NumberAttribute()  # the content version (the optimistic lock of edits, too)
    doc = JSONAttribute()  # the whole policy record as the API shows it
    created_sk = UnicodeAttribute(null=True)
    gsi_catalogue = UnicodeAttribute(null=True)
    gsi_period_status = UnicodeAttribute(null=True)
    match_job_id = UnicodeAttribute(null=True)  # the head of a published policy: its matching job

    catalogue = PolicyCatalogueIndex()
    by_period_status = PolicyByPeriodStatusIndex()


class MatchByEnterpriseIndex(GlobalSecondaryIndex["PolicyMatchItem"]):
    class Meta:
        index_name = "by_enterprise"
        projection = AllProjection()

    gsi_enterprise = UnicodeAttribute(hash_key=True)
    policy_id = UnicodeAttribute(range_key=True)


class MatchByShardIndex(GlobalSecondaryIndex["PolicyMatchItem"]):
    class Meta:
        index_name = "by_shard"
        projection = AllProjection()

    gsi_shard = UnicodeAttribute(hash_key=True)
    credit_code = UnicodeAttribute(range_key=True)


class PolicyMatchItem(Model):
    class Meta(_Meta):
        table_name = _settings.policy_matches_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    policy_id = UnicodeAttribute()
    credit_code = UnicodeAttribute()
    period = NumberAttribute()
    name = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    stage = UnicodeAttribute(null=True)
    score = UnicodeAttribute(null=True)  # Decimal as text
    grade = UnicodeAttribute(null=True)
    matched = BooleanAttribute(default=False)
    sequence = NumberAttribute(default=0)  # events published so far for (policy, enterprise)
    changed_at = UnicodeAttribute()
    reasons = JSONAttribute(null=True)  # the reasons at the last change
    delivery_state = UnicodeAttribute(null=True)  # pending | delivered | failed (matches only)
    delivery_attempts = NumberAttribute(default=0)
    delivery_last_status = NumberAttribute(null=True)  # the last HTTP status; null: no answer
    delivered_at = UnicodeAttribute(null=True)
    gsi_enterprise = UnicodeAttribute(null=True)
    gsi_shard = UnicodeAttribute(null=True)

    by_enterprise = MatchByEnterpriseIndex()
    by_shard = MatchByShardIndex()


# --- objections (contract 16; key formats: chalicelib/stores/objections.py) ----------------------


class _ObjectionOpenedIndex(GlobalSecondaryIndex["ObjectionItem"]):
    opened_sk = UnicodeAttribute(range_key=True)


class ObjectionByEnterpriseIndex(_ObjectionOpenedIndex):
    class Meta:
        index_name = "by_enterprise"
        projection = AllProjection()

    gsi_enterprise = UnicodeAttribute(hash_key=True)


class ObjectionByDepartmentIndex(_ObjectionOpenedIndex):
    class Meta:
        index_name = "by_department"
        projection = AllProjection()

    gsi_department = UnicodeAttribute(hash_key=True)


class ObjectionByAllIndex(_ObjectionOpenedIndex):
    class Meta:
        index_name = "by_all"
        projection = AllProjection()

    gsi_all = UnicodeAttribute(hash_key=True)


class ObjectionItem(Model):
    class Meta(_Meta):
        table_name = _settings.objections_table

    pk = UnicodeAttribute(hash_key=True)
    sk = UnicodeAttribute(range_key=True)
    doc = JSONAttribute(null=True)  # the objection (domain/objections Objection.to_dict)
    version = NumberAttribute(null=True)
    objection_id = UnicodeAttribute(null=True)  # on the lock: the open objection holding it
    # heads only: filters and index keys
    status = UnicodeAttribute(null=True)
    period = NumberAttribute(null=True)
    due_on = UnicodeAttribute(null=True)
    region_code = UnicodeAttribute(null=True)
    zone_id = UnicodeAttribute(null=True)
    opened_sk = UnicodeAttribute(null=True)
    gsi_enterprise = UnicodeAttribute(null=True)
    gsi_department = UnicodeAttribute(null=True)
    gsi_all = UnicodeAttribute(null=True)

    by_enterprise = ObjectionByEnterpriseIndex()
    by_department = ObjectionByDepartmentIndex()
    by_all = ObjectionByAllIndex()


ALL_MODELS: tuple[type[Model], ...] = (
    *(FactItem, ScoreItem, BatchItem, OutboxItem, ApiKeyItem),
    *(JobItem, ModelItem, PolicyItem, PolicyMatchItem, SupportItem, ReportItem),
    ObjectionItem,
)


def create_tables(wait: bool = True) -> None:
    """Create every table if missing (the local stack and tests; `infra/` does this in AWS)."""
    for model in ALL_MODELS:
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)


def idempotency_table_spec() -> dict[str, Any]:
    """Powertools Idempotency's table: partition key `id`, TTL on `expiration`."""
    return {
        "TableName": _settings.idempotency_table,
        "KeySchema": [{"AttributeName": "id", "KeyType": "HASH"}],
        "AttributeDefinitions": [{"AttributeName": "id", "AttributeType": "S"}],
        "BillingMode": "PAY_PER_REQUEST",
    }
