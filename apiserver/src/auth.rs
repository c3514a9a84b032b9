//! Authentication (x509 client certificates) and authorization, as stages of the request pipeline.

use crate::request::RequestInfo;

/// The user a request acts as.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserInfo {
    pub name: String,
    pub groups: Vec<String>,
}

impl UserInfo {
    /// x509 authentication: user = subject CN, groups = subject O, plus `system:authenticated` as upstream.
    pub fn from_client_certificate(der: &[u8]) -> Option<UserInfo> {
        let (cn, mut groups) = ferrokube_component_base::tls::subject_cn_and_orgs(der)?;
        if cn.is_empty() {
            return None;
        }
        groups.push("system:authenticated".to_string());
        Some(UserInfo { name: cn, groups })
    }
}

/// The authorizer's answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    Allow,
    /// Denied, with the reason shown in the 403 message.
    Deny(String),
}

/// Decides whether a user may do what a request asks. RBAC and Node authorizers plug in here later.
pub trait Authorizer: Send + Sync {
    fn authorize(&self, user: &UserInfo, request: &RequestInfo) -> Decision;
}

/// `--authorization-mode=AlwaysAllow`.
#[derive(Debug)]
pub struct AlwaysAllow;

impl Authorizer for AlwaysAllow {
    fn authorize(&self, _user: &UserInfo, _request: &RequestInfo) -> Decision {
        Decision::Allow
    }
}
