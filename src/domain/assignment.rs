//! "Any consultant who speaks Spanish": the order in which a booking for
//! any matching consultant tries them, and why the one it gets was chosen.
//! The store decides who is free (the first insert whose slots can be
//! claimed wins), so racing requests never share a consultant.

use chrono::{DateTime, TimeDelta, Utc};

use super::ConsultantId;

/// Why a booking for "any consultant" went to the one it did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AssignmentReason {
    /// The customer's most recent consultant matched and was free.
    PreviousConsultant,
    /// Fewer live bookings in the seven days around the start than any
    /// other candidate left.
    LeastBusy,
    /// As busy as another candidate, and booked less recently.
    LeastRecent,
}

impl AssignmentReason {
    /// The wire and stored name.
    pub fn as_str(&self) -> &'static str {
        match self {
            Self::PreviousConsultant => "previous_consultant",
            Self::LeastBusy => "least_busy",
            Self::LeastRecent => "least_recent",
        }
    }

    /// The reason a store holds under [`AssignmentReason::as_str`]'s name.
    pub fn from_stored(name: &str) -> Option<Self> {
        [Self::PreviousConsultant, Self::LeastBusy, Self::LeastRecent]
            .into_iter()
            .find(|reason| reason.as_str() == name)
    }
}

/// How busy a candidate is, as the store counts it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ConsultantLoad {
    /// The candidate.
    pub consultant_id: ConsultantId,
    /// Their live bookings starting within the [`load_window`].
    pub live_nearby: u64,
    /// When a booking with them was last made (any status); `None` if never.
    pub last_booked_at: Option<DateTime<Utc>>,
}

/// The seven days centred on `start` over which candidates' live bookings
/// are counted: `[start − 3½ days, start + 3½ days)`.
pub fn load_window(start: DateTime<Utc>) -> (DateTime<Utc>, DateTime<Utc>) {
    let half = TimeDelta::hours(84);
    (start - half, start + half)
}

/// The candidates in the order to try them, each with the reason it gets if
/// it is the first one free: `previous` (the customer's most recent
/// consultant) first when among them; then fewest live bookings nearby,
/// ties going to the one booked least recently (never booked first), then
/// by id so the order is total. A candidate is `least_busy` when every
/// candidate after it is busier, `least_recent` when the tie-break chose it.
pub fn assignment_order(
    mut loads: Vec<ConsultantLoad>,
    previous: Option<ConsultantId>,
) -> Vec<(ConsultantId, AssignmentReason)> {
    let mut order = Vec::with_capacity(loads.len());
    if let Some(at) = loads
        .iter()
        .position(|load| Some(load.consultant_id) == previous)
    {
        let load = loads.remove(at);
        order.push((load.consultant_id, AssignmentReason::PreviousConsultant));
    }
    loads.sort_by_key(|load| (load.live_nearby, load.last_booked_at, load.consultant_id));
    for (at, load) in loads.iter().enumerate() {
        let tied = loads
            .get(at + 1)
            .is_some_and(|next| next.live_nearby == load.live_nearby);
        let reason = if tied {
            AssignmentReason::LeastRecent
        } else {
            AssignmentReason::LeastBusy
        };
        order.push((load.consultant_id, reason));
    }
    order
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn load(id: ConsultantId, live_nearby: u64, last_booked_hour: Option<u32>) -> ConsultantLoad {
        ConsultantLoad {
            consultant_id: id,
            live_nearby,
            last_booked_at: last_booked_hour
                .map(|hour| Utc.with_ymd_and_hms(2027, 1, 4, hour, 0, 0).unwrap()),
        }
    }

    #[test]
    fn the_previous_consultant_comes_first_then_the_least_busy() {
        let [a, b, c] = [(); 3].map(|()| ConsultantId::generate());
        let order = assignment_order(
            vec![load(a, 0, None), load(b, 5, Some(9)), load(c, 2, Some(8))],
            Some(b),
        );
        assert_eq!(
            order,
            vec![
                (b, AssignmentReason::PreviousConsultant),
                (a, AssignmentReason::LeastBusy),
                (c, AssignmentReason::LeastBusy),
            ]
        );
    }

    #[test]
    fn equally_busy_candidates_go_least_recently_booked_first() {
        let [a, b, c] = [(); 3].map(|()| ConsultantId::generate());
        let stranger = ConsultantId::generate();
        let order = assignment_order(
            vec![load(a, 1, Some(10)), load(b, 1, None), load(c, 1, Some(9))],
            Some(stranger),
        );
        assert_eq!(
            order,
            vec![
                (b, AssignmentReason::LeastRecent),
                (c, AssignmentReason::LeastRecent),
                (a, AssignmentReason::LeastBusy),
            ]
        );
    }

    #[test]
    fn the_window_is_seven_days_centred_on_the_start() {
        let start = Utc.with_ymd_and_hms(2027, 1, 4, 12, 0, 0).unwrap();
        let (from, to) = load_window(start);
        assert_eq!(to - from, TimeDelta::days(7));
        assert_eq!(start - from, to - start);
    }

    #[test]
    fn reasons_round_trip_through_their_stored_names() {
        for reason in [
            AssignmentReason::PreviousConsultant,
            AssignmentReason::LeastBusy,
            AssignmentReason::LeastRecent,
        ] {
            assert_eq!(AssignmentReason::from_stored(reason.as_str()), Some(reason));
        }
        assert_eq!(AssignmentReason::from_stored("luck"), None);
    }
}
