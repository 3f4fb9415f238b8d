"""Every DynamoDB table has the keys, global secondary indexes, TTL and stream that
infra/terraform/tables.tf declares (its `table_definitions`, as the `table_definitions`
output of ci/emulator.tf.ci). Matching tables.tf is enough: the Rust parity test
tests/tests/all/terraform_parity.rs holds tables.tf to the layout the DynamoDB adapters
and their contract suites use."""


def key_schema(elements):
    return {element["KeyType"]: element["AttributeName"] for element in elements}


def declared_keys(hash_key, range_key):
    return {"HASH": hash_key, **({"RANGE": range_key} if range_key else {})}


def check(stack):
    dynamodb = stack.client("dynamodb")
    declared = stack.outputs["table_definitions"]
    names = stack.outputs["table_names"]
    failures = [f"{key}: declared in tables.tf but not deployed" for key in sorted(declared.keys() - names.keys())]
    failures += [f"{key}: deployed but not declared in tables.tf" for key in sorted(names.keys() - declared.keys())]

    for key in sorted(declared.keys() & names.keys()):
        table = declared[key]
        deployed = dynamodb.describe_table(TableName=names[key])["Table"]
        found = {
            "keys": key_schema(deployed["KeySchema"]),
            "attributes": {a["AttributeName"]: a["AttributeType"] for a in deployed["AttributeDefinitions"]},
            "indexes": {
                index["IndexName"]: (key_schema(index["KeySchema"]), index["Projection"]["ProjectionType"])
                for index in deployed.get("GlobalSecondaryIndexes", [])
            },
            "ttl": ttl_attribute(dynamodb, names[key]),
            # tables.tf gives every stream the NEW_IMAGE view.
            "stream": stream_view(deployed),
        }
        wanted = {
            "keys": declared_keys(table["hash_key"], table["range_key"]),
            "attributes": table["attributes"],
            "indexes": {
                name: (declared_keys(index["hash_key"], index["range_key"]), "ALL")
                for name, index in table["indexes"].items()
            },
            "ttl": table["ttl"],
            "stream": "NEW_IMAGE" if table["stream"] else None,
        }
        failures += [
            f"{names[key]}: {aspect} {found[aspect]}, tables.tf says {wanted[aspect]}"
            for aspect in found
            if found[aspect] != wanted[aspect]
        ]
    return failures, f"{len(declared)} tables"


def ttl_attribute(dynamodb, table_name):
    """The TTL attribute if TTL is on, else None."""
    ttl = dynamodb.describe_time_to_live(TableName=table_name)["TimeToLiveDescription"]
    return ttl.get("AttributeName") if ttl.get("TimeToLiveStatus") == "ENABLED" else None


def stream_view(table):
    """The stream's view type if the table has a stream, else None."""
    stream = table.get("StreamSpecification", {})
    return stream.get("StreamViewType") if stream.get("StreamEnabled") else None
