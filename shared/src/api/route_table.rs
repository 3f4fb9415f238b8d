//! The route table, read from the OpenAPI file (`api/openapi.yaml`), which is the single
//! source of routes for the local server, Terraform and the parity tests.

use http::Method;
use serde_json::Value;

/// The OpenAPI document, embedded so the local shop runs from anywhere.
pub const OPENAPI_YAML: &str = include_str!("../../../api/openapi.yaml");

/// Whether an operation needs a signed-in caller.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthRequirement {
    /// `security: []`: tokens are ignored.
    Public,
    /// `security: [{}, {bearerAuth: []}]`: a token is optional but must be valid if sent.
    Optional,
    /// `security: [{bearerAuth: []}]`: a valid token is required.
    Required,
}

/// One operation of the API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    pub method: Method,
    /// The path template, with `{name}` parameters.
    pub path: String,
    pub operation_id: String,
    pub auth: AuthRequirement,
}

/// The OpenAPI file cannot serve as a route table.
#[derive(Debug, thiserror::Error)]
#[error("api/openapi.yaml: {0}")]
pub struct RouteTableError(String);

const METHODS: [&str; 5] = ["get", "post", "put", "patch", "delete"];

/// Reads every operation of an OpenAPI document.
pub fn routes(openapi_yaml: &str) -> Result<Vec<Route>, RouteTableError> {
    let document: Value =
        serde_norway::from_str(openapi_yaml).map_err(|error| RouteTableError(error.to_string()))?;
    let paths = document
        .get("paths")
        .and_then(Value::as_object)
        .ok_or_else(|| RouteTableError("no paths".into()))?;
    let default_security = document.get("security");
    let mut routes = Vec::new();
    for (path, item) in paths {
        for method in METHODS {
            let Some(operation) = item.get(method) else {
                continue;
            };
            let operation_id = operation
                .get("operationId")
                .and_then(Value::as_str)
                .ok_or_else(|| RouteTableError(format!("{method} {path} has no operationId")))?;
            let security = operation.get("security").or(default_security);
            routes.push(Route {
                method: method
                    .to_uppercase()
                    .parse()
                    .map_err(|_| RouteTableError(format!("bad method {method}")))?,
                path: path.clone(),
                operation_id: operation_id.to_owned(),
                auth: auth_requirement(security),
            });
        }
    }
    Ok(routes)
}

fn auth_requirement(security: Option<&Value>) -> AuthRequirement {
    let requirements = security
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or(&[]);
    let anonymous_allowed = requirements.iter().any(|requirement| {
        requirement
            .as_object()
            .is_some_and(|schemes| schemes.is_empty())
    });
    match (requirements.is_empty(), anonymous_allowed) {
        (true, _) => AuthRequirement::Public,
        (false, true) => AuthRequirement::Optional,
        (false, false) => AuthRequirement::Required,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::endpoint;

    #[test]
    fn every_operation_has_a_handler_and_every_handler_an_operation() {
        let routes = routes(OPENAPI_YAML).unwrap();
        for route in &routes {
            assert!(
                endpoint(&route.operation_id).is_some(),
                "no handler for {}",
                route.operation_id
            );
        }
        for (id, _) in crate::api::OPERATIONS {
            assert_eq!(
                routes
                    .iter()
                    .filter(|route| route.operation_id == *id)
                    .count(),
                1,
                "{id} must appear exactly once in the OpenAPI file"
            );
        }
    }

    #[test]
    fn security_sections_become_requirements() {
        let routes = routes(OPENAPI_YAML).unwrap();
        let auth_of = |id: &str| routes.iter().find(|r| r.operation_id == id).unwrap().auth;
        assert_eq!(auth_of("listProducts"), AuthRequirement::Public);
        assert_eq!(auth_of("getCart"), AuthRequirement::Optional);
        assert_eq!(auth_of("createProduct"), AuthRequirement::Required);
    }
}
