"""moto_locked.py with the gaps filled that `terraform apply` of infra/terraform hits.

scripts/check-deploy applies the whole stack to this emulator. moto (pinned exactly in
requirements.txt: these patches reach into its internals, so another version is refused)
lacks a few calls and attributes the AWS provider relies on; each patch below says which
resource needs it.
Everything else, the one lock around each request included, is moto_locked.py's: it
prints `READY <port>` and exits when stdin closes.
"""

import json
import pathlib
import runpy
import sys

import moto
from moto.awslambda.models import LambdaFunction
from moto.awslambda.policy import Policy as LambdaPolicy
from moto.cloudfront.models import DefaultCacheBehaviour, Origin, ViewerCertificate
from moto.dynamodb.exceptions import ResourceNotFoundException
from moto.dynamodb.models import DynamoDBBackend
from moto.iam.access_control import IAMPolicy, PermissionResult
from moto.kms.responses import KmsResponse
from moto.s3.models import FakeBucket, FakeDeleteMarker
from moto.s3.responses import S3Response
from moto.ses.models import ConfigurationSet
from moto.ses.utils import get_arn
from moto.sesv2.models import SESV2Backend
from moto.sqs.models import Queue, SQSBackend
from moto.stepfunctions.responses import StepFunctionResponse
from statelint.linter import Linter

HERE = pathlib.Path(__file__).parent
pinned = f"moto[server]=={moto.__version__}"
if pinned not in (HERE / "requirements.txt").read_text().split():
    sys.exit(f"deploy_emulator.py patches the moto of tests/emulator/requirements.txt, not moto "
             f"{moto.__version__}: pip install -r tests/requirements.txt")


# ---- Step Functions ---------------------------------------------------------------
# aws_sfn_state_machine validates the definition before creating it, and retries the
# unimplemented call for hours. The answer comes from statelint, so a definition that
# templatefile() turned into invalid ASL fails the apply as it would in AWS.
def validate_state_machine_definition(self):
    problems = Linter.validate(self._get_param("definition"))
    return json.dumps({
        "result": "FAIL" if problems else "OK",
        "diagnostics": [
            {"severity": "ERROR", "code": "SCHEMA_VALIDATION_FAILED", "message": problem}
            for problem in problems
        ],
        "truncated": False,
    })


# Read after create; the stack never publishes versions.
def list_state_machine_versions(self):
    return json.dumps({"stateMachineVersions": []})


StepFunctionResponse.validate_state_machine_definition = validate_state_machine_definition
StepFunctionResponse.list_state_machine_versions = list_state_machine_versions


# ---- SQS --------------------------------------------------------------------------
# aws_sqs_queue_redrive_allow_policy waits until GetQueueAttributes returns the policy
# it set; moto accepts RedriveAllowPolicy but never returns it.
Queue.BASE_ATTRIBUTES.append("RedriveAllowPolicy")
Queue.redrive_allow_policy = None

set_queue_attributes = SQSBackend.set_queue_attributes


def set_queue_attributes_keeping_policy(self, queue_name, attributes):
    attributes = dict(attributes)
    # moto clears the queue policy on every SetQueueAttributes that omits Policy, so
    # aws_sqs_queue_redrive_allow_policy undid aws_sqs_queue_policy on the same queue.
    attributes.setdefault("Policy", self.get_queue(queue_name).policy)
    # AWS removes the attribute when it is set to "" (the redrive-allow resource's delete).
    if attributes.get("RedriveAllowPolicy") == "":
        attributes["RedriveAllowPolicy"] = None
    return set_queue_attributes(self, queue_name, attributes)


SQSBackend.set_queue_attributes = set_queue_attributes_keeping_policy

queue_attributes = Queue.attributes.fget


def queue_attributes_compact(self):
    # AWS returns RedrivePolicy as compact JSON; moto's spaced json.dumps showed as a
    # change to redrive_policy on every plan.
    result = queue_attributes(self)
    if self.redrive_policy:
        result["RedrivePolicy"] = json.dumps(self.redrive_policy, separators=(",", ":"))
    return result


Queue.attributes = property(queue_attributes_compact)


# ---- Lambda -----------------------------------------------------------------------
# moto drops LoggingConfig: every plan wanted to set logging_config (JSON logs to the
# function's own log group) again. Kept as sent; AWS's defaults when never sent.
lambda_init = LambdaFunction.__init__
lambda_configuration = LambdaFunction.get_configuration
lambda_update = LambdaFunction.update_configuration


def lambda_init_keeping_logging(self, account_id, spec, region, version=1):
    lambda_init(self, account_id, spec, region, version)
    self.logging_config = spec.get("LoggingConfig") or {
        "LogFormat": "Text",
        "LogGroup": f"/aws/lambda/{self.function_name}",
    }


def lambda_configuration_with_logging(self, on_create=False):
    return {**lambda_configuration(self, on_create), "LoggingConfig": self.logging_config}


def lambda_update_keeping_logging(self, config_updates):
    if "LoggingConfig" in config_updates:
        self.logging_config = config_updates["LoggingConfig"]
    return lambda_update(self, config_updates)


LambdaFunction.__init__ = lambda_init_keeping_logging
LambdaFunction.get_configuration = lambda_configuration_with_logging
LambdaFunction.update_configuration = lambda_update_keeping_logging


# ---- KMS --------------------------------------------------------------------------
# moto ignores RotationPeriodInDays: every plan wanted to set rotation_period_in_days.
enable_key_rotation = KmsResponse.enable_key_rotation
get_key_rotation_status = KmsResponse.get_key_rotation_status


def enable_key_rotation_with_period(self):
    answer = enable_key_rotation(self)
    key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
    key.rotation_period_in_days = self._get_param("RotationPeriodInDays", 365)
    return answer


def get_key_rotation_status_with_period(self):
    status = json.loads(get_key_rotation_status(self))
    key = self.kms_backend.keys[self.kms_backend.get_key_id(self._get_param("KeyId"))]
    if status["KeyRotationEnabled"]:
        status["RotationPeriodInDays"] = getattr(key, "rotation_period_in_days", 365)
    return json.dumps(status)


KmsResponse.enable_key_rotation = enable_key_rotation_with_period
KmsResponse.get_key_rotation_status = get_key_rotation_status_with_period


# aws_lambda_permission: an AddPermission the provider sent again (its first answer slow
# in coming under the apply's load) appended the statement a second time, as moto keeps
# duplicate Sids where AWS refuses them. Removing the permission then left the copy, and
# `terraform destroy` waited for it to go until it failed. A statement put again
# replaces the one with its Sid.
add_statement = LambdaPolicy.add_statement


def add_statement_once(self, raw, qualifier=None):
    statement, revision = add_statement(self, raw, qualifier)
    sid = statement.get("Sid")
    self.statements = [kept for kept in self.statements[:-1] if kept.get("Sid") != sid] + [statement]
    return statement, revision


LambdaPolicy.add_statement = add_statement_once


# ---- DynamoDB ---------------------------------------------------------------------
# aws_dynamodb_table takes a DeleteTable that finds no table as done only when the error
# names the table, as AWS's does ("Requested resource not found: Table: <name> not
# found"); moto's says less. A delete the provider sent again (its first answer was slow
# in coming) then failed `terraform destroy` although the table was gone.
delete_table = DynamoDBBackend.delete_table


def delete_table_naming_a_missing_one(self, name):
    try:
        return delete_table(self, name)
    except ResourceNotFoundException:
        raise ResourceNotFoundException(table_name=name) from None


DynamoDBBackend.delete_table = delete_table_naming_a_missing_one


# ---- S3 ---------------------------------------------------------------------------
# aws_s3_bucket_lifecycle_configuration waits until GetBucketLifecycleConfiguration
# returns the rules it put; moto drops a noncurrent version expiration's
# NewerNoncurrentVersions (the search index bucket keeps 5), so the apply timed out.
set_lifecycle = FakeBucket.set_lifecycle
get_bucket_lifecycle = S3Response.get_bucket_lifecycle


def set_lifecycle_keeping_newer_versions(self, rules):
    set_lifecycle(self, rules)
    for stored, sent in zip(self.rules, rules):
        stored.nve_newer_versions = (sent.get("NoncurrentVersionExpiration") or {}).get("NewerNoncurrentVersions")


def get_bucket_lifecycle_with_newer_versions(self):
    stored = {rule.id: rule for rule in self.backend.get_bucket_lifecycle(self.bucket_name) or []}
    serialized = self.serialized

    def with_newer_versions(action_result):
        for rule in getattr(action_result.result, "get", lambda _: None)("Rules") or []:
            newer = getattr(stored.get(rule["ID"]), "nve_newer_versions", None)
            if newer is not None and "NoncurrentVersionExpiration" in rule:
                rule["NoncurrentVersionExpiration"]["NewerNoncurrentVersions"] = newer
        return serialized(action_result)

    self.serialized = with_newer_versions
    try:
        return get_bucket_lifecycle(self)
    finally:
        del self.serialized


FakeBucket.set_lifecycle = set_lifecycle_keeping_newer_versions
S3Response.get_bucket_lifecycle = get_bucket_lifecycle_with_newer_versions

# Every bucket policy of the stack denies requests without TLS
# ({"Bool": {"aws:SecureTransport": "false"}}). moto checks a bucket policy's Deny on
# object requests without reading its conditions, so that Deny refused every object
# Terraform put (the storefront's pages) once the policy was in place. The emulator
# stands in for AWS's HTTPS endpoints: the Deny does not apply to its requests.
def is_without_tls(statement):
    return statement.get("Effect") == "Deny" and statement.get("Condition") == {"Bool": {"aws:SecureTransport": "false"}}


def get_permission_over_tls(self, action, resource):
    if self.policy is None:
        return PermissionResult.NEUTRAL
    document = json.loads(self.policy)
    document["Statement"] = [statement for statement in document["Statement"] if not is_without_tls(statement)]
    return IAMPolicy(json.dumps(document)).is_action_permitted(action, resource)


FakeBucket.get_permission = get_permission_over_tls


# Emptying a versioned bucket whose objects have a delete marker (the storefront's pages,
# tagged by the provider's default tags, leave one when their resources go) reaches
# FakeDeleteMarker.dispose, which moto lacks: DeleteObjects answered 500 and `terraform
# destroy` could not empty the bucket. A delete marker holds no data to dispose of.
FakeDeleteMarker.dispose = lambda self, garbage=False: None


# ---- CloudFront -------------------------------------------------------------------
# moto drops an origin's OriginAccessControlId: the storefront's bucket origin came back
# without its origin access control, and every plan after the apply put it back.
origin_init = Origin.__init__


def origin_keeping_access_control(self, origin):
    origin_init(self, origin)
    self.origin_access_control_id = origin.get("OriginAccessControlId") or ""


Origin.__init__ = origin_keeping_access_control

# A cache behaviour with a cache policy has no legacy ForwardedValues (AWS refuses both
# together), and a distribution on CloudFront's own certificate no SSLSupportMethod;
# moto adds both, and every plan after the apply took them away again.
behaviour_init = DefaultCacheBehaviour.__init__
certificate_init = ViewerCertificate.__init__


def behaviour_with_its_policy_only(self, config):
    behaviour_init(self, config)
    if config.get("CachePolicyId") and "ForwardedValues" not in config:
        self.forwarded_values = None


def certificate_as_sent(self, config):
    certificate_init(self, config)
    if "SSLSupportMethod" not in config:
        self.ssl_support_method = None


DefaultCacheBehaviour.__init__ = behaviour_with_its_policy_only
ViewerCertificate.__init__ = certificate_as_sent


# ---- SES --------------------------------------------------------------------------
# aws_sesv2_configuration_set reads back SendingOptions.SendingEnabled; moto keeps the
# SendingOptions object it was sent (or {}) where the flag belongs, and nests it there.
# It also answers every option it was not sent as {}, which the provider reads as a block
# to remove on every plan; AWS leaves them out.
config_set_v2 = ConfigurationSet.to_dict_v2


def config_set_v2_as_sent(self):
    result = {key: value for key, value in config_set_v2(self).items() if value != {}}
    sent = self.enabled if isinstance(self.enabled, dict) else {"SendingEnabled": self.enabled}
    result["SendingOptions"] = {"SendingEnabled": sent.get("SendingEnabled", True)}
    return result


ConfigurationSet.to_dict_v2 = config_set_v2_as_sent

# aws_sesv2_email_identity reads its tags at arn:…:identity/<name>, the identity's ARN in
# AWS; moto tags it at …:email-identity/<name>, so tags_all showed as a change on every plan.
create_email_identity = SESV2Backend.create_email_identity


def create_email_identity_tagged_at_its_arn(
    self, email_identity, tags, dkim_signing_attributes, configuration_set_name
):
    identity = create_email_identity(
        self, email_identity, None, dkim_signing_attributes, configuration_set_name
    )
    if tags:
        arn = get_arn(self, "ses", f"identity/{email_identity}")
        self.core_backend.tagger.tag_resource(arn=arn, tags=tags)
    return identity


SESV2Backend.create_email_identity = create_email_identity_tagged_at_its_arn


runpy.run_path(str(HERE / "moto_locked.py"), run_name="__main__")
