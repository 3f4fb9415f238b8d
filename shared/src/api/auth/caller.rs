//! The caller of a request, as the handlers see it.

use std::collections::HashMap;

use crate::domain::ids::UserId;
use crate::domain::mail::EmailAddress;

use super::token::{AuthError, Claims};

/// Members of this group may use the admin routes.
pub const ADMIN_GROUP: &str = "admin";

/// A signed-in user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: UserId,
    pub admin: bool,
    /// Where the user receives mail: the token's `email`, when the identity provider
    /// verified it (`email_verified`) and it is an address.
    pub email: Option<EmailAddress>,
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
            email: verified_email(claims.email.as_deref(), claims.email_verified),
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
        let verified = claims
            .get("email_verified")
            .map(|flag| flag.eq_ignore_ascii_case("true"));
        let email = verified_email(claims.get("email").map(String::as_str), verified);
        Ok(Caller::User(User { id, admin, email }))
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

/// `email` when it is an address and its provider did not say it is unverified: Cognito
/// sends `email_verified`; a provider that sends no such claim is taken at its word.
fn verified_email(email: Option<&str>, verified: Option<bool>) -> Option<EmailAddress> {
    if verified == Some(false) {
        return None;
    }
    email.and_then(|raw| EmailAddress::parse(raw).ok())
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
        assert_eq!(bob.user().unwrap().email, None);
    }

    #[test]
    fn only_a_verified_address_is_the_users_email() {
        let with = |email: &str, verified: Option<&str>| {
            let mut claims = HashMap::from([
                ("sub".to_string(), "carol".to_string()),
                ("email".to_string(), email.to_string()),
            ]);
            if let Some(verified) = verified {
                claims.insert("email_verified".to_string(), verified.to_string());
            }
            let caller = Caller::from_authorizer_claims(&claims).unwrap();
            caller.user().unwrap().email.clone().map(String::from)
        };
        assert_eq!(
            with("carol@example.com", Some("true")).as_deref(),
            Some("carol@example.com")
        );
        assert_eq!(
            with("carol@example.com", None).as_deref(),
            Some("carol@example.com")
        );
        assert_eq!(with("carol@example.com", Some("false")), None);
        assert_eq!(with("not an address", Some("true")), None);
    }
}
