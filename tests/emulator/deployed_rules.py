"""Every events/rules/*.json file is a rule on the stack's bus with the file's pattern,
delivering to the queue that feeds the function the file names as its `target` (at most
the manifest's `maxConcurrency` batches at once, if it has one); that queue has a
dead-letter queue, which also keeps what EventBridge cannot deliver. The bus has no other
rules."""

import json


def check(stack):
    events = stack.client("events")
    bus = stack.outputs["event_bus_name"]
    deployed = {rule["Name"]: rule for rule in events.list_rules(EventBusName=bus)["Rules"]}
    failures = []
    expected = set()

    files = sorted((stack.root / "events/rules").glob("*.json"))
    for file in files:
        rule = json.loads(file.read_text())
        # events.tf names each rule after the bus: mambogo-<environment>-<name>.
        name = f"{bus}-{rule['name']}"
        expected.add(name)
        if name not in deployed:
            failures.append(f"{file.name}: no rule {name} on {bus}")
            continue
        if json.loads(deployed[name]["EventPattern"]) != rule["eventPattern"]:
            failures.append(f"{name}: pattern {deployed[name]['EventPattern']}, the file says {json.dumps(rule['eventPattern'])}")
        targets = events.list_targets_by_rule(Rule=name, EventBusName=bus)["Targets"]
        if len(targets) != 1:
            failures.append(f"{name}: {len(targets)} targets, expected one (the queue of {rule['target']})")
            continue
        failures += target_failures(stack, name, rule["target"], targets[0])

    failures += [f"{name}: a rule on {bus} that no events/rules file defines" for name in sorted(set(deployed) - expected)]
    return failures, f"{len(files)} rules"


def target_failures(stack, rule_name, consumer, target):
    if stack.manifest.get(consumer, {}).get("trigger") != "queue":
        return [f"{rule_name}: its target {consumer} is no \"queue\" function of the manifest"]
    queue_arn = target["Arn"]
    if stack.queue(queue_arn) is None:
        return [f"{rule_name}: delivers to {queue_arn}, which is no queue"]
    failures = []
    mapping = stack.event_source_mappings(consumer).get(queue_arn)
    if mapping is None:
        failures.append(f"{rule_name}: delivers to {queue_arn}, which does not feed {consumer} "
                        f"(fed by {', '.join(stack.event_sources(consumer)) or 'nothing'})")
    else:
        # The manifest's maxConcurrency bounds the batches the queue hands the function at once.
        expected = stack.manifest[consumer].get("maxConcurrency")
        deployed = (mapping.get("ScalingConfig") or {}).get("MaximumConcurrency")
        if deployed != expected:
            failures.append(f"{rule_name}: the mapping from {queue_arn} to {consumer} runs at most {deployed} "
                            f"batches at once, its maxConcurrency is {expected}")
    dead_letters = stack.dead_letter_queue(queue_arn)
    if dead_letters is None or stack.queue(dead_letters) is None:
        failures.append(f"{rule_name}: its queue {queue_arn} has no dead-letter queue (redrive policy)")
    elif target.get("DeadLetterConfig", {}).get("Arn") != dead_letters:
        failures.append(f"{rule_name}: undeliverable events go to {target.get('DeadLetterConfig')}, "
                        f"not the queue's dead-letter queue {dead_letters}")
    return failures
