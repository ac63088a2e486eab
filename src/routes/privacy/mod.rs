//! `/api/users/me/export` and `DELETE /api/users/me`: everything the
//! service holds about the person asking, to take away or to erase.

pub mod erasure;
pub mod export;

use crate::domain::{Booking, BookingQuery, BookingScope};
use crate::state::AppState;
use crate::store::StoreError;

/// Every booking in `scope`, a page at a time.
async fn all_bookings(state: &AppState, scope: BookingScope) -> Result<Vec<Booking>, StoreError> {
    let (mut bookings, mut after) = (Vec::new(), None);
    loop {
        let query = BookingQuery {
            scope,
            status: None,
            from: None,
            to: None,
            after,
            limit: BookingQuery::MAX_LIMIT,
        };
        let (page, next) = query.paginate(state.store.list_bookings(&query).await?);
        bookings.extend(page);
        match next {
            Some(cursor) => after = Some(cursor),
            None => return Ok(bookings),
        }
    }
}
