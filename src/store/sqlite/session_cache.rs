//! Recently used sessions, kept in memory so that an authenticated request
//! does not open a SQLite read transaction just to find its session.
//!
//! Sound because the embedded store belongs to one service process: every
//! change to a session goes through this process's store, which updates the
//! cache right after committing. (The consultant CLI, the only other writer,
//! only adds accounts.) The MongoDB store, shared by many instances, has no
//! such cache.
//!
//! A lookup that misses reads the database and then offers what it found.
//! Any change made meanwhile bumps the generation, and an offer carrying an
//! older generation is refused: a read that raced a logout can never put the
//! session it saw back into the cache.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use chrono::{DateTime, Utc};

use crate::domain::{Session, SessionId, SessionStatus, TokenHash, User, UserId};

/// The generation observed before a database read; see [`SessionCache::offer`].
#[derive(Debug, Clone, Copy)]
pub(super) struct Ticket(u64);

/// Valid sessions with their users, by token hash, up to a fixed number.
pub(super) struct SessionCache {
    capacity: usize,
    state: Mutex<State>,
}

#[derive(Default)]
struct State {
    entries: HashMap<TokenHash, (Session, User)>,
    generation: u64,
}

impl SessionCache {
    /// A cache holding at most `capacity` sessions.
    pub(super) fn new(capacity: usize) -> Self {
        Self {
            capacity,
            state: Mutex::default(),
        }
    }

    fn state(&self) -> MutexGuard<'_, State> {
        // Every critical section leaves the map consistent; a panic in one
        // cannot leave it half-updated.
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The cached session and user for `token_hash`, or a ticket to offer
    /// what the database says.
    pub(super) fn get(&self, token_hash: &TokenHash) -> Result<(Session, User), Ticket> {
        let state = self.state();
        state
            .entries
            .get(token_hash)
            .cloned()
            .ok_or(Ticket(state.generation))
    }

    /// Caches a session read from the database, unless it is no longer valid
    /// or something changed since `ticket` was taken.
    pub(super) fn offer(&self, ticket: Ticket, session: &Session, user: &User) {
        if session.status != SessionStatus::Valid {
            return;
        }
        let mut state = self.state();
        if state.generation != ticket.0 {
            return;
        }
        if state.entries.len() >= self.capacity {
            // Any entry will do: an evicted session is read again when used.
            if let Some(victim) = state.entries.keys().next().cloned() {
                state.entries.remove(&victim);
            }
        }
        state
            .entries
            .insert(session.token_hash.clone(), (session.clone(), user.clone()));
    }

    /// Records a committed use of the session with `token_hash`.
    pub(super) fn touched(&self, token_hash: &TokenHash, seen_at: DateTime<Utc>) {
        let mut state = self.state();
        state.generation += 1;
        if let Some((session, _)) = state.entries.get_mut(token_hash) {
            session.last_seen_at = session.last_seen_at.max(seen_at);
        }
    }

    /// Forgets the session with `token_hash` (it was just expired).
    pub(super) fn expired_token(&self, token_hash: &TokenHash) {
        self.expired_where(|session| &session.token_hash == token_hash);
    }

    /// Forgets the session `id` of `user_id`.
    pub(super) fn expired_session(&self, user_id: UserId, id: SessionId) {
        self.expired_where(|session| session.user_id == user_id && session.id == id);
    }

    /// Forgets every session of `user_id` except `keep`, if given.
    pub(super) fn expired_sessions_of(&self, user_id: UserId, keep: Option<SessionId>) {
        self.expired_where(|session| session.user_id == user_id && Some(session.id) != keep);
    }

    fn expired_where(&self, expired: impl Fn(&Session) -> bool) {
        let mut state = self.state();
        state.generation += 1;
        state.entries.retain(|_, (session, _)| !expired(session));
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.state().entries.len()
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeDelta;

    use super::*;
    use crate::domain::{Email, PersonName, SessionPolicy, SessionToken};

    fn user() -> User {
        let email = Email::parse("casey@example.com").unwrap();
        User::new_customer(email, PersonName::parse("Casey").unwrap(), Utc::now())
    }

    fn session_of(user: &User) -> Session {
        let policy = SessionPolicy {
            ttl: TimeDelta::days(14),
            idle_timeout: TimeDelta::hours(1),
            admin_idle_timeout: TimeDelta::minutes(30),
        };
        let token_hash = SessionToken::generate().hash();
        Session::start(
            user.id,
            user.credentials_stamp,
            token_hash,
            None,
            Utc::now(),
            &policy,
        )
    }

    fn cached(cache: &SessionCache, session: &Session, user: &User) {
        let ticket = cache.get(&session.token_hash).unwrap_err();
        cache.offer(ticket, session, user);
        assert!(cache.get(&session.token_hash).is_ok());
    }

    #[test]
    fn an_offered_session_is_served_until_it_is_expired() {
        let cache = SessionCache::new(10);
        let user = user();
        let session = session_of(&user);
        cached(&cache, &session, &user);
        assert_eq!(
            cache.get(&session.token_hash).unwrap(),
            (session.clone(), user)
        );
        cache.expired_token(&session.token_hash);
        assert!(cache.get(&session.token_hash).is_err());
    }

    #[test]
    fn a_read_that_raced_a_change_is_not_cached() {
        let cache = SessionCache::new(10);
        let user = user();
        let session = session_of(&user);
        let ticket = cache.get(&session.token_hash).unwrap_err();
        // A logout commits between the database read and the offer.
        cache.expired_token(&session.token_hash);
        cache.offer(ticket, &session, &user);
        assert!(cache.get(&session.token_hash).is_err());
        // So does a touch: the offered copy would carry an old last use.
        let ticket = cache.get(&session.token_hash).unwrap_err();
        cache.touched(&session.token_hash, Utc::now());
        cache.offer(ticket, &session, &user);
        assert!(cache.get(&session.token_hash).is_err());
    }

    #[test]
    fn expired_sessions_are_never_cached() {
        let cache = SessionCache::new(10);
        let user = user();
        let mut session = session_of(&user);
        session.status = SessionStatus::Expired;
        let ticket = cache.get(&session.token_hash).unwrap_err();
        cache.offer(ticket, &session, &user);
        assert!(cache.get(&session.token_hash).is_err());
    }

    #[test]
    fn expiring_by_user_keeps_other_users_and_the_kept_session() {
        let cache = SessionCache::new(10);
        let (alice, bob) = (user(), user());
        let (kept, other) = (session_of(&alice), session_of(&alice));
        let bobs = session_of(&bob);
        for (session, owner) in [(&kept, &alice), (&other, &alice), (&bobs, &bob)] {
            cached(&cache, session, owner);
        }
        cache.expired_sessions_of(alice.id, Some(kept.id));
        assert!(cache.get(&kept.token_hash).is_ok());
        assert!(cache.get(&other.token_hash).is_err());
        assert!(cache.get(&bobs.token_hash).is_ok());
        cache.expired_session(bob.id, bobs.id);
        assert!(cache.get(&bobs.token_hash).is_err());
        cache.expired_sessions_of(alice.id, None);
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_touch_moves_the_cached_last_use_forward_only() {
        let cache = SessionCache::new(10);
        let user = user();
        let session = session_of(&user);
        cached(&cache, &session, &user);
        let later = session.last_seen_at + TimeDelta::minutes(5);
        cache.touched(&session.token_hash, later);
        cache.touched(&session.token_hash, session.last_seen_at);
        let (cached, _) = cache.get(&session.token_hash).unwrap();
        assert_eq!(cached.last_seen_at, later);
    }

    #[test]
    fn the_cache_never_holds_more_than_its_capacity() {
        let cache = SessionCache::new(3);
        let user = user();
        let sessions: Vec<Session> = (0..10).map(|_| session_of(&user)).collect();
        for session in &sessions {
            cached(&cache, session, &user);
        }
        assert_eq!(cache.len(), 3);
        assert!(cache.get(&sessions[9].token_hash).is_ok());
    }
}
