"""Every function's role has one inline policy, no managed policy, and that policy allows
exactly what the function's functions/manifest.json entry grants, no more and no less,
as the table in infra/terraform/README.md ("How the manifest drives functions and least
privilege") spells it out; and it fits IAM's 10,240 characters (whitespace not counted)
for a role's inline policies."""

import json

ROLE_POLICY_LIMIT = 10240

DYNAMODB_READ = ["GetItem", "BatchGetItem", "Query", "Scan", "ConditionCheckItem"]
DYNAMODB_WRITE = DYNAMODB_READ + ["PutItem", "UpdateItem", "DeleteItem"]
CONSUME_QUEUE = ["ReceiveMessage", "DeleteMessage", "GetQueueAttributes", "ChangeMessageVisibility"]
READ_DEAD_LETTERS = ["ReceiveMessage", "ChangeMessageVisibility", "GetQueueAttributes"]
READ_STREAM = ["GetRecords", "GetShardIterator", "DescribeStream", "ListStreams"]


def as_list(value):
    return value if isinstance(value, list) else [value]


def condition_text(condition):
    """A statement's condition in one canonical spelling ("" for none)."""
    if not condition:
        return ""
    return json.dumps(
        {test: {key: sorted(as_list(values)) for key, values in keys.items()} for test, keys in condition.items()},
        sort_keys=True,
    )


class Grants:
    """(action, resource, condition) triples, each with the manifest grant it comes from."""

    def __init__(self):
        self.reasons = {}

    def allow(self, reason, service, actions, resources, condition=None):
        for action in actions:
            for resource in resources:
                self.reasons[(f"{service}:{action}", resource, condition_text(condition))] = reason


def expected_grants(stack, name, entry):
    """What the manifest entry `name` grants, as the README's table turns it into IAM."""
    config = stack.function(name)
    key = config["KMSKeyArn"]
    grants = Grants()
    via, encrypt_via = set(), set()

    log_group = f"/aws/lambda/{config['FunctionName']}"
    groups = stack.client("logs").describe_log_groups(logGroupNamePrefix=log_group)["logGroups"]
    # The policy names the group's streams, <group ARN>:* (the ARN may or may not end so).
    streams = next(group["arn"] for group in groups if group["logGroupName"] == log_group).removesuffix(":*") + ":*"
    grants.allow("every function: its own log group", "logs", ["CreateLogStream", "PutLogEvents"], [streams])
    grants.allow("every function: X-Ray", "xray", ["PutTraceSegments", "PutTelemetryRecords"], ["*"])

    for table, access in entry.get("tables", {}).items():
        arn = stack.client("dynamodb").describe_table(TableName=stack.outputs["table_names"][table])["Table"]["TableArn"]
        actions = DYNAMODB_WRITE if access == "write" else DYNAMODB_READ
        grants.allow(f"tables.{table} = {access}", "dynamodb", actions, [arn, f"{arn}/index/*"])

    if entry.get("publishes"):
        bus = stack.client("events").describe_event_bus(Name=stack.outputs["event_bus_name"])["Arn"]
        grants.allow("publishes", "events", ["PutEvents"], [bus])

    machine = stack.outputs["state_machine_arn"]
    workflow = entry.get("workflow", [])
    if "start" in workflow:
        grants.allow("workflow start", "states", ["StartExecution"], [machine])
    if "describe" in workflow:
        executions = machine.replace(":stateMachine:", ":execution:") + ":*"
        grants.allow("workflow describe", "states", ["DescribeExecution", "GetExecutionHistory"], [executions])
        grants.allow("workflow describe", "states", ["ListExecutions"], [machine])
    if "callback" in workflow:
        grants.allow("workflow callback", "states", ["SendTaskSuccess", "SendTaskFailure"], ["*"])

    for secret in entry.get("secrets", []):
        arn = stack.client("secretsmanager").describe_secret(SecretId=f"{stack.prefix}/{secret}")["ARN"]
        grants.allow(f"secrets {secret}", "secretsmanager", ["GetSecretValue"], [arn])
        via.add("secretsmanager")

    if entry["trigger"] == "queue":
        grants.allow("trigger queue", "sqs", CONSUME_QUEUE, stack.event_sources(name))
        via.add("sqs")
    if entry["trigger"] == "mock-stream":
        grants.allow("trigger mock-stream", "dynamodb", READ_STREAM, stack.event_sources(name))

    dead_letters = entry.get("deadLetters")
    if dead_letters:
        queues = [arn for consumer in consumers(stack) for arn in stack.event_sources(consumer)]
        dlqs = [stack.dead_letter_queue(queue) for queue in queues]
        grants.allow(f"deadLetters {dead_letters}", "sqs", READ_DEAD_LETTERS, dlqs)
        via.add("sqs")
        if dead_letters == "write":
            grants.allow("deadLetters write", "sqs", ["DeleteMessage"], dlqs)
            grants.allow("deadLetters write", "sqs", ["SendMessage"], queues)
            encrypt_via.add("sqs")

    search_index = entry.get("searchIndex")
    if search_index:
        bucket = f"arn:{stack.partition}:s3:::{stack.outputs['search_index_bucket']}"
        grants.allow(f"searchIndex {search_index}", "s3", ["ListBucket"], [bucket])
        objects = ["GetObject", "PutObject"] if search_index == "write" else ["GetObject"]
        grants.allow(f"searchIndex {search_index}", "s3", objects, [f"{bucket}/*"])
        via.add("s3")
        if search_index == "write":
            encrypt_via.add("s3")

    mail = stack.outputs.get("mail_identity")
    if entry.get("sendsMail") and mail:
        grants.allow("sendsMail", "ses", ["SendEmail"], [mail["arn"], mail["configuration_set_arn"]])

    if encrypt_via:
        reason = "deadLetters write or searchIndex write: encrypt through " + " and ".join(sorted(encrypt_via))
        grants.allow(reason, "kms", ["GenerateDataKey"], [key], via_services(stack, encrypt_via))
    if via:
        reason = "secrets, trigger queue, deadLetters or searchIndex: decrypt through " + " and ".join(sorted(via))
        grants.allow(reason, "kms", ["Decrypt"], [key], via_services(stack, via))
    return grants.reasons


def consumers(stack):
    return [name for name, entry in stack.manifest.items() if entry["trigger"] == "queue"]


def via_services(stack, services):
    return {"StringEquals": {"kms:ViaService": [f"{service}.{stack.region}.amazonaws.com" for service in sorted(services)]}}


def deployed_grants(name, document):
    """The document's (action, resource, condition) triples, and what cannot be one."""
    grants, failures = set(), []
    for statement in as_list(document["Statement"]):
        if statement.get("Effect") != "Allow" or {"NotAction", "NotResource", "NotPrincipal"} & statement.keys():
            failures.append(f"{name}: a statement that is not a plain Allow: {json.dumps(statement)}")
            continue
        condition = condition_text(statement.get("Condition"))
        grants |= {(action, resource, condition) for action in as_list(statement["Action"]) for resource in as_list(statement["Resource"])}
    return grants, failures


def described(grants, reasons=None):
    """The grants as `actions on resource [if condition]` phrases, one per resource and
    condition (and manifest grant, when reasons are given)."""
    actions = {}
    for action, resource, condition in sorted(grants):
        reason = reasons[(action, resource, condition)] if reasons else None
        actions.setdefault((reason, resource, condition), []).append(action)
    for (reason, resource, condition), names in actions.items():
        yield reason, f"{', '.join(names)} on {resource}" + (f" if {condition}" if condition else "")


def check(stack):
    iam = stack.client("iam")
    failures = []
    for name, entry in stack.manifest.items():
        role = stack.function(name)["Role"].rsplit("/", 1)[-1]
        attached = iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"]
        failures += [f"{name}: managed policy {policy['PolicyArn']} attached to {role}" for policy in attached]
        inline = iam.list_role_policies(RoleName=role)["PolicyNames"]
        if len(inline) != 1:
            failures.append(f"{name}: {len(inline)} inline policies on {role} ({', '.join(inline)}), expected one")
            continue
        document = iam.get_role_policy(RoleName=role, PolicyName=inline[0])["PolicyDocument"]
        if isinstance(document, str):
            document = json.loads(document)
        size = len(json.dumps(document, separators=(",", ":")))
        if size > ROLE_POLICY_LIMIT:
            failures.append(f"{name}: the policy of {role} has {size} characters, IAM allows {ROLE_POLICY_LIMIT}")

        expected = expected_grants(stack, name, entry)
        deployed, malformed = deployed_grants(name, document)
        failures += malformed
        failures += [
            f"{name}: the manifest grants {reason}, but the policy does not allow {phrase}"
            for reason, phrase in described(expected.keys() - deployed, expected)
        ]
        failures += [
            f"{name}: the policy allows {phrase}, which its manifest entry does not grant"
            for _, phrase in described(deployed - expected.keys())
        ]
    return failures, f"{len(stack.manifest)} functions"
