//! Organization slugs: lower-case letters, digits and `-`, 1 to 64 characters, starting with
//! a letter or digit. They name the organization in the CLI and in admin JWTs.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("`{0}` is not a slug: use 1 to 64 lower-case letters, digits and `-`, like `acme-corp`")]
pub struct SlugError(String);

impl Slug {
    pub fn parse(input: &str) -> Result<Self, SlugError> {
        let slug = input.trim();
        let valid = (1..=64).contains(&slug.len())
            && slug.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && !slug.starts_with('-');
        if valid { Ok(Self(slug.to_owned())) } else { Err(SlugError(slug.to_owned())) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        assert!(Slug::parse("acme-corp").is_ok());
        assert!(Slug::parse("default").is_ok());
        for bad in ["", "Acme", "-acme", "acme corp", "acmé"] {
            assert!(Slug::parse(bad).is_err(), "{bad:?}");
        }
    }
}
