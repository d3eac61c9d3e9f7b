//! `rhetor db info`.

use crate::cli::{DbCommand, InfoFormat};
use anyhow::Result;
use rhetor_store::{SqliteStore, Store};

pub fn run(cmd: DbCommand) -> Result<u8> {
    match cmd {
        DbCommand::Info { db, format } => {
            let store = SqliteStore::open_read_only(&db.db)?;
            let info = store.info()?;
            match format {
                InfoFormat::Json => println!("{}", serde_json::to_string(&info)?),
                InfoFormat::Text => {
                    println!("database:       {}", db.db.display());
                    println!("schema version: {}", info.schema_version);
                    println!("articles:       {}", info.articles);
                    println!("sources:        {}", info.sources);
                    let list = |m: &std::collections::BTreeMap<String, u64>| {
                        m.iter()
                            .map(|(k, v)| format!("{k} {v}"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    };
                    println!("analyses:       {}", list(&info.analyses));
                    println!("languages:      {}", list(&info.languages));
                    println!(
                        "published:      {} .. {}",
                        info.first_published.as_deref().unwrap_or("-"),
                        info.last_published.as_deref().unwrap_or("-")
                    );
                }
            }
            Ok(0)
        }
    }
}
