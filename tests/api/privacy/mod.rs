//! Privacy: the personal data export, and the consent kept from
//! registration.

mod erasure;
mod export;
