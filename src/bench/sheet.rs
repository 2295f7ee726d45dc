//! `muster bench sheet`: reading alone, no database. The same N rows as a CSV and as a workbook
//! saved the way Excel saves one (every text a shared string); each read into rows five times,
//! the best time printed, with the workbook's ratio to the CSV.

use super::seed::Seeded;
use crate::domain::PublicId;

#[derive(Debug, clap::Args)]
pub struct SheetArgs {
    /// Rows in the sheet.
    #[arg(long, default_value_t = 100_000)]
    pub rows: usize,
}

pub fn run(args: &SheetArgs) -> anyhow::Result<()> {
    let roles: Vec<String> = (0..3).map(|_| PublicId::generate().into_inner()).collect();
    let mut csv = String::from("Team Member ID,Email,Language,Role IDs\r\n");
    for i in 0..args.rows {
        let (first, second) = (&roles[i % 3], &roles[(i + 1) % 3]);
        let id = PublicId::generate().into_inner();
        csv.push_str(&format!("{id},{},{},\"{first},{second}\"\r\n", Seeded::email(i), Seeded::language(i)));
    }
    let workbook = super::invitations::workbook_of(&csv)?;
    println!("rows              {}", args.rows);
    println!(
        "sizes             {:.1} MB as CSV, {:.1} MB as .xlsx",
        csv.len() as f64 / 1e6,
        workbook.len() as f64 / 1e6
    );
    super::invitations::print_reading(csv.as_bytes(), &workbook)
}
