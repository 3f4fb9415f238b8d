//! Who is calling. In AWS the API Gateway JWT authorizer checks tokens and hands the
//! claims over in the request context; the local server (and a Lambda on a route where
//! signing in is optional) checks them with [`TokenVerifier`]. Either way the handlers get
//! the same [`Caller`].

mod caller;
mod token;

pub use caller::{Caller, User, ADMIN_GROUP};
pub use token::{
    mint_token, AuthError, Claims, TokenVerifier, VerifierKeys, DEV_AUDIENCE, DEV_ISSUER,
    DEV_MAIL_DOMAIN,
};
