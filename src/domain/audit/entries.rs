//! The entries of accounts' and consultants' changes (bookings' are in
//! `booking.rs`): what each action records besides who, when and where.

use serde_json::Value;

use super::{AuditAction, AuditContext, AuditEntry, TargetKind};
use crate::domain::{
    ApiKey, Consultant, ConsultantId, Email, Schedule, Session, TimeOff, TimeOffId, Timestamp,
    User, UserId, Webhook, WebhookId,
};

fn at(instant: chrono::DateTime<chrono::Utc>) -> Value {
    Value::String(Timestamp(instant).to_string())
}

impl AuditEntry {
    /// `user.registered` (a customer signing up) or `user.invited` (staff
    /// creating an account).
    pub fn account_created(context: &AuditContext, user: &User, invited: bool) -> Self {
        let action = if invited {
            AuditAction::UserInvited
        } else {
            AuditAction::UserRegistered
        };
        Self::new(context, action, user.id).with("role", user.role.as_str())
    }

    /// `user.erased`: the person of account `user` was erased, by
    /// themselves or by staff (the actor says which).
    pub fn erased(context: &AuditContext, user: UserId) -> Self {
        Self::new(context, AuditAction::UserErased, user)
    }

    /// `user.login`: a session was opened.
    pub fn login(context: &AuditContext, session: &Session) -> Self {
        Self::new(context, AuditAction::UserLogin, session.user_id)
            .with("sessionId", session.id.to_string())
    }

    /// `user.login_failed`: a wrong password for `email` (normalised; the
    /// record is the account when there is one, else the address).
    pub fn login_failed(context: &AuditContext, email: &Email, account: Option<UserId>) -> Self {
        let target = account.map_or_else(|| email.to_string(), |id| id.to_string());
        Self::new(context, AuditAction::UserLoginFailed, target).with("email", email.as_str())
    }

    /// `user.password_changed`, `user.password_reset` or
    /// `user.password_set` (an invitation accepted): `action` says which.
    pub fn password(context: &AuditContext, action: AuditAction, user: UserId) -> Self {
        Self::new(context, action, user)
    }

    /// `api_key.created` (with its name and scopes) or `api_key.revoked`.
    pub fn api_key(context: &AuditContext, key: &ApiKey, created: bool) -> Self {
        let action = if created {
            AuditAction::ApiKeyCreated
        } else {
            AuditAction::ApiKeyRevoked
        };
        Self::new(context, action, key.id)
            .with("name", key.name.as_str())
            .with("scopes", key.scopes.names())
    }

    /// `webhook.*` (`action` says which), with where it delivers and what.
    pub fn webhook(context: &AuditContext, webhook: &Webhook, action: AuditAction) -> Self {
        Self::new(context, action, webhook.id)
            .with("url", webhook.url.as_str())
            .with("events", webhook.events.names())
            .with("active", webhook.active)
    }

    /// `webhook.disabled`: the service turned `webhook` off, for `reason`.
    pub fn webhook_disabled(context: &AuditContext, webhook: WebhookId, reason: &str) -> Self {
        Self::new(context, AuditAction::WebhookDisabled, webhook).with("reason", reason)
    }

    /// `consultant.created`, with the profile's name.
    pub fn consultant_created(context: &AuditContext, consultant: &Consultant) -> Self {
        Self::new(context, AuditAction::ConsultantCreated, consultant.id)
            .with("name", consultant.name.as_str())
    }

    /// `consultant.updated`: which profile fields changed from `before` to
    /// `after` (not their values: a bio is free text).
    pub fn consultant_updated(
        context: &AuditContext,
        before: &Consultant,
        after: &Consultant,
    ) -> Self {
        let changed: Vec<Value> = [
            ("name", before.name != after.name),
            ("specialties", before.specialties != after.specialties),
            ("languages", before.languages != after.languages),
            ("modes", before.modes != after.modes),
            ("bio", before.bio != after.bio),
        ]
        .into_iter()
        .filter(|(_, changed)| *changed)
        .map(|(field, _)| Value::from(field))
        .collect();
        Self::new(context, AuditAction::ConsultantUpdated, after.id).with("fields", changed)
    }

    /// `consultant.deactivated` (with the reason given) or
    /// `consultant.reactivated`.
    pub fn consultant_state(
        context: &AuditContext,
        consultant: ConsultantId,
        active: bool,
        reason: Option<&str>,
    ) -> Self {
        let action = if active {
            AuditAction::ConsultantReactivated
        } else {
            AuditAction::ConsultantDeactivated
        };
        let entry = Self::new(context, action, consultant);
        match reason {
            Some(reason) => entry.with("reason", reason),
            None => entry,
        }
    }

    /// `schedule.changed`, with the schedule now in force.
    pub fn schedule_changed(
        context: &AuditContext,
        consultant: ConsultantId,
        schedule: &Schedule,
    ) -> Self {
        let rules = schedule.rules;
        Self::new(context, AuditAction::ScheduleChanged, consultant)
            .with("timezone", schedule.timezone.name())
            .with("workingHours", schedule.working_hours.to_string())
            .with("bufferMinutes", rules.buffer().minutes())
            .with("minimumNoticeMinutes", rules.minimum_notice_minutes())
            .with("bookingHorizonDays", rules.booking_horizon_days())
            .with(
                "cancellationNoticeMinutes",
                rules.cancellation_notice_minutes(),
            )
    }

    /// `time_off.added`.
    pub fn time_off_added(context: &AuditContext, time_off: &TimeOff) -> Self {
        Self::new(context, AuditAction::TimeOffAdded, time_off.consultant_id)
            .with("timeOffId", time_off.id.to_string())
            .with("startsAt", at(time_off.starts_at))
            .with("endsAt", at(time_off.ends_at))
    }

    /// `time_off.removed`.
    pub fn time_off_removed(
        context: &AuditContext,
        consultant: ConsultantId,
        id: TimeOffId,
    ) -> Self {
        Self::new(context, AuditAction::TimeOffRemoved, consultant)
            .with("timeOffId", id.to_string())
    }

    /// `mail.sent`: the mail `mail_id` about `target_id` (a booking, or an
    /// account) was handed to the mail server.
    pub fn mail_sent(
        context: &AuditContext,
        target: (TargetKind, String),
        mail_id: &str,
        subject: &str,
    ) -> Self {
        Self::new(context, AuditAction::MailSent, target.1)
            .targeting(target.0)
            .with("messageId", mail_id)
            .with("subject", subject)
    }

    /// `mail.failed`: the message `message_id` about `target_id` was given
    /// up after a day of failed deliveries.
    pub fn mail_failed(
        context: &AuditContext,
        target: (TargetKind, String),
        message_id: &str,
        attempts: u32,
    ) -> Self {
        Self::new(context, AuditAction::MailFailed, target.1)
            .targeting(target.0)
            .with("messageId", message_id)
            .with("attempts", attempts)
    }

    /// `feed.created` (a new secret) or `feed.revoked`, `why` (its owner
    /// turned it off, or a password change, reset, logout everywhere or
    /// deactivation did).
    pub fn feed(
        context: &AuditContext,
        consultant: ConsultantId,
        created: bool,
        why: &str,
    ) -> Self {
        let action = if created {
            AuditAction::FeedCreated
        } else {
            AuditAction::FeedRevoked
        };
        Self::new(context, action, consultant).with("reason", why)
    }
}
