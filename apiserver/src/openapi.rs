//! `/openapi/v2` and `/openapi/v3`: the API's schemas for kubectl explain, apply and validation.

use hyper::Response;

use crate::handlers::status_response;
use crate::server::Body;

pub fn serve(_path: &str, _accept: &str) -> Response<Body> {
    status_response(crate::handlers::rest::not_found_resource(), None)
}
