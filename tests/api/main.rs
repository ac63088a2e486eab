//! Black-box tests: the real application over HTTP, each test on a fresh store.

mod helpers;

mod admin;
mod booking_rules;
mod bookings;
mod calendar;
mod cli;
mod consultants;
mod demo;
mod errors;
mod finding;
mod hardening;
mod idempotency;
mod languages;
mod lifecycle;
mod lockout;
mod mail;
mod mfa;
mod mongo;
mod openapi;
mod operations;
mod passwords;
mod privacy;
mod recovery;
mod security;
mod sessions;
mod store_contract;
mod third_review;
mod users;
mod webhooks;
