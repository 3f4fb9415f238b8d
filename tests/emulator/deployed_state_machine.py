"""The deployed checkout state machine is statemachines/checkout.asl.json with every
placeholder replaced by the ARN of the deployed saga function it names: `${<name with
_>_function}` stands for the manifest's `saga` entry <name> (infra/terraform/state_machine.tf)."""

import json
import re

PLACEHOLDER = re.compile(r"\$\{([a-z0-9_]+)_function\}")


def differences(deployed, expected, path="$"):
    """Where two JSON values differ, as `path: deployed …, expected …` lines."""
    if isinstance(deployed, dict) and isinstance(expected, dict):
        for key in sorted(deployed.keys() | expected.keys()):
            if key not in expected:
                yield f"{path}.{key}: deployed, but not in the file"
            elif key not in deployed:
                yield f"{path}.{key}: in the file, but not deployed"
            else:
                yield from differences(deployed[key], expected[key], f"{path}.{key}")
    elif isinstance(deployed, list) and isinstance(expected, list) and len(deployed) == len(expected):
        for index, (left, right) in enumerate(zip(deployed, expected)):
            yield from differences(left, right, f"{path}[{index}]")
    elif deployed != expected:
        yield f"{path}: deployed {json.dumps(deployed)}, expected {json.dumps(expected)}"


def check(stack):
    failures = []

    def deployed_arn(placeholder):
        name = placeholder.group(1).replace("_", "-")
        if stack.manifest.get(name, {}).get("trigger") != "saga":
            failures.append(f"{placeholder.group(0)} names no \"saga\" function of the manifest ({name})")
            return placeholder.group(0)
        return stack.function(name)["FunctionArn"]

    text = (stack.root / "statemachines/checkout.asl.json").read_text()
    expected = json.loads(PLACEHOLDER.sub(deployed_arn, text))
    machine = stack.client("stepfunctions").describe_state_machine(stateMachineArn=stack.outputs["state_machine_arn"])
    failures += [f"checkout.asl.json {line}" for line in differences(json.loads(machine["definition"]), expected)]
    return failures, f"{len(PLACEHOLDER.findall(text))} placeholders"
