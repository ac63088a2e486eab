//! Languages: each person's locale and time zone, and the mail written in
//! them.

mod mail;
mod profile;
