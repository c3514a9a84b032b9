//! What a request asks for, from its method, path and query (upstream's `RequestInfoFactory`).

use std::collections::HashMap;

/// A parsed request: a resource request (`/api/v1/namespaces/ns/pods/name/status`) or a non-resource one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequestInfo {
    pub is_resource_request: bool,
    pub path: String,
    /// get, list, watch, create, update, patch, delete, deletecollection; for non-resource requests the
    /// lower-case HTTP method.
    pub verb: String,
    /// `api` or `apis` for resource requests.
    pub api_prefix: String,
    pub api_group: String,
    pub api_version: String,
    pub namespace: String,
    pub resource: String,
    pub subresource: String,
    pub name: String,
    /// Path segments after the version, for discovery requests such as `/apis/apps`.
    pub parts: Vec<String>,
}

impl RequestInfo {
    pub fn parse(method: &http::Method, path: &str, query: &Query) -> RequestInfo {
        let mut info = RequestInfo {
            path: path.to_string(),
            verb: method.as_str().to_lowercase(),
            ..Default::default()
        };
        let segments: Vec<&str> = path.trim_matches('/').split('/').filter(|s| !s.is_empty()).collect();
        let (prefix, rest) = match segments.split_first() {
            Some((p, rest)) if *p == "api" || *p == "apis" => (*p, rest),
            _ => return info,
        };
        info.api_prefix = prefix.to_string();
        let rest = if prefix == "apis" {
            match rest.split_first() {
                Some((group, rest)) => {
                    info.api_group = group.to_string();
                    rest
                }
                None => return info,
            }
        } else {
            rest
        };
        let Some((version, rest)) = rest.split_first() else {
            return info;
        };
        info.api_version = version.to_string();
        let mut parts: Vec<&str> = rest.to_vec();
        info.parts = parts.iter().map(|s| s.to_string()).collect();
        if parts.is_empty() {
            return info; // group-version discovery
        }
        info.is_resource_request = true;
        let mut watch_prefix = false;
        if parts[0] == "watch" {
            watch_prefix = true;
            parts.remove(0);
        }
        if parts.first() == Some(&"namespaces") && parts.len() > 1 {
            info.namespace = parts[1].to_string();
            if parts.len() > 2 && parts[2] != "status" && parts[2] != "finalize" {
                parts.drain(..2);
            }
        }
        match parts.len() {
            0 => {}
            1 => info.resource = parts[0].to_string(),
            2 => {
                info.resource = parts[0].to_string();
                info.name = parts[1].to_string();
            }
            _ => {
                info.resource = parts[0].to_string();
                info.name = parts[1].to_string();
                info.subresource = parts[2].to_string();
            }
        }
        info.verb = match *method {
            http::Method::POST => "create",
            http::Method::GET | http::Method::HEAD => {
                if watch_prefix || query.bool("watch") {
                    "watch"
                } else if info.name.is_empty() {
                    "list"
                } else {
                    "get"
                }
            }
            http::Method::PUT => "update",
            http::Method::PATCH => "patch",
            http::Method::DELETE => {
                if info.name.is_empty() {
                    "deletecollection"
                } else {
                    "delete"
                }
            }
            _ => "",
        }
        .to_string();
        if info.verb.is_empty() {
            info.verb = method.as_str().to_lowercase();
        }
        // A name given by field selector on a watch/list makes it a request for that one object (upstream
        // does this for authorization); the handler still lists.
        info
    }
}

/// The decoded query string; the last value of a repeated parameter wins, as Go's `url.Values.Get` gives
/// the first — upstream uses the first, so this keeps the first.
#[derive(Debug, Clone, Default)]
pub struct Query {
    values: HashMap<String, String>,
}

impl Query {
    pub fn parse(query: Option<&str>) -> Query {
        let mut values = HashMap::new();
        for pair in query.unwrap_or("").split('&').filter(|p| !p.is_empty()) {
            let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
            values.entry(percent_decode(k)).or_insert_with(|| percent_decode(v));
        }
        Query { values }
    }

    pub fn get(&self, key: &str) -> Option<&str> {
        self.values.get(key).map(String::as_str)
    }

    pub fn str(&self, key: &str) -> &str {
        self.get(key).unwrap_or("")
    }

    /// Go's `strconv.ParseBool` truthy values.
    pub fn bool(&self, key: &str) -> bool {
        matches!(self.get(key), Some("1" | "t" | "T" | "true" | "TRUE" | "True"))
    }
}

pub use ferrokube_apimachinery::query::percent_decode;

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(method: http::Method, path_and_query: &str) -> RequestInfo {
        let (path, q) = path_and_query
            .split_once('?')
            .map(|(p, q)| (p, Some(q)))
            .unwrap_or((path_and_query, None));
        RequestInfo::parse(&method, path, &Query::parse(q))
    }

    #[test]
    fn resource_paths_like_upstream() {
        let r = parse(http::Method::GET, "/api/v1/namespaces/ns1/pods/p1/status");
        assert_eq!(
            (r.verb.as_str(), r.namespace.as_str(), r.resource.as_str()),
            ("get", "ns1", "pods")
        );
        assert_eq!((r.name.as_str(), r.subresource.as_str()), ("p1", "status"));
        let r = parse(http::Method::GET, "/apis/apps/v1/deployments?watch=true");
        assert_eq!(
            (r.verb.as_str(), r.api_group.as_str(), r.resource.as_str()),
            ("watch", "apps", "deployments")
        );
        let r = parse(http::Method::GET, "/api/v1/watch/namespaces/default/pods");
        assert_eq!(
            (r.verb.as_str(), r.namespace.as_str(), r.resource.as_str()),
            ("watch", "default", "pods")
        );
        let r = parse(http::Method::DELETE, "/api/v1/namespaces/default/configmaps");
        assert_eq!(r.verb, "deletecollection");
        let r = parse(http::Method::PUT, "/api/v1/namespaces/ns1/finalize");
        assert_eq!(
            (r.resource.as_str(), r.name.as_str(), r.subresource.as_str()),
            ("namespaces", "ns1", "finalize")
        );
        let r = parse(http::Method::GET, "/api/v1/namespaces/ns1");
        assert_eq!(
            (r.verb.as_str(), r.resource.as_str(), r.name.as_str()),
            ("get", "namespaces", "ns1")
        );
        let r = parse(http::Method::GET, "/healthz");
        assert!(!r.is_resource_request);
        let r = parse(http::Method::GET, "/apis/apps/v1");
        assert!(!r.is_resource_request);
        assert_eq!(r.api_group, "apps");
    }

    #[test]
    fn query_decoding() {
        let q = Query::parse(Some("labelSelector=app%3Dweb%2Ctier+in+(a)&watch=1&x=%zz"));
        assert_eq!(q.str("labelSelector"), "app=web,tier in (a)");
        assert!(q.bool("watch"));
        assert_eq!(q.str("x"), "%zz");
    }
}
