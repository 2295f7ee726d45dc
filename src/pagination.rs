//! Relay-style pagination: `first` (1..=100, default 50) and an opaque `after` cursor.
//! Cursors are keyset positions — the sort key and the row id of the last row seen — so a
//! page costs the same whatever its depth, and rows added meanwhile are neither skipped nor
//! repeated.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};

use crate::{
    AppError, Result,
    limits::{PAGE_DEFAULT, PAGE_MAX},
};

/// The page size asked for, checked.
pub fn page_size(first: Option<i32>) -> Result<u64> {
    let first = first.unwrap_or(PAGE_DEFAULT);
    if !(1..=PAGE_MAX).contains(&first) {
        return Err(AppError::bad_input("first", format!("must be between 1 and {PAGE_MAX}, got {first}")));
    }
    Ok(first as u64)
}

/// A position in one ordering: `ordering` names it, so a cursor from another ordering is
/// refused rather than silently misread.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor {
    pub ordering: String,
    pub id: i64,
    pub key: String,
}

impl Cursor {
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}|{}|{}", self.ordering, self.id, self.key))
    }

    pub fn decode(text: &str, ordering: &str) -> Result<Self> {
        let invalid =
            || AppError::bad_input("after", "is not a cursor from this list; pass an `endCursor` you received");
        let bytes = URL_SAFE_NO_PAD.decode(text.trim()).map_err(|_| invalid())?;
        let raw = String::from_utf8(bytes).map_err(|_| invalid())?;
        let mut parts = raw.splitn(3, '|');
        let (Some(kind), Some(id), Some(key)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(invalid());
        };
        if kind != ordering {
            return Err(AppError::bad_input(
                "after",
                "the cursor comes from another ordering; start again without `after`",
            ));
        }
        let id = id.parse().map_err(|_| invalid())?;
        Ok(Self { ordering: kind.to_owned(), id, key: key.to_owned() })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_refuse_others() {
        let cursor = Cursor { ordering: "EMAIL_ASC".into(), id: 42, key: "a|b@example.com".into() };
        assert_eq!(Cursor::decode(&cursor.encode(), "EMAIL_ASC").unwrap(), cursor);
        assert!(Cursor::decode(&cursor.encode(), "NAME_ASC").is_err());
        assert!(Cursor::decode("not a cursor", "EMAIL_ASC").is_err());
    }

    #[test]
    fn page_sizes() {
        assert_eq!(page_size(None).unwrap(), 50);
        assert_eq!(page_size(Some(100)).unwrap(), 100);
        assert!(page_size(Some(0)).is_err());
        assert!(page_size(Some(101)).is_err());
    }
}
