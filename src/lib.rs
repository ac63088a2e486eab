//! tripdesk: a JSON API for booking travel consultations, with opaque
//! server-side sessions carried in an httpOnly cookie.
//!
//! Layout: [`domain`] holds the rules, [`store`] persists, [`auth`] turns
//! cookies into users, [`routes`] map HTTP to all of that, and [`startup`]
//! wires it together.

pub mod auth;
pub mod cli;
pub mod config;
pub mod domain;
pub mod error;
pub mod hashing;
pub mod http;
pub mod i18n;
pub mod mail;
pub mod mfa;
pub mod monitoring;
pub mod passkeys;
pub mod rate_limit;
pub mod routes;
pub mod seed;
pub mod startup;
pub mod state;
pub mod store;
pub mod telemetry;
mod upkeep;
pub mod webhooks;
pub mod worker;
