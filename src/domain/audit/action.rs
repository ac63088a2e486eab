//! The actions the audit log records, and the kinds of record they act on.

/// The kind of record an entry is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TargetKind {
    /// An account.
    User,
    /// A booking.
    Booking,
    /// A consultant's profile (its schedule, time off and feed included).
    Consultant,
    /// An API key.
    ApiKey,
    /// A webhook.
    Webhook,
}

impl TargetKind {
    /// The wire name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::User => "user",
            Self::Booking => "booking",
            Self::Consultant => "consultant",
            Self::ApiKey => "api_key",
            Self::Webhook => "webhook",
        }
    }

    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        [
            Self::User,
            Self::Booking,
            Self::Consultant,
            Self::ApiKey,
            Self::Webhook,
        ]
        .into_iter()
        .find(|kind| kind.as_str() == text)
    }
}

macro_rules! actions {
    ($($variant:ident => $name:literal, $target:ident;)+) => {
        /// What an entry records.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum AuditAction {
            $(
                #[doc = concat!("`", $name, "`")]
                $variant,
            )+
        }

        impl AuditAction {
            /// Every action.
            pub const ALL: &'static [AuditAction] = &[$(Self::$variant),+];

            /// The wire name, `area.verb`.
            pub fn as_str(&self) -> &'static str {
                match self {
                    $(Self::$variant => $name,)+
                }
            }

            /// The kind of record it acts on.
            pub fn target_kind(&self) -> TargetKind {
                match self {
                    $(Self::$variant => TargetKind::$target,)+
                }
            }
        }
    };
}

actions! {
    UserRegistered => "user.registered", User;
    UserInvited => "user.invited", User;
    UserCreated => "user.created", User;
    UserLogin => "user.login", User;
    UserLoginFailed => "user.login_failed", User;
    UserPasswordChanged => "user.password_changed", User;
    UserPasswordReset => "user.password_reset", User;
    UserPasswordSet => "user.password_set", User;
    UserErased => "user.erased", User;
    UserMfaEnabled => "user.mfa_enabled", User;
    UserMfaDisabled => "user.mfa_disabled", User;
    BookingCreated => "booking.created", Booking;
    BookingConfirmed => "booking.confirmed", Booking;
    BookingRescheduled => "booking.rescheduled", Booking;
    BookingCancelled => "booking.cancelled", Booking;
    BookingReassigned => "booking.reassigned", Booking;
    BookingNotesChanged => "booking.notes_changed", Booking;
    BookingDetailsChanged => "booking.details_changed", Booking;
    BookingWithdrawn => "booking.withdrawn", Booking;
    ConsultantCreated => "consultant.created", Consultant;
    ConsultantUpdated => "consultant.updated", Consultant;
    ConsultantDeactivated => "consultant.deactivated", Consultant;
    ConsultantReactivated => "consultant.reactivated", Consultant;
    ScheduleChanged => "schedule.changed", Consultant;
    TimeOffAdded => "time_off.added", Consultant;
    TimeOffRemoved => "time_off.removed", Consultant;
    FeedCreated => "feed.created", Consultant;
    FeedRevoked => "feed.revoked", Consultant;
    MailSent => "mail.sent", User;
    MailFailed => "mail.failed", User;
    ApiKeyCreated => "api_key.created", ApiKey;
    ApiKeyRevoked => "api_key.revoked", ApiKey;
    WebhookCreated => "webhook.created", Webhook;
    WebhookUpdated => "webhook.updated", Webhook;
    WebhookDeleted => "webhook.deleted", Webhook;
    WebhookSecretRotated => "webhook.secret_rotated", Webhook;
    WebhookDisabled => "webhook.disabled", Webhook;
}

impl AuditAction {
    /// Parses the wire name.
    pub fn parse(text: &str) -> Option<Self> {
        Self::ALL
            .iter()
            .copied()
            .find(|action| action.as_str() == text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn actions_round_trip_their_names_and_the_contract_lists_are_there() {
        for action in AuditAction::ALL {
            assert_eq!(AuditAction::parse(action.as_str()), Some(*action));
        }
        for name in [
            "user.registered",
            "user.login",
            "user.login_failed",
            "user.password_changed",
            "user.password_reset",
            "user.erased",
            "booking.created",
            "booking.confirmed",
            "booking.rescheduled",
            "booking.cancelled",
            "booking.reassigned",
            "booking.notes_changed",
            "consultant.created",
            "consultant.updated",
            "consultant.deactivated",
            "consultant.reactivated",
            "schedule.changed",
            "time_off.added",
            "time_off.removed",
            "feed.created",
            "feed.revoked",
            "mail.sent",
            "mail.failed",
        ] {
            assert!(AuditAction::parse(name).is_some(), "{name}");
        }
        assert_eq!(TargetKind::parse("booking"), Some(TargetKind::Booking));
    }
}
