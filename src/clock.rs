//! The service's notion of "now". Production reads the system clock; tests move it forward
//! to expire invitations without sleeping.

use std::sync::{
    Arc,
    atomic::{AtomicI64, Ordering},
};

use chrono::{DateTime, Duration, DurationRound, Utc};

#[derive(Clone, Debug, Default)]
pub struct Clock {
    offset_ms: Arc<AtomicI64>,
}

impl Clock {
    /// The current time, to the microsecond: what PostgreSQL stores, so a value read back
    /// compares equal to the one written.
    pub fn now(&self) -> DateTime<Utc> {
        let now = Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::Relaxed));
        now.duration_trunc(Duration::microseconds(1)).unwrap_or(now)
    }

    /// Moves this clock (and every clone of it) forward; for tests.
    pub fn advance(&self, by: Duration) {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::Relaxed);
    }
}
