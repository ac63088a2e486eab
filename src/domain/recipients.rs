//! The parties of a booking as the recipients of its notifications.

use super::Party;

/// A set of the booking's parties.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recipients {
    customer: bool,
    consultant: bool,
}

impl Recipients {
    /// Nobody.
    pub const NONE: Self = Self {
        customer: false,
        consultant: false,
    };
    /// Both parties.
    pub const BOTH: Self = Self {
        customer: true,
        consultant: true,
    };

    /// Just `party`.
    pub fn only(party: Party) -> Self {
        Self::NONE.with(party)
    }

    /// This set and `party`.
    pub fn with(self, party: Party) -> Self {
        match party {
            Party::Customer => Self {
                customer: true,
                ..self
            },
            Party::Consultant => Self {
                consultant: true,
                ..self
            },
        }
    }

    /// Whether `party` is in the set.
    pub fn contains(self, party: Party) -> bool {
        match party {
            Party::Customer => self.customer,
            Party::Consultant => self.consultant,
        }
    }

    /// The parties in the set, customer first.
    pub fn parties(self) -> impl Iterator<Item = Party> {
        [Party::Customer, Party::Consultant]
            .into_iter()
            .filter(move |party| self.contains(*party))
    }

    /// The stored form: `customer`, `consultant`, `customer,consultant`, or
    /// empty.
    pub fn as_str(self) -> &'static str {
        match (self.customer, self.consultant) {
            (true, true) => "customer,consultant",
            (true, false) => "customer",
            (false, true) => "consultant",
            (false, false) => "",
        }
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        text.split(',')
            .filter(|name| !name.is_empty())
            .try_fold(Self::NONE, |set, name| Some(set.with(parse_role(name)?)))
    }
}

/// The stored name of a party (in message ids and recipient sets).
pub(super) fn role_name(party: Party) -> &'static str {
    match party {
        Party::Customer => "customer",
        Party::Consultant => "consultant",
    }
}

fn parse_role(name: &str) -> Option<Party> {
    [Party::Customer, Party::Consultant]
        .into_iter()
        .find(|party| role_name(*party) == name)
}
