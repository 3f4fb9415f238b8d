//! The caller of a request, as the handlers see it.

use std::collections::HashMap;

use crate::domain::ids::UserId;

use super::token::{AuthError, Claims};

/// Members of this group may use the admin routes.
pub const ADMIN_GROUP: &str = "admin";

/// A signed-in user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub admin: bool,
}

/// Who made a request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No token was sent.
    Anonymous,
    /// A valid token was sent.
    User(User),
}

impl Caller {
    /// The caller named by verified `claims`.
    pub fn from_claims(claims: &Claims) -> Result<Self, AuthError> {
        let id = UserId::parse(&claims.sub).map_err(|_| AuthError::BadSubject)?;
        Ok(Caller::User(User {
            id,
            admin: claims.groups().any(|group| group == ADMIN_GROUP),
        }))
    }

    /// The caller named by the claims API Gateway's JWT authorizer passes on. It flattens
    /// every claim to a string: a list of groups arrives as `[admin shopper]`.
    pub fn from_authorizer_claims(claims: &HashMap<String, String>) -> Result<Self, AuthError> {
        let sub = claims.get("sub").ok_or(AuthError::BadSubject)?;
        let id = UserId::parse(sub).map_err(|_| AuthError::BadSubject)?;
        let admin = ["cognito:groups", "groups"]
            .iter()
            .filter_map(|name| claims.get(*name))
            .flat_map(|groups| {
                groups
                    .trim_matches(|c| c == '[' || c == ']')
                    .split([' ', ','])
                    .map(|group| group.trim_matches('"'))
                    .collect::<Vec<_>>()
            })
            .any(|group| group == ADMIN_GROUP);
        Ok(Caller::User(User { id, admin }))
    }

    /// The signed-in user, if any.
    pub fn user(&self) -> Option<&User> {
        match self {
            Caller::Anonymous => None,
            Caller::User(user) => Some(user),
        }
    }

    /// Whether the caller may use admin routes.
    pub fn is_admin(&self) -> bool {
        self.user().is_some_and(|user| user.admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn authorizer_group_lists_are_unflattened() {
        let claims = HashMap::from([
            ("sub".to_string(), "alice".to_string()),
            ("cognito:groups".to_string(), "[shoppers admin]".to_string()),
        ]);
        assert!(Caller::from_authorizer_claims(&claims).unwrap().is_admin());
        let claims = HashMap::from([
            ("sub".to_string(), "bob".to_string()),
            ("groups".to_string(), "administrators".to_string()),
        ]);
        let bob = Caller::from_authorizer_claims(&claims).unwrap();
        assert!(!bob.is_admin());
        assert_eq!(bob.user().unwrap().id.as_str(), "bob");
    }
}
