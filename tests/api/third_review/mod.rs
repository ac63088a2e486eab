//! The third security review: each finding, as an attacker or a typed
//! client met it, and the test that fails without its fix.

mod accounts;
mod calendar;
mod contract;
mod files;
mod operations;
