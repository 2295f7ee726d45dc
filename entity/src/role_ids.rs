//! The roles an invitation grants, kept on its row as a JSON array of role row ids (`[3,7]`):
//! one row per invitation instead of one per role. muster writes the column itself, so a value
//! that does not read is corruption, and loading it fails rather than granting nothing.

use sea_orm::DeriveValueType;

#[derive(Debug, Clone, PartialEq, Eq, Default, DeriveValueType)]
#[sea_orm(value_type = "String", from_str = "RoleIds::from_json", to_str = "RoleIds::to_json")]
pub struct RoleIds(pub Vec<i64>);

impl RoleIds {
    pub fn from_json(text: &str) -> Result<Self, serde_json::Error> {
        serde_json::from_str(text).map(Self)
    }

    pub fn to_json(&self) -> String {
        // A list of integers always serialises.
        serde_json::to_string(&self.0).unwrap_or_else(|_| "[]".to_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::RoleIds;

    #[test]
    fn round_trips_and_refuses_what_does_not_read() {
        assert_eq!(RoleIds::from_json("[3,7]").unwrap(), RoleIds(vec![3, 7]));
        assert_eq!(RoleIds(vec![3, 7]).to_json(), "[3,7]");
        assert!(RoleIds::from_json("not json").is_err());
        assert!(RoleIds::from_json("[\"a\"]").is_err());
    }
}
