//! HTTP plumbing shared by every route: the request envelope middleware and
//! JSON bodies.

mod context;
mod csrf;
mod json;

pub use context::{AuthenticatedRequest, REQUEST_ID, RequestId, request_context, request_id};
pub use csrf::reject_cross_site_requests;
pub use json::{ApiJson, MAX_BODY_BYTES, OptionalJson, parse_body, require_json_bodies};
