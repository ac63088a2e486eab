//! `/api/users/me/export`: everything the service holds about the person
//! asking, to take away.

pub mod export;
