"""Every operation of api/openapi.yaml is a route of the shop's HTTP API, integrated with
the Lambda whose functions/manifest.json entry names its operationId, and has the JWT
authorizer exactly where its `security` requires a sign-in; there are no other routes."""

HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options"}


def operations(openapi):
    """(route key, operationId, security) of every operation; a missing `security` is the
    document's."""
    default = openapi.get("security", [])
    for path, item in openapi["paths"].items():
        for method, operation in item.items():
            if method in HTTP_METHODS:
                yield f"{method.upper()} {path}", operation["operationId"], operation.get("security", default)


def requires_sign_in(security):
    """[{bearerAuth: []}] does; [] (public) and [{}, {bearerAuth: []}] (optional) do not:
    every alternative must name a scheme."""
    return bool(security) and all(security)


def check(stack):
    apigateway = stack.client("apigatewayv2")
    api = next(api for api in apigateway.get_apis()["Items"] if api["ApiEndpoint"] == stack.outputs["api_url"])
    routes = {route["RouteKey"]: route for route in apigateway.get_routes(ApiId=api["ApiId"])["Items"]}
    integrations = {
        integration["IntegrationId"]: integration
        for integration in apigateway.get_integrations(ApiId=api["ApiId"])["Items"]
    }
    # (moto has no GetAuthorizers: each route's authorizer is read by its id.)
    authorizers = {
        route["AuthorizerId"]: apigateway.get_authorizer(ApiId=api["ApiId"], AuthorizerId=route["AuthorizerId"])
        for route in routes.values()
        if route.get("AuthorizerId")
    }
    function_of = {
        entry["operationId"]: name for name, entry in stack.manifest.items() if entry["trigger"] == "api"
    }

    failures = []
    expected = set()
    for key, operation_id, security in operations(stack.openapi):
        expected.add(key)
        route = routes.get(key)
        name = function_of.get(operation_id)
        if route is None:
            failures.append(f"{key} ({operation_id}): no route")
            continue
        if name is None:
            failures.append(f"{key}: no \"api\" function in the manifest has operationId {operation_id}")
            continue
        integration = integrations.get(route.get("Target", "").removeprefix("integrations/"))
        function_arn = stack.function(name)["FunctionArn"]
        invoke_uri = f"arn:{stack.partition}:apigateway:{stack.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"
        if integration is None:
            failures.append(f"{key}: its target {route.get('Target')!r} is no integration of the API")
        elif (integration["IntegrationType"], integration["IntegrationUri"]) != ("AWS_PROXY", invoke_uri):
            failures.append(
                f"{key}: integrated with {integration['IntegrationType']} {integration['IntegrationUri']}, "
                f"not a Lambda proxy to {name} ({function_arn})"
            )
        failures += authorization_failures(stack, key, route, authorizers, requires_sign_in(security))

    failures += [f"{key}: a route that api/openapi.yaml does not have" for key in sorted(set(routes) - expected)]
    return failures, f"{len(expected)} operations"


def authorization_failures(stack, key, route, authorizers, sign_in_required):
    if not sign_in_required:
        if route.get("AuthorizationType") != "NONE" or route.get("AuthorizerId"):
            return [f"{key}: has authorizer {route.get('AuthorizerId')} ({route.get('AuthorizationType')}), "
                    "but its OpenAPI security does not require signing in"]
        return []
    authorizer = authorizers.get(route.get("AuthorizerId"))
    if route.get("AuthorizationType") != "JWT" or authorizer is None or authorizer["AuthorizerType"] != "JWT":
        return [f"{key}: its OpenAPI security requires signing in, but the route has no JWT authorizer "
                f"(authorization {route.get('AuthorizationType')}, authorizer {route.get('AuthorizerId')})"]
    issuer = authorizer["JwtConfiguration"]["Issuer"]
    audience = authorizer["JwtConfiguration"]["Audience"]
    if issuer != stack.outputs["jwt_issuer"] or audience != [stack.outputs["cognito_client_id"]]:
        return [f"{key}: the authorizer accepts issuer {issuer} and audience {audience}, not the user pool's "
                f"{stack.outputs['jwt_issuer']} and [{stack.outputs['cognito_client_id']}]"]
    return []
