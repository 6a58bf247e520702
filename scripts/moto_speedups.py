"""Patches that make moto 5.2's DynamoDB fast enough for benchmarks and the local stack (never tests).

moto answers a Query by sorting the whole table, serialises every response through a generic
model-driven serializer, and deep-copies whole tables per transaction. These patches change none of
the answers or request counts, only the cost. Applied by `bench/bench_rescore.py` and by
`scripts/local_stack.py` (whose moto server runs in the same process).

They replace moto's private functions, so each is guarded by moto's version: on any version other than
`SUPPORTED_MOTO` (the one pinned in requirements-dev.txt, which `tests/aws/test_moto_speedups.py`
checks every patch against, plain moto beside it) a patch is skipped with a `MotoVersionWarning`, and
moto runs as it is, slower but right.
"""

from __future__ import annotations

import functools
import threading
import warnings
from collections.abc import Callable
from typing import Any, Final

SUPPORTED_MOTO: Final = "5.2.5"


class MotoVersionWarning(UserWarning):
    """moto is not the version the speedups were written for: they are skipped."""


def moto_version() -> str:
    import moto

    return str(moto.__version__)


def _skipped(what: str) -> bool:
    found = moto_version()
    if found == SUPPORTED_MOTO:
        return False
    warnings.warn(
        f"moto {found} is not {SUPPORTED_MOTO}: {what} skipped, moto runs unpatched (slower, same answers)",
        MotoVersionWarning,
        stacklevel=3,
    )
    return True


def for_supported_moto(patch: Callable[[], None]) -> Callable[[], bool]:
    """A patch that runs only on `SUPPORTED_MOTO` (else a warning); it returns whether it was applied."""

    @functools.wraps(patch)
    def guarded() -> bool:
        if _skipped(patch.__name__):
            return False
        patch()
        return True

    return guarded


# The items one Query of this thread may see, in place of moto's sorted copy of the whole table. Per
# thread: the moto server answers requests on several threads at once, and a table is shared by all.
_SCOPE = threading.local()


def _with_items(table: Any, items: list[Any], call: Callable[[], Any]) -> Any:
    """Run one moto Query with `table.all_items()` answering `items` on this thread only."""
    from moto.dynamodb.models.table import Table

    if not getattr(Table.all_items, "scoped", False):
        original = Table.all_items

        def all_items(self: Table) -> list[Any]:
            scope = getattr(_SCOPE, "value", None)
            if scope is not None and scope[0] is self:
                return list(scope[1])
            return original(self)

        all_items.scoped = True  # type: ignore[attr-defined]
        Table.all_items = all_items  # type: ignore[method-assign]
    previous = getattr(_SCOPE, "value", None)
    _SCOPE.value = (table, items)
    try:
        return call()
    finally:
        _SCOPE.value = previous


PATCHES: Final = (
    "index_moto_queries",
    "plain_moto_responses",
    "cheapen_moto_transactions",
    "sort_moto_index_queries",
    "list_moto_modules_once",
    "size_moto_items_once",
    "read_the_clock_once_per_queue",
    "read_queue_retention_directly",
    "project_moto_items_once",
    "parse_dynamodb_requests_plainly",
    "lex_moto_conditions_once",
)


def apply_all() -> bool:
    """Every patch, or (on another moto version) none, with one warning; returns whether applied."""
    if _skipped("every speedup"):
        return False
    index_moto_queries()
    plain_moto_responses()
    cheapen_moto_transactions()
    sort_moto_index_queries()
    list_moto_modules_once()
    size_moto_items_once()
    read_the_clock_once_per_queue()
    read_queue_retention_directly()
    project_moto_items_once()
    parse_dynamodb_requests_plainly()
    lex_moto_conditions_once()
    return True


@for_supported_moto
def read_the_clock_once_per_queue() -> None:
    """moto's SQS lists a queue's visible messages on every receive and attribute request, and counts its
    in-flight and delayed ones on every send and attribute request, by asking each message whether it is
    visible and not delayed, each asking for the time anew (two datetime computations per message):
    100-200 ms a request once a few thousand messages wait. Read the clock once per listing or count. A
    message becoming visible during one may be seen one listing later."""
    from moto.core.utils import unix_time_millis
    from moto.sqs.models import Message, Queue

    def messages(self: Queue) -> list[Message]:
        now = unix_time_millis()
        return [m for m in self._messages if now > m.visible_at and not now < m.delayed_until]

    def delayed(self: Queue) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if now < m.delayed_until)

    def not_visible(self: Queue) -> int:
        now = unix_time_millis()
        return sum(1 for m in self._messages if not now > m.visible_at)

    Queue.messages = property(messages)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_delayed = property(delayed)  # type: ignore[method-assign,assignment]
    Queue.approximate_number_of_messages_not_visible = property(not_visible)  # type: ignore[method-assign,assignment]


@for_supported_moto
def read_queue_retention_directly() -> None:
    """moto's SQS works out all of a queue's attributes (the message counts above among them) three times
    per message received, only to read the retention period: quadratic in the queue's depth. At 4,000
    waiting deliveries a receive of 10 took about half a second and the sample products' pushes drained
    at 5 a second. Read the retention period off the queue."""
    from moto.core.utils import unix_time
    from moto.sqs.models import Message, SQSBackend

    def retained(self: SQSBackend, queue_name: str, message: Message) -> bool:
        retention_s = int(self.get_queue(queue_name).message_retention_period)  # type: ignore[attr-defined]
        return bool(retention_s + message.sent_timestamp / 1000 > unix_time())  # type: ignore[operator]

    SQSBackend.is_message_valid_based_on_retention_period = retained  # type: ignore[method-assign]


@for_supported_moto
def project_moto_items_once() -> None:
    """moto projects an item (a GSI's INCLUDE projection, a ProjectionExpression) by converting the whole
    item to plain JSON once per projected attribute: O(attributes x item) per item of every page. The
    report builder's index pages at 10,000 enterprises spent 2/3 of their moto time there. Convert only
    the projected attributes, the same way; paths into maps or lists keep moto's own projection."""
    from moto.dynamodb.models.dynamo_type import Item, deserializer, serializer

    original = Item.project

    def project(self: Item, projection_expressions: list[list[str]]) -> Item:
        if any(len(path) != 1 or "[" in path[0] for path in projection_expressions):
            return original(self, projection_expressions)
        names = dict.fromkeys(path[0] for path in projection_expressions if path[0] in self.attrs)
        result = {name: deserializer.deserialize(self.attrs[name].to_regular_json()) for name in names}
        return Item(
            hash_key=self.hash_key, range_key=self.range_key, attrs=dict(serializer.serialize(result)["M"])
        )

    Item.project = project  # type: ignore[method-assign]


@for_supported_moto
def parse_dynamodb_requests_plainly() -> None:
    """moto 5.2 parses every DynamoDB request through botocore's generic, shape-driven parser, then its
    handlers read the result as the plain JSON body (they did `json.loads` before): about a quarter of
    moto's busy time in a season's ingest. DynamoDB's JSON needs that parser only for binary values
    (base64-decoded by shape); a body with no "B"/"BS" key is read with `json.loads`, the rest as moto
    does."""
    import json
    import re

    from moto.dynamodb.responses import DynamoHandler

    binary = re.compile(rb'"BS?"\s*:')
    original = DynamoHandler.parse_parameters

    def parse_parameters(self: DynamoHandler, request: Any) -> None:
        data = request.data
        if not data or binary.search(data):
            original(self, request)
            return
        self.params = json.loads(data)

    DynamoHandler.parse_parameters = parse_parameters  # type: ignore[method-assign,assignment]


@for_supported_moto
def lex_moto_conditions_once() -> None:
    """moto lexes a condition expression anew for every item it checks (recompiling a dozen regular
    expressions per token): ~12 % of its busy time in a season's ingest, whose transactions check one
    version condition per enterprise. The tokens depend on the expression's text alone and are immutable
    tuples (each with a fresh, never-mutated children list): lex each text once, hand out copies of the
    sequence. Names and values are still bound per request by moto's own later stages."""
    from collections import deque

    from moto.dynamodb.comparisons import ConditionExpressionParser

    original = ConditionExpressionParser._lex_condition_expression
    lexed: dict[str, tuple[Any, ...]] = {}

    def lex(self: ConditionExpressionParser) -> deque[Any]:
        text = self.condition_expression or ""
        nodes = lexed.get(text)
        if nodes is None:
            nodes = tuple(original(self))
            if len(lexed) < 1000:  # the service's expressions are a few dozen texts
                lexed[text] = nodes
        return deque(nodes)

    ConditionExpressionParser._lex_condition_expression = lex  # type: ignore[method-assign]


@for_supported_moto
def list_moto_modules_once() -> None:
    """moto's server lists its own package folder (`os.listdir` + a `stat` per entry) twice per request
    to route it: ~0.8 ms of every request. The folder does not change while it runs: list it once."""
    from moto import backends

    modules = tuple(backends.list_of_moto_modules())
    backends.list_of_moto_modules = lambda: modules


@for_supported_moto
def size_moto_items_once() -> None:
    """moto builds every stored item attribute by attribute, re-adding the sizes of all attributes so far
    at each one (to refuse items over 400 KB): O(attributes²) per item written. Sizes are never negative,
    so checking the whole item once at the end refuses exactly the same items. Later updates of an
    item keep moto's own check."""
    from moto.dynamodb.exceptions import ItemSizeTooLarge
    from moto.dynamodb.models.dynamo_type import DynamoType, Item, LimitedSizeDict
    from moto.dynamodb.models.utilities import bytesize

    def __init__(
        self: Item, hash_key: DynamoType, range_key: DynamoType | None, attrs: dict[str, Any]
    ) -> None:
        self.hash_key = hash_key
        self.range_key = range_key
        checked = LimitedSizeDict.__new__(LimitedSizeDict)
        dict.__init__(checked)
        for key, value in attrs.items():
            dict.__setitem__(checked, key, DynamoType(value))
        if sum(bytesize(key) + value.size() for key, value in checked.items()) > 405000:  # moto's limit
            raise ItemSizeTooLarge
        self.attrs = checked

    Item.__init__ = __init__  # type: ignore[method-assign]


def _selected(partition: list[Any], comparison: str, objs: list[Any]) -> list[Any]:
    """The items of a partition a sort-key condition selects (a contiguous run in key order), with one
    neighbour on each side: moto answers a LastEvaluatedKey when its limit is reached before the
    partition's end, as DynamoDB does, and the neighbour keeps that answer the same."""
    ordered = sorted(partition, key=lambda item: item.range_key)
    hits = [n for n, item in enumerate(ordered) if item.range_key.compare(comparison, objs)]
    return ordered[max(hits[0] - 1, 0) : hits[-1] + 2] if hits else []


@for_supported_moto
def index_moto_queries() -> None:
    """Make moto's base-table Query read the items its key condition selects, instead of sorting the
    whole table.

    moto 5.2 answers every Query by sorting all items of the table (O(table) per request, ~0.2 s at
    this size), then sizes every item of the partition before testing the sort-key condition: an
    enterprise's `begins_with(sk, "C#")` paid for all its history items, more with every upload.
    Real DynamoDB reads only the items the key condition selects; so does this (plus one neighbour on
    each side, see `_selected`). Answers and request counts are unaffected (moto's 1 MB page could only
    differ on a partition near 1 MB, where this is the faithful one).
    """
    import functools
    import inspect

    from moto.dynamodb.models.table import Table

    original = Table.query
    signature = inspect.signature(original)

    @functools.wraps(original)  # so that a later patch sees moto's own signature
    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        hash_key = bound.arguments.get("hash_key")
        if bound.arguments.get("index_name") or hash_key is None or not self.range_key_attr:
            return original(self, *args, **kwargs)
        partition = list(self.items.get(hash_key, {}).values())
        comparison, objs = bound.arguments.get("range_comparison"), bound.arguments.get("range_objs")
        conditions = bound.arguments.get("range_key_conditions") or []
        if comparison and all(name == self.range_key_attr for name, _, _ in conditions):
            partition = _selected(partition, comparison, objs or [])
        return _with_items(self, partition, lambda: original(self, *args, **kwargs))

    Table.query = query  # type: ignore[method-assign]


@for_supported_moto
def plain_moto_responses() -> None:
    """moto 5.2 walks every DynamoDB response through a generic, model-driven serializer (~45 ms for
    a 20-item Query). Its results are already in DynamoDB's wire shape: send them as JSON (those with
    binary values, bytes in moto, as moto does)."""
    import json

    from moto.dynamodb.responses import DynamoResult

    original = DynamoResult.execute_result

    def execute_result(self: DynamoResult, context: Any) -> Any:
        result = self.result
        if isinstance(result, dict) and ({"Items", "Item", "Responses"} & result.keys()):
            try:
                return 200, {"Content-Type": "application/x-amz-json-1.0"}, json.dumps(result)
            except TypeError:
                pass  # binary values (bytes): moto's serializer base64-encodes them
        return original(self, context)  # table descriptions and the like: datetimes inside

    DynamoResult.execute_result = execute_result  # type: ignore[method-assign,assignment]


@for_supported_moto
def cheapen_moto_transactions() -> None:
    """moto snapshots every table a transaction touches with a deepcopy, to roll back on failure: O(table)
    per transaction, and every copy stays registered in moto's instance tracker (24 GB at 10,000
    enterprises). Snapshot only the partitions the transaction touches, and keep the tables themselves.
    The rollback is exact for puts and deletes; an update mutates its item in place (none fails here).
    Request counts are unaffected."""
    import copy
    import types

    import moto.dynamodb.models as models
    from moto.dynamodb.models.dynamo_type import DynamoType
    from moto.dynamodb.models.table import Table

    def same_table(value: Any, memo: Any = None) -> Any:
        return value if isinstance(value, Table) else copy.deepcopy(value, memo)

    models.copy = types.SimpleNamespace(copy=copy.copy, deepcopy=same_table)  # type: ignore[attr-defined,assignment]
    original = models.DynamoDBBackend.transact_write_items

    def transact_write_items(self: Any, transact_items: list[dict[str, Any]]) -> None:
        saved: dict[tuple[str, Any], Any] = {}
        for entry in transact_items:
            op = next(iter(entry.values()))
            table = self.tables.get(op.get("TableName"))
            if table is None:
                continue
            attrs = op.get("Item") or op.get("Key") or {}
            if table.hash_key_attr not in attrs:
                continue
            hash_key = DynamoType(attrs[table.hash_key_attr])
            partition = table.items.get(hash_key)
            saved[(table.name, hash_key)] = (
                dict(partition) if table.range_key_attr and partition else partition
            )
        try:
            original(self, transact_items)
        except Exception:
            for (name, hash_key), partition in saved.items():
                if partition is None:
                    self.tables[name].items.pop(hash_key, None)
                else:
                    self.tables[name].items[hash_key] = partition
            raise

    models.DynamoDBBackend.transact_write_items = transact_write_items  # type: ignore[method-assign]


@for_supported_moto
def sort_moto_index_queries() -> None:
    """moto answers a GSI Query by sorting the whole table by its own keys (comparing DynamoType objects,
    each comparison casting both values again), then sorting the matching items by the index keys the
    same way: 9 s for the 1,700 cards of one city at 20,000 cards. The first sort is useless (the second
    decides the order, and table keys are unique); the second can compare plain values, as key
    attributes have one declared type; and the items whose string hash key differs can be dropped
    before moto compares each item of the table. Answers and request counts are unaffected."""
    import inspect
    from decimal import Decimal

    from moto.dynamodb.models.table import Table

    def plain(value: Any) -> Any:
        return Decimal(value.value) if value.type == "N" else value.value

    def sorted_items(
        self: Table, hash_key_attrs: list[str], range_key_attrs: list[str | None], items: list[Any]
    ) -> list[Any]:
        attrs = self._generate_attr_to_sort_by(hash_key_attrs, range_key_attrs)
        items.sort(key=lambda x: tuple(plain(x.attrs[key]) for key in attrs))
        return items

    original = Table.query
    signature = inspect.signature(original)

    def query(self: Table, *args: Any, **kwargs: Any) -> Any:
        bound = signature.bind(self, *args, **kwargs)
        if not bound.arguments.get("index_name"):
            return original(self, *args, **kwargs)
        if self.range_key_attr:
            unsorted = [item for partition in self.items.values() for item in partition.values()]
        else:
            unsorted = list(self.items.values())
        # moto then tests every item of the table against the index's hash key with DynamoType
        # comparisons (casting both values each time): keep only the items whose string key is equal,
        # with plain string comparisons first (moto's own test still runs on what is left).
        for name, wanted in bound.arguments.get("hash_key_conditions") or []:
            if wanted.type == "S":
                unsorted = [
                    item
                    for item in unsorted
                    if (value := item.attrs.get(name)) is not None
                    and value.type == "S"
                    and value.value == wanted.value
                ]
        return _with_items(self, unsorted, lambda: original(self, *args, **kwargs))

    Table.sorted_items = sorted_items  # type: ignore[method-assign]
    Table.query = query  # type: ignore[method-assign]
