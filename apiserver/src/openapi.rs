//! `/openapi/v2` and `/openapi/v3`: the API's schemas for kubectl explain, apply and validation.

use ferrokube_apimachinery::status::Status;
use ferrokube_openapi::{JSON, OpenApiError, V2_PROTOBUF};
use http::{HeaderValue, header};
use hyper::Response;

use crate::handlers::{bytes_response, status_response};
use crate::server::Body;

/// The document at `path` in the first acceptable media type, built on first use and cached.
pub fn serve(path: &str, accept: &str) -> Response<Body> {
    match ferrokube_openapi::serve(path, accept) {
        Ok(doc) => {
            let mut resp = bytes_response(200, doc.content_type, doc.body);
            if let Ok(etag) = HeaderValue::from_str(&format!("\"{}\"", doc.hash)) {
                resp.headers_mut().insert(header::ETAG, etag);
            }
            resp.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache, private"));
            resp
        }
        Err(OpenApiError::NotFound(_)) => status_response(crate::handlers::rest::not_found_resource(), None),
        Err(OpenApiError::NotAcceptable(_)) => {
            let accepted: &[&str] = if path.starts_with("/openapi/v2") {
                &[JSON, V2_PROTOBUF]
            } else {
                &[JSON]
            };
            status_response(Status::not_acceptable(accepted), None)
        }
        Err(err) => status_response(Status::internal_error(err), None),
    }
}
