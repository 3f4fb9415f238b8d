//! Fault matrices: a run for every cell of rows × columns, four at a time and each
//! within a deadline, printed as a table, and what broke told cell by cell.

use std::collections::HashMap;
use std::future::Future;
use std::time::Duration;

use futures::StreamExt;

/// A matrix's labels and the width of its cells when printed.
pub struct Matrix<'a> {
    /// What the top-left corner says (`task \ fault`).
    pub corner: &'a str,
    pub rows: Vec<String>,
    pub columns: Vec<String>,
    pub width: usize,
}

impl Matrix<'_> {
    /// Runs `run(row, column)` for every cell `applies` keeps, and prints the table:
    /// each cell as `show` tells its outcome, `BROKEN` where its run failed or outlasted
    /// `stuck`, `n/a` where none ran. What broke, one line per cell.
    pub async fn run<O, Run, Fut>(
        &self,
        applies: impl Fn(usize, usize) -> bool,
        stuck: Duration,
        run: Run,
        show: impl Fn(&O) -> String,
    ) -> Vec<String>
    where
        Run: Fn(usize, usize) -> Fut,
        Fut: Future<Output = Result<O, String>>,
    {
        let cells: Vec<(usize, usize)> = (0..self.rows.len())
            .flat_map(|row| (0..self.columns.len()).map(move |column| (row, column)))
            .filter(|&(row, column)| applies(row, column))
            .collect();
        let outcomes: HashMap<(usize, usize), Result<O, String>> = futures::stream::iter(cells)
            .map(|(row, column)| {
                let cell = tokio::time::timeout(stuck, run(row, column));
                async move {
                    let outcome = cell
                        .await
                        .unwrap_or_else(|_| Err(format!("still running after {stuck:?}")));
                    ((row, column), outcome)
                }
            })
            .buffer_unordered(4)
            .collect()
            .await;

        let width = self.width;
        let mut table = format!("{:<22}", self.corner);
        for column in &self.columns {
            table += &format!(" | {column:<width$}");
        }
        let mut broken = Vec::new();
        for (row, row_label) in self.rows.iter().enumerate() {
            table += &format!("\n{row_label:<22}");
            for (column, column_label) in self.columns.iter().enumerate() {
                let text = match outcomes.get(&(row, column)) {
                    None => "n/a".to_owned(),
                    Some(Ok(outcome)) => show(outcome),
                    Some(Err(why)) => {
                        broken.push(format!("{row_label} × {column_label}: {why}"));
                        "BROKEN".to_owned()
                    }
                };
                table += &format!(" | {text:<width$}");
            }
        }
        println!("{table}");
        broken
    }
}
