//! Transactional mail: the transport (SMTP, or `.eml` files in development),
//! the booking mails and their calendar invites, and the dispatcher that
//! delivers the outbox.

mod compose;
mod dispatcher;
pub mod invite;
mod transport;

pub use compose::compose;
pub use dispatcher::{Dispatcher, DispatcherHandle};
pub use transport::{Transport, TransportError};

use crate::domain::{Consultant, User};

/// Everyone a booking mail or invite names.
#[derive(Debug, Clone)]
pub struct Parties {
    /// The customer's account.
    pub customer: User,
    /// The consultant's profile (name, time zone).
    pub consultant: Consultant,
    /// The consultant's login account (address).
    pub consultant_account: User,
}
