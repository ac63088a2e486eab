//! Who a booking notification goes to: its parties, and, once a booking is
//! reassigned, the consultant who had it.

/// One recipient of a booking notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Recipient {
    /// The customer who booked.
    Customer,
    /// The booking's consultant.
    Consultant,
    /// The consultant a reassignment took it from.
    FormerConsultant,
}

impl Recipient {
    const ALL: [Recipient; 3] = [Self::Customer, Self::Consultant, Self::FormerConsultant];

    /// The stored name (in message ids and recipient sets).
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::Customer => "customer",
            Self::Consultant => "consultant",
            Self::FormerConsultant => "former_consultant",
        }
    }

    fn parse(name: &str) -> Option<Self> {
        Self::ALL
            .into_iter()
            .find(|recipient| recipient.as_str() == name)
    }

    fn bit(&self) -> u8 {
        match self {
            Self::Customer => 1,
            Self::Consultant => 2,
            Self::FormerConsultant => 4,
        }
    }
}

/// A set of recipients.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Recipients(u8);

impl Recipients {
    /// Nobody.
    pub const NONE: Self = Self(0);
    /// Both parties.
    pub const BOTH: Self = Self(3);

    /// Just `recipient`.
    pub fn only(recipient: Recipient) -> Self {
        Self::NONE.with(recipient)
    }

    /// This set and `recipient`.
    pub fn with(self, recipient: Recipient) -> Self {
        Self(self.0 | recipient.bit())
    }

    /// Whether `recipient` is in the set.
    pub fn contains(self, recipient: Recipient) -> bool {
        self.0 & recipient.bit() != 0
    }

    /// The recipients in the set, customer first.
    pub fn members(self) -> impl Iterator<Item = Recipient> {
        Recipient::ALL
            .into_iter()
            .filter(move |recipient| self.contains(*recipient))
    }

    /// The stored form: names joined by commas (`customer,consultant`),
    /// or empty.
    pub fn to_stored(self) -> String {
        self.members()
            .map(|recipient| recipient.as_str())
            .collect::<Vec<_>>()
            .join(",")
    }

    /// Parses the stored form.
    pub fn parse(text: &str) -> Option<Self> {
        text.split(',')
            .filter(|name| !name.is_empty())
            .try_fold(Self::NONE, |set, name| {
                Some(set.with(Recipient::parse(name)?))
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sets_round_trip_their_stored_form() {
        let all = Recipients::BOTH.with(Recipient::FormerConsultant);
        for set in [
            Recipients::NONE,
            Recipients::BOTH,
            all,
            Recipients::only(Recipient::Consultant),
        ] {
            assert_eq!(Recipients::parse(&set.to_stored()), Some(set));
        }
        assert_eq!(Recipients::BOTH.to_stored(), "customer,consultant");
        assert_eq!(Recipients::parse("customer,nobody"), None);
    }
}
