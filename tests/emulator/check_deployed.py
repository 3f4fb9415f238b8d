"""Reads back the stack scripts/check-deploy applied to the emulator and checks it against
the repository's definition files, not against Terraform's own idea of it:

  deployed_routes         every OpenAPI operation: route → integration → its function, authorizer
  deployed_state_machine  the definition is the ASL file with each placeholder a function's ARN
  deployed_tables         keys, indexes, TTL and stream as tables.tf declares them
  deployed_rules          every rule file: its rule → its consumer's queue (at most its
                          maxConcurrency batches at once) → a dead-letter queue
  deployed_policies       every function's policy grants exactly its manifest entry
  deployed_storefront     web/ in the bucket, its config, the distribution in front of it

Usage: check_deployed.py ENDPOINT REPO_ROOT OUTPUTS_JSON (the stack's `terraform output -json`).
Prints every disagreement and exits 1 if there is any.
"""

import functools
import json
import pathlib
import sys

import boto3
import yaml

import deployed_policies
import deployed_routes
import deployed_rules
import deployed_state_machine
import deployed_storefront
import deployed_tables


class Stack:
    """The deployed stack, the definition files it was built from, and lookups both share."""

    def __init__(self, endpoint, root, outputs):
        self.endpoint = endpoint
        self.root = pathlib.Path(root)
        self.outputs = {name: output["value"] for name, output in outputs.items()}
        self.manifest = json.loads((self.root / "functions/manifest.json").read_text())["functions"]
        self.openapi = yaml.safe_load((self.root / "api/openapi.yaml").read_text())
        # arn:<partition>:states:<region>:<account>:stateMachine:<name>
        _, self.partition, _, self.region, self.account, *_ = self.outputs["state_machine_arn"].split(":")
        # events.tf names the bus mambogo-<environment>, the prefix of every name.
        self.prefix = self.outputs["event_bus_name"]

    @functools.cache
    def client(self, service):
        return boto3.client(
            service,
            endpoint_url=self.endpoint,
            region_name=self.region,
            aws_access_key_id="emulator",
            aws_secret_access_key="emulator",
        )

    @functools.cache
    def function(self, name):
        """The deployed configuration of the manifest's function `name`."""
        deployed = self.outputs["function_names"][name]
        return self.client("lambda").get_function(FunctionName=deployed)["Configuration"]

    @functools.cache
    def event_source_mappings(self, name):
        """The event source mappings feeding the manifest's function `name`, by source ARN."""
        mappings = self.client("lambda").list_event_source_mappings(FunctionName=self.function(name)["FunctionArn"])
        return {mapping["EventSourceArn"]: mapping for mapping in mappings["EventSourceMappings"]}

    def event_sources(self, name):
        """The ARNs of the queues and streams feeding the manifest's function `name`."""
        return tuple(self.event_source_mappings(name))

    @functools.cache
    def queue(self, arn):
        """The attributes of the queue with this ARN, or None if there is none."""
        sqs = self.client("sqs")
        try:
            url = sqs.get_queue_url(QueueName=arn.rsplit(":", 1)[-1])["QueueUrl"]
        except sqs.exceptions.QueueDoesNotExist:
            return None
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        return attributes if attributes["QueueArn"] == arn else None

    def dead_letter_queue(self, queue_arn):
        """The ARN of the dead-letter queue of the queue with this ARN, or None."""
        redrive = json.loads((self.queue(queue_arn) or {}).get("RedrivePolicy", "null"))
        return redrive["deadLetterTargetArn"] if redrive else None


CHECKS = {
    "routes": deployed_routes,
    "state machine": deployed_state_machine,
    "tables": deployed_tables,
    "rules": deployed_rules,
    "policies": deployed_policies,
    "storefront": deployed_storefront,
}


def main(endpoint, root, outputs_file):
    stack = Stack(endpoint, root, json.loads(pathlib.Path(outputs_file).read_text()))
    failed = False
    for area, check in CHECKS.items():
        failures, checked = check.check(stack)
        for failure in failures:
            print(f"FAIL {area}: {failure}")
        print(f"{area}: {checked}, {len(failures)} disagreement(s)")
        failed = failed or bool(failures)
    if failed:
        print("the deployed stack does not match the definition files (FAIL lines above)", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
