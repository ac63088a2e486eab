//! Privacy: the personal data export, the consent kept from registration,
//! erasure and retention.

mod erasure;
mod erasure_paths;
mod export;
mod retention;
