"""The storefront: its bucket holds web/ as the local shop serves it (index.html at the
root, every other file under assets/, byte for byte) and assets/config.json, which names
the user pool's app client and hosted UI; one distribution serves the bucket by default,
through origin access control, and sends every first segment of an OpenAPI path to the
HTTP API, uncached, over HTTPS only; only that distribution may read the bucket."""

import json

API_METHODS = {"GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"}


def expected_files(root):
    """The bucket's keys and the files of web/ they hold."""
    web = root / "web"
    files = {}
    for path in sorted(web.rglob("*")):
        relative = path.relative_to(web).as_posix()
        if path.is_file() and relative != "README.md":
            files[relative if relative == "index.html" else f"assets/{relative}"] = path
    return files


def check(stack):
    s3 = stack.client("s3")
    bucket = f"{stack.prefix}-storefront-{stack.account}"
    failures = []

    files = expected_files(stack.root)
    listed = s3.list_objects_v2(Bucket=bucket).get("Contents", [])
    keys = {item["Key"] for item in listed}
    for key in sorted(set(files) - keys):
        failures.append(f"{bucket}: no {key}")
    for key in sorted(keys - set(files) - {"assets/config.json"}):
        failures.append(f"{bucket}: {key}, which web/ does not hold")
    for key, path in files.items():
        if key in keys and s3.get_object(Bucket=bucket, Key=key)["Body"].read() != path.read_bytes():
            failures.append(f"{bucket}/{key}: not the bytes of {path.relative_to(stack.root)}")

    failures += config_failures(stack, s3, bucket)
    distribution = find_distribution(stack)
    if distribution is None:
        failures.append(f"no distribution serves {stack.outputs['storefront_url']}")
    else:
        failures += distribution_failures(stack, distribution, bucket)
        failures += bucket_policy_failures(s3, bucket, distribution["ARN"])
    return failures, f"{len(files)} files, the config and the distribution"


def config_failures(stack, s3, bucket):
    try:
        config = json.loads(s3.get_object(Bucket=bucket, Key="assets/config.json")["Body"].read())
    except s3.exceptions.NoSuchKey:
        return [f"{bucket}: no assets/config.json"]
    client_id = stack.outputs["cognito_client_id"]
    if config.get("apiBase") != "" or config.get("signIn") != "cognito":
        return [f"assets/config.json: {config}, expected the API at the page's own origin and Cognito sign-in"]
    if (config.get("cognito") or {}).get("clientId") != client_id:
        return [f"assets/config.json names client {config.get('cognito')}, the stack's is {client_id}"]
    pool = stack.client("cognito-idp").describe_user_pool(UserPoolId=stack.outputs["cognito_user_pool_id"])
    domain = pool["UserPool"].get("Domain")
    if not domain or f"https://{domain}.auth." not in config["cognito"].get("domain", ""):
        return [f"assets/config.json's hosted UI {config['cognito'].get('domain')} is not the pool's domain {domain}"]
    return []


def find_distribution(stack):
    host = stack.outputs["storefront_url"].removeprefix("https://")
    listed = stack.client("cloudfront").list_distributions()["DistributionList"].get("Items") or []
    return next((item for item in listed if item["DomainName"] == host), None)


def distribution_failures(stack, summary, bucket):
    config = stack.client("cloudfront").get_distribution_config(Id=summary["Id"])["DistributionConfig"]
    failures = []
    origins = {origin["Id"]: origin for origin in config["Origins"]["Items"]}
    storefront, api = origins.get("storefront"), origins.get("api")
    if not storefront or not storefront["DomainName"].startswith(f"{bucket}.s3."):
        failures.append(f"the distribution's storefront origin is {storefront}, not bucket {bucket}")
    elif not storefront.get("OriginAccessControlId"):
        failures.append("the storefront origin reads the bucket without origin access control")
    api_host = stack.outputs["api_url"].removeprefix("https://")
    if not api or api["DomainName"] != api_host:
        failures.append(f"the distribution's api origin is {api}, not {api_host}")
    elif api["CustomOriginConfig"]["OriginProtocolPolicy"] != "https-only":
        failures.append("the API origin is reached over plain HTTP")

    default = config["DefaultCacheBehavior"]
    if config.get("DefaultRootObject") != "index.html" or default["TargetOriginId"] != "storefront":
        failures.append("the distribution's root is not the storefront's index.html")
    if default["ViewerProtocolPolicy"] == "allow-all" or not default.get("Compress"):
        failures.append("pages are served over plain HTTP or uncompressed")

    behaviours = {item["PathPattern"]: item for item in (config.get("CacheBehaviors") or {}).get("Items") or []}
    roots = sorted({path.split("/")[1] for path in stack.openapi["paths"]})
    for root in roots:
        behaviour = behaviours.get(f"/{root}*")
        if behaviour is None:
            failures.append(f"/{root}… is not sent to the API")
            continue
        methods = set(behaviour["AllowedMethods"]["Items"])
        if behaviour["TargetOriginId"] != "api" or methods != API_METHODS:
            failures.append(f"/{root}*: to {behaviour['TargetOriginId']} with {sorted(methods)}")
        if behaviour["ViewerProtocolPolicy"] != "https-only":
            failures.append(f"/{root}*: {behaviour['ViewerProtocolPolicy']}, expected https-only")
    for pattern in sorted(set(behaviours) - {f"/{root}*" for root in roots}):
        failures.append(f"{pattern}: a behaviour for no API path")
    return failures


def bucket_policy_failures(s3, bucket, distribution_arn):
    statements = json.loads(s3.get_bucket_policy(Bucket=bucket)["Policy"])["Statement"]
    readers = [
        statement
        for statement in statements
        if statement["Effect"] == "Allow" and "s3:GetObject" in json.dumps(statement.get("Action"))
    ]
    expected = {"StringEquals": {"AWS:SourceArn": distribution_arn}}
    if len(readers) != 1 or readers[0].get("Principal") != {"Service": "cloudfront.amazonaws.com"} or readers[0].get("Condition") != expected:
        return [f"{bucket}: read by {readers}, expected only distribution {distribution_arn}"]
    return []
