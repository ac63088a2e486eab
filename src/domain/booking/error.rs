//! Why a booking operation is refused.

use crate::domain::ScheduleError;

/// Why a booking operation is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BookingError {
    /// The requested time breaks a scheduling rule.
    #[error(transparent)]
    Schedule(#[from] ScheduleError),
    /// Cancelled or already started: nothing more can happen to it.
    #[error("the booking is cancelled or already in the past")]
    Closed,
    /// Only the consultant of a booking (or agency staff) may confirm it.
    #[error("only the consultant of this booking can confirm it")]
    NotTheConsultant,
    /// Only the customer who booked (or agency staff) may change the
    /// booking's details.
    #[error("only the customer who made this booking can change it")]
    NotTheCustomer,
    /// The consultant does not consult in the booking's mode.
    #[error("this consultant does not offer consultations in that mode")]
    ModeNotOffered,
    /// Past the consultant's cancellation notice, its customer can no
    /// longer cancel or move the booking (the consultant and staff can).
    #[error("it is too late to cancel or move this booking; contact the agency")]
    TooLateToChange,
}

impl BookingError {
    /// Whether another consultant might take the same request: the refusal
    /// is about this consultant's hours, notice, horizon, time off or
    /// modes, not the request itself (off the grid, in the past).
    pub fn is_about_the_consultant(&self) -> bool {
        matches!(
            self,
            Self::ModeNotOffered
                | Self::Schedule(
                    ScheduleError::OutsideWorkingHours
                        | ScheduleError::TooShortNotice
                        | ScheduleError::BeyondHorizon
                        | ScheduleError::ConsultantUnavailable
                )
        )
    }
}
