"""Lambda event source mappings, polled the way Lambda polls them.

moto stores event source mappings but delivers them without filters, batch sizes or partial batch
responses. These pollers read DynamoDB streams, Kinesis streams and SQS queues through the AWS API
(boto3 against the local endpoint) and apply what Lambda documents:

- FilterCriteria: each record is matched with moto's EventBridge matcher; a record no filter matches
  is dropped (streams) or deleted (SQS) and never reaches the function.
- BatchSize and MaximumBatchingWindowInSeconds: a batch goes out when it is full or when the oldest
  buffered record has waited the window on the cloud's clock (`flush=True` sends what is buffered).
- ReportBatchItemFailures: `batchItemFailures` checkpoints the records before the first failed one
  (streams) or deletes every record not listed (SQS); an empty/unknown identifier fails the batch.
- Streams: a failed batch is retried (bisected first when BisectBatchOnFunctionError is on) until
  MaximumRetryAttempts or MaximumRecordAgeInSeconds is exhausted, then skipped with a Lambda-shaped
  failure record sent to the on-failure destination (SQS or SNS). Limited retries run at once; with
  unlimited retries the shard stays blocked and retries with exponential backoff on the cloud's clock
  (2 s, 4 s, ... 60 s) until its records are older than MaximumRecordAgeInSeconds or the 24 h retention.
- SQS: a failed message becomes visible again after the queue's visibility timeout (on the cloud's
  clock); the queue's redrive policy moves it to its dead-letter queue (moto counts receives).
"""

from __future__ import annotations

import base64
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar

from moto.events.models import EventPattern

from stratus_local.clock import Clock
from stratus_local.runner import FunctionError, FunctionTimeoutError

log = logging.getLogger("stratus_local.event_sources")

STREAM_RETENTION_SECONDS = 24 * 3600
# Unlimited stream retries back off 2 s, 4 s, 8 s ... up to this, on the cloud's clock.
MAX_RETRY_BACKOFF_SECONDS = 60.0
# Lambda holds polled SQS messages in flight; the cloud's clock, not moto's wall clock, decides retries.
IN_FLIGHT_VISIBILITY_SECONDS = 12 * 3600
# Lambda polls an SQS queue with several pollers at once (five to start with); a step sends up to this many.
CONCURRENT_BATCHES = 5

Invoke = Callable[[str, Any], Any]
ClientFactory = Callable[[str], Any]


class InvalidBatchResponse(Exception):
    """The function's partial batch response names a record that was not in the batch."""


@dataclass(frozen=True)
class MappingConfig:
    """One AWS::Lambda::EventSourceMapping, resolved."""

    function: str  # logical id of the function
    function_arn: str
    source_arn: str
    batch_size: int
    window_seconds: float = 0.0
    patterns: tuple[EventPattern, ...] = ()
    report_item_failures: bool = False
    bisect: bool = False
    max_retries: int = -1
    max_record_age: int = -1
    on_failure_arn: str | None = None
    starting_position: str = "LATEST"
    enabled: bool = True

    # The EventSourceMapping properties these pollers implement.
    HONOURED: ClassVar[frozenset[str]] = frozenset(
        {
            "FunctionName", "EventSourceArn", "BatchSize", "MaximumBatchingWindowInSeconds", "FilterCriteria",
            "FunctionResponseTypes", "BisectBatchOnFunctionError", "MaximumRetryAttempts",
            "MaximumRecordAgeInSeconds", "DestinationConfig", "StartingPosition", "Enabled",
        }
    )  # fmt: skip

    @property
    def kind(self) -> str:
        service = self.source_arn.split(":")[2]
        return {"dynamodb": "dynamodb", "kinesis": "kinesis", "sqs": "sqs"}.get(service, service)

    @classmethod
    def from_properties(cls, props: Mapping[str, Any], function_arn: str) -> MappingConfig:
        source_arn = str(props["EventSourceArn"])
        is_sqs = source_arn.split(":")[2] == "sqs"
        patterns = []
        for flt in (props.get("FilterCriteria") or {}).get("Filters", []):
            raw = flt["Pattern"]
            patterns.append(EventPattern.load(raw if isinstance(raw, str) else json.dumps(raw)))
        return cls(
            function=str(props["FunctionName"]),
            function_arn=function_arn,
            source_arn=source_arn,
            batch_size=int(props.get("BatchSize", 10 if is_sqs else 100)),
            window_seconds=float(props.get("MaximumBatchingWindowInSeconds", 0)),
            patterns=tuple(patterns),
            report_item_failures="ReportBatchItemFailures" in (props.get("FunctionResponseTypes") or []),
            bisect=bool(props.get("BisectBatchOnFunctionError", False)),
            max_retries=int(props.get("MaximumRetryAttempts", -1)),
            max_record_age=int(props.get("MaximumRecordAgeInSeconds", -1)),
            on_failure_arn=((props.get("DestinationConfig") or {}).get("OnFailure") or {}).get("Destination"),
            starting_position=str(props.get("StartingPosition", "LATEST")),
            enabled=bool(props.get("Enabled", True)),
        )

    def matches(self, filter_input: Any) -> bool:
        """No filters: everything; otherwise any one filter (Lambda ORs them)."""
        return not self.patterns or any(p.matches_event(filter_input) for p in self.patterns)


@dataclass
class _Buffered:
    record: dict[str, Any]
    sequence: str
    arrival: float  # when the source got it (epoch, cloud clock)
    buffered_at: float


@dataclass
class _Shard:
    shard_id: str
    iterator: str | None
    buffer: list[_Buffered] = field(default_factory=list)
    attempts: int = 0  # failed invocations of the batch at the head of the buffer
    batch_limit: int | None = None  # bisected size while a failed batch is being split
    bisect_remaining: int = 0
    retry_at: float | None = None  # unlimited retries: when the blocked batch is tried again


class _Outcome:
    """What an invocation did to a batch: how many leading records succeeded, and the error."""

    def __init__(self, succeeded: int, error: str | None, function_error: str | None) -> None:
        self.succeeded = succeeded
        self.error = error
        self.function_error = function_error


def _call(invoke: Invoke, function: str, event: Any) -> tuple[Any, str | None]:
    try:
        return invoke(function, event), None
    except FunctionTimeoutError as exc:
        return None, f"Sandbox.Timedout: {exc}"
    except FunctionError as exc:
        return None, f"{type(exc.error).__name__}: {exc.error}"


def _failed_identifiers(result: Any) -> list[str] | None:
    """The `batchItemFailures` identifiers, or None when the response reports no failures."""
    if not isinstance(result, dict) or not result.get("batchItemFailures"):
        return None
    ids = []
    for failure in result["batchItemFailures"]:
        ident = failure.get("itemIdentifier") if isinstance(failure, dict) else None
        if not ident:
            raise InvalidBatchResponse("batchItemFailures entry without itemIdentifier")
        ids.append(str(ident))
    return ids


class StreamPoller:
    """DynamoDB Streams or Kinesis -> one function, shard by shard, in order."""

    def __init__(
        self, config: MappingConfig, invoke: Invoke, clients: ClientFactory, clock: Clock, region: str
    ) -> None:
        self.config = config
        self.invoke = invoke
        self.clock = clock
        self.region = region
        self._clients = clients
        self.shards: dict[str, _Shard] = {}
        self.invocations = 0
        self._discover()

    # ---- reading ----------------------------------------------------------------------------
    def _discover(self) -> None:
        if self.config.kind == "dynamodb":
            client = self._clients("dynamodbstreams")
            shards = client.describe_stream(StreamArn=self.config.source_arn)["StreamDescription"]["Shards"]
        else:
            client = self._clients("kinesis")
            shards = client.list_shards(StreamARN=self.config.source_arn)["Shards"]
        for shard in shards:
            if shard["ShardId"] in self.shards:
                continue
            kwargs = {"ShardId": shard["ShardId"], "ShardIteratorType": self.config.starting_position}
            if self.config.kind == "dynamodb":
                iterator = client.get_shard_iterator(StreamArn=self.config.source_arn, **kwargs)
            else:
                iterator = client.get_shard_iterator(StreamARN=self.config.source_arn, **kwargs)
            self.shards[shard["ShardId"]] = _Shard(shard["ShardId"], iterator["ShardIterator"])

    def _fetch(self) -> None:
        self._discover()
        for shard in self.shards.values():
            if shard.iterator is None:
                continue
            if self.config.kind == "dynamodb":
                page = self._clients("dynamodbstreams").get_records(ShardIterator=shard.iterator)
                records = [self._dynamodb_record(r) for r in page["Records"]]
            else:
                page = self._clients("kinesis").get_records(
                    ShardIterator=shard.iterator, StreamARN=self.config.source_arn
                )
                records = [self._kinesis_record(shard.shard_id, r) for r in page["Records"]]
            shard.iterator = page.get("NextShardIterator")
            now = self.clock.now()
            for record, sequence, arrival in records:
                if self.config.matches(self._filter_input(record)):
                    shard.buffer.append(_Buffered(record, sequence, arrival, now))

    def _dynamodb_record(self, raw: dict[str, Any]) -> tuple[dict[str, Any], str, float]:
        record = _jsonable(raw)
        created = raw["dynamodb"].get("ApproximateCreationDateTime")
        arrival = self._on_clock(created)
        record["dynamodb"]["ApproximateCreationDateTime"] = int(arrival)
        record["eventSourceARN"] = self.config.source_arn
        record["awsRegion"] = self.region
        record["eventVersion"] = "1.1"  # Lambda's events say 1.1 where the Streams API (moto) says 1.0
        identity = record.pop("userIdentity", None)
        if identity:  # the Streams API's {Type, PrincipalId} is {type, principalId} in Lambda events
            record["userIdentity"] = {
                "type": identity.get("Type"),
                "principalId": identity.get("PrincipalId"),
            }
        return record, record["dynamodb"]["SequenceNumber"], arrival

    def _on_clock(self, stamped: Any) -> float:
        """moto stamps records with wall time; the cloud's clock may be ahead of it."""
        if isinstance(stamped, datetime):
            return stamped.timestamp() + self.clock.offset
        return self.clock.now()

    def _kinesis_record(self, shard_id: str, raw: dict[str, Any]) -> tuple[dict[str, Any], str, float]:
        arrival = self._on_clock(raw.get("ApproximateArrivalTimestamp"))
        sequence = str(raw["SequenceNumber"])
        record = {
            "kinesis": {
                "kinesisSchemaVersion": "1.0",
                "partitionKey": raw["PartitionKey"],
                "sequenceNumber": sequence,
                "data": base64.b64encode(raw["Data"]).decode(),
                "approximateArrivalTimestamp": arrival,
            },
            "eventSource": "aws:kinesis",
            "eventVersion": "1.0",
            "eventID": f"{shard_id}:{sequence}",
            "eventName": "aws:kinesis:record",
            "invokeIdentityArn": f"arn:aws:iam::{self.config.function_arn.split(':')[4]}:role/lambda-role",
            "awsRegion": self.region,
            "eventSourceARN": self.config.source_arn,
        }
        return record, sequence, arrival

    def _filter_input(self, record: dict[str, Any]) -> dict[str, Any]:
        """Kinesis filters see the payload decoded under `data` (JSON parsed, anything else as text)."""
        if self.config.kind != "kinesis":
            return record
        raw = base64.b64decode(record["kinesis"]["data"])
        try:
            data: Any = json.loads(raw)
        except ValueError:
            data = raw.decode(errors="replace")
        return {"data": data}  # Kinesis mappings filter on the data key only

    # ---- delivering -------------------------------------------------------------------------
    def pending(self) -> int:
        return sum(len(s.buffer) for s in self.shards.values())

    def step(self, flush: bool = False) -> bool:
        """Fetch new records and send at most one batch per shard; True if anything happened."""
        if not self.config.enabled:
            return False
        self._fetch()
        progressed = False
        for shard in self.shards.values():
            progressed |= self._deliver(shard, flush)
        return progressed

    def _deliver(self, shard: _Shard, flush: bool) -> bool:
        if not shard.buffer:
            return False
        now = self.clock.now()
        if self._expire(shard, now):
            return True
        if shard.retry_at is not None and now < shard.retry_at:
            return False  # unlimited retries back off on the cloud's clock
        full = len(shard.buffer) >= self.config.batch_size
        waited = now - shard.buffer[0].buffered_at >= self.config.window_seconds
        if not (full or waited or flush or shard.attempts):
            return False
        size = min(self.config.batch_size, shard.batch_limit or self.config.batch_size)
        batch = shard.buffer[:size]
        outcome = self._invoke(batch)
        if outcome.succeeded:
            del shard.buffer[: outcome.succeeded]
            shard.bisect_remaining = max(0, shard.bisect_remaining - outcome.succeeded)
            if shard.bisect_remaining == 0:
                shard.batch_limit = None
        if outcome.error is None:
            shard.attempts, shard.retry_at = 0, None
            return True
        self._failed(shard, batch[outcome.succeeded :], outcome, now)
        return True

    def _invoke(self, batch: list[_Buffered]) -> _Outcome:
        self.invocations += 1
        result, error = _call(self.invoke, self.config.function, {"Records": [b.record for b in batch]})
        if error is not None:
            return _Outcome(0, error, "Unhandled")
        if not self.config.report_item_failures:
            return _Outcome(len(batch), None, None)
        try:
            failed = _failed_identifiers(result)
        except InvalidBatchResponse as exc:
            return _Outcome(0, str(exc), None)
        if failed is None:
            return _Outcome(len(batch), None, None)
        sequences = [b.sequence for b in batch]
        if any(f not in sequences for f in failed):
            return _Outcome(0, f"batchItemFailures names unknown records {failed}", None)
        # Lambda checkpoints up to the lowest failed sequence number and retries from there.
        first = min(sequences.index(f) for f in failed)
        return _Outcome(first, "partial batch failure", None)

    def _failed(self, shard: _Shard, batch: list[_Buffered], outcome: _Outcome, now: float) -> None:
        shard.attempts += 1
        log.warning(
            "%s: batch of %d from %s failed (attempt %d): %s",
            self.config.function,
            len(batch),
            shard.shard_id,
            shard.attempts,
            outcome.error,
        )
        if self.config.bisect and outcome.function_error and len(batch) > 1:
            shard.batch_limit = max(1, len(batch) // 2)
            shard.bisect_remaining = max(shard.bisect_remaining, len(batch))
            shard.attempts = 0
            return
        if self.config.max_retries >= 0 and shard.attempts > self.config.max_retries:
            self._discard(shard, batch, "RetryAttemptsExhausted", outcome)
            return
        if self.config.max_retries < 0:
            shard.retry_at = now + min(2.0**shard.attempts, MAX_RETRY_BACKOFF_SECONDS)

    def _expire(self, shard: _Shard, now: float) -> bool:
        limit = self.config.max_record_age if self.config.max_record_age >= 0 else STREAM_RETENTION_SECONDS
        expired = [b for b in shard.buffer if now - b.arrival > limit]
        if not expired:
            return False
        self._discard(shard, expired, "MaximumRecordAgeExceeded", _Outcome(0, None, None))
        return True

    def _discard(self, shard: _Shard, batch: list[_Buffered], condition: str, outcome: _Outcome) -> None:
        skipped = {id(b) for b in batch}
        shard.buffer = [b for b in shard.buffer if id(b) not in skipped]
        shard.attempts, shard.retry_at, shard.batch_limit, shard.bisect_remaining = 0, None, None, 0
        log.error("%s: skipping %d records (%s)", self.config.function, len(batch), condition)
        if self.config.on_failure_arn:
            self._send_failure(shard, batch, condition, outcome)

    def _send_failure(self, shard: _Shard, batch: list[_Buffered], condition: str, outcome: _Outcome) -> None:
        info_key = "DDBStreamBatchInfo" if self.config.kind == "dynamodb" else "KinesisBatchInfo"
        response: dict[str, Any] = {"statusCode": 200, "executedVersion": "$LATEST"}
        if outcome.function_error:
            response["functionError"] = outcome.function_error
        record = {
            "requestContext": {
                "requestId": str(uuid.uuid4()),
                "functionArn": self.config.function_arn,
                "condition": condition,
                "approximateInvokeCount": shard.attempts + 1,
            },
            "responseContext": response,
            "version": "1.0",
            "timestamp": _iso(self.clock.now()),
            info_key: {
                "shardId": shard.shard_id,
                "startSequenceNumber": batch[0].sequence,
                "endSequenceNumber": batch[-1].sequence,
                "approximateArrivalOfFirstRecord": _iso(batch[0].arrival),
                "approximateArrivalOfLastRecord": _iso(batch[-1].arrival),
                "batchSize": len(batch),
                "streamArn": self.config.source_arn,
            },
        }
        send_to_destination(self._clients, self.config.on_failure_arn or "", record)


def send_to_destination(clients: ClientFactory, arn: str, payload: dict[str, Any]) -> None:
    """Deliver an on-failure record to an SQS queue or SNS topic ARN."""
    service = arn.split(":")[2]
    body = json.dumps(payload)
    if service == "sqs":
        sqs = clients("sqs")
        url = sqs.get_queue_url(QueueName=arn.split(":")[5], QueueOwnerAWSAccountId=arn.split(":")[4])
        sqs.send_message(QueueUrl=url["QueueUrl"], MessageBody=body)
    elif service == "sns":
        clients("sns").publish(TopicArn=arn, Message=body)
    else:
        raise ValueError(f"unsupported on-failure destination {arn}")


@dataclass
class _InFlight:
    record: dict[str, Any]
    buffered_at: float


class SqsPoller:
    """An SQS queue -> one function."""

    def __init__(
        self, config: MappingConfig, invoke: Invoke, clients: ClientFactory, clock: Clock, region: str
    ) -> None:
        self.config = config
        self.invoke = invoke
        self.clock = clock
        self.region = region
        self._clients = clients
        account, name = config.source_arn.split(":")[4], config.source_arn.split(":")[5]
        sqs = clients("sqs")
        self.queue_url = sqs.get_queue_url(QueueName=name, QueueOwnerAWSAccountId=account)["QueueUrl"]
        attrs = sqs.get_queue_attributes(QueueUrl=self.queue_url, AttributeNames=["VisibilityTimeout"])
        self.visibility_timeout = int(attrs["Attributes"].get("VisibilityTimeout", 30))
        self.buffer: list[_InFlight] = []
        self.retry_at: list[tuple[float, str]] = []  # (clock time, receipt handle)
        self.invocations = 0

    def pending(self) -> int:
        return len(self.buffer) + len(self.retry_at)

    def _receive(self) -> None:
        sqs = self._clients("sqs")
        now = self.clock.now()
        while len(self.buffer) < self.config.batch_size:
            page = sqs.receive_message(
                QueueUrl=self.queue_url,
                MaxNumberOfMessages=min(10, self.config.batch_size - len(self.buffer)),
                VisibilityTimeout=IN_FLIGHT_VISIBILITY_SECONDS,
                AttributeNames=["All"],
                MessageAttributeNames=["All"],
                WaitTimeSeconds=0,
            )
            messages = page.get("Messages", [])
            if not messages:
                return
            for message in messages:
                record = self._record(message)
                if self.config.matches(self._filter_input(record)):
                    self.buffer.append(_InFlight(record, now))
                else:  # Lambda deletes messages its filters reject
                    sqs.delete_message(QueueUrl=self.queue_url, ReceiptHandle=message["ReceiptHandle"])

    def _record(self, message: dict[str, Any]) -> dict[str, Any]:
        # Lambda sends stringValue or binaryValue, whichever the attribute has, never a null one.
        attributes: dict[str, dict[str, Any]] = {}
        for name, value in (message.get("MessageAttributes") or {}).items():
            attribute: dict[str, Any] = {}
            if "StringValue" in value:
                attribute["stringValue"] = value["StringValue"]
            if "BinaryValue" in value:
                attribute["binaryValue"] = base64.b64encode(value["BinaryValue"]).decode()
            attribute.update({"stringListValues": [], "binaryListValues": [], "dataType": value["DataType"]})
            attributes[name] = attribute
        return {
            "messageId": message["MessageId"],
            "receiptHandle": message["ReceiptHandle"],
            "body": message["Body"],
            "attributes": message.get("Attributes", {}),
            "messageAttributes": attributes,
            "md5OfBody": message["MD5OfBody"],
            "eventSource": "aws:sqs",
            "eventSourceARN": self.config.source_arn,
            "awsRegion": self.region,
        }

    @staticmethod
    def _filter_input(record: dict[str, Any]) -> dict[str, Any]:
        """SQS filters see the body parsed when it is JSON."""
        try:
            body: Any = json.loads(record["body"])
        except ValueError:
            body = record["body"]
        return {**record, "body": body}

    def _release_due(self) -> bool:
        now = self.clock.now()
        due = [(t, h) for t, h in self.retry_at if t <= now]
        if not due:
            return False
        self.retry_at = [(t, h) for t, h in self.retry_at if t > now]
        sqs = self._clients("sqs")
        for _, handle in due:
            sqs.change_message_visibility(QueueUrl=self.queue_url, ReceiptHandle=handle, VisibilityTimeout=0)
        return True

    def step(self, flush: bool = False) -> bool:
        """Release due retries, then send up to CONCURRENT_BATCHES batches (Lambda polls a queue with
        several pollers at once)."""
        if not self.config.enabled:
            return False
        released = self._release_due()
        sent = False
        for _ in range(CONCURRENT_BATCHES):
            if not self._step_batch(flush):
                break
            sent = True
        return released or sent

    def _step_batch(self, flush: bool) -> bool:
        self._receive()
        if not self.buffer:
            return False
        full = len(self.buffer) >= self.config.batch_size
        waited = self.clock.now() - self.buffer[0].buffered_at >= self.config.window_seconds
        if not (full or waited or flush):
            return False
        batch, self.buffer = self.buffer[: self.config.batch_size], self.buffer[self.config.batch_size :]
        records = [b.record for b in batch]
        self.invocations += 1
        result, error = _call(self.invoke, self.config.function, {"Records": records})
        failed_ids: set[str] = set()
        if error is not None:
            failed_ids = {r["messageId"] for r in records}
        elif self.config.report_item_failures:
            try:
                listed = _failed_identifiers(result) or []
            except InvalidBatchResponse:
                listed = [r["messageId"] for r in records]
            known = {r["messageId"] for r in records}
            # An identifier Lambda cannot match fails the whole batch.
            failed_ids = set(listed) if set(listed) <= known else known
        done = []
        for record in records:
            if record["messageId"] in failed_ids:
                self.retry_at.append((self.clock.now() + self.visibility_timeout, record["receiptHandle"]))
            else:
                done.append(record)
        # Lambda deletes a batch's successful messages with DeleteMessageBatch, ten to a call.
        sqs = self._clients("sqs")
        for start in range(0, len(done), 10):
            entries = [
                {"Id": str(i), "ReceiptHandle": r["receiptHandle"]}
                for i, r in enumerate(done[start : start + 10])
            ]
            sqs.delete_message_batch(QueueUrl=self.queue_url, Entries=entries)
        if failed_ids:
            log.warning(
                "%s: %d of %d messages failed: %s", self.config.function, len(failed_ids), len(records), error
            )
        return True


Poller = StreamPoller | SqsPoller


def poller_for(
    config: MappingConfig, invoke: Invoke, clients: ClientFactory, clock: Clock, region: str
) -> Poller:
    if config.kind == "sqs":
        return SqsPoller(config, invoke, clients, clock, region)
    if config.kind in {"dynamodb", "kinesis"}:
        return StreamPoller(config, invoke, clients, clock, region)
    raise ValueError(f"unsupported event source {config.source_arn}")


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _jsonable(value: Any) -> Any:
    """boto3 output -> what Lambda's JSON event carries (binary as base64, datetimes as epoch)."""
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items() if k != "ResponseMetadata"}
    if isinstance(value, list):
        return [_jsonable(v) for v in value]
    if isinstance(value, bytes | bytearray):
        return base64.b64encode(value).decode()
    if isinstance(value, datetime):
        return int(value.timestamp())
    return value
