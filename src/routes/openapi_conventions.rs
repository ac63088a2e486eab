//! What every operation of the OpenAPI document shares, added in one pass
//! rather than repeated on each handler: `security: []` on the public
//! ones, the 500 error body, and the `X-Request-Id` of every response;
//! the server and the contact of the document.

use utoipa::Modify;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::ResponseBuilder;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::{ContactBuilder, Content, Ref, RefOr, ServerBuilder, header::HeaderBuilder};

/// Adds the shared parts (see the module's documentation).
pub struct Conventions;

impl Modify for Conventions {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        openapi.info.contact = Some(
            ContactBuilder::new()
                .name(Some("tripdesk security and API questions"))
                .email(Some("security@tripdesk.example"))
                .build(),
        );
        openapi.servers = Some(vec![
            ServerBuilder::new()
                .url("/")
                .description(Some("This service (the origin serving the document)"))
                .build(),
        ]);
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ];
            for operation in operations.into_iter().flatten() {
                declare_public(operation);
                add_server_error(operation);
                add_request_id(operation);
            }
        }
    }
}

/// An operation that names no credential needs none: `security: []`.
fn declare_public(operation: &mut Operation) {
    operation.security.get_or_insert_with(Vec::new);
}

fn add_server_error(operation: &mut Operation) {
    let body = Content::new(Some(RefOr::Ref(Ref::from_schema_name("ErrorBody"))));
    let response = ResponseBuilder::new()
        .description(
            "Something went wrong inside (`internal_error`); the detail names the request id, \
             nothing else",
        )
        .content("application/json", body)
        .build();
    operation
        .responses
        .responses
        .entry("500".into())
        .or_insert(RefOr::T(response));
}

fn add_request_id(operation: &mut Operation) {
    for response in operation.responses.responses.values_mut() {
        if let RefOr::T(response) = response {
            let header = HeaderBuilder::new()
                .schema(ObjectBuilder::new().schema_type(Type::String))
                .description(Some(
                    "The request's id: the client's own when it sent a plain one (1–64 letters, \
                     digits, `-_.:`), else a new one; logged with every line about the request",
                ))
                .build();
            response
                .headers
                .entry("X-Request-Id".into())
                .or_insert(header);
        }
    }
}
