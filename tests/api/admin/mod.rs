//! Roles and administration: the staff gate, consultants' lifecycle,
//! every booking, and the audit log.

pub(crate) mod access;
mod api_keys;
mod audit;
mod bookings;
mod consultants;
mod webhooks;

use serde_json::Value;

use crate::helpers::{TestClient, read};

/// Every entry of the audit log `staff` can read with `query`, newest
/// first, page after page.
pub(crate) async fn audit(staff: &TestClient, query: &str) -> Vec<Value> {
    let mut entries = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let after = cursor
            .as_deref()
            .map(|cursor| format!("&cursor={cursor}"))
            .unwrap_or_default();
        let (status, page) =
            read(staff.get(&format!("/api/admin/audit?{query}{after}")).await).await;
        assert_eq!(status, reqwest::StatusCode::OK, "{page}");
        entries.extend(page["entries"].as_array().unwrap().iter().cloned());
        match page["nextCursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => return entries,
        }
    }
}
